"""ID numbers encrypted at rest, with a keyed hash for look-ups and uniqueness (heluo.core.fieldcrypt).

Forward: the column is widened and loses its unique index, every number is encrypted with HELUO_FIELD_KEY and its
hash written, then the hash becomes unique. Backward decrypts them again (it needs the key the numbers were encrypted
with, in HELUO_FIELD_KEY or HELUO_FIELD_KEYS_OLD). Raw SQL: the historical model would try to decrypt plain numbers.
"""

import heluo.core.fields
import heluo.core.validators
from django.db import migrations

BATCH = 1000


def _rows(schema_editor, model):
    qn = schema_editor.connection.ops.quote_name
    table = qn(model._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn('id')}, {qn('id_number')} FROM {table} WHERE {qn('id_number')} IS NOT NULL")
        rows = cursor.fetchall()
    update = f"UPDATE {table} SET {qn('id_number')} = %s, {qn('id_number_hash')} = %s WHERE {qn('id')} = %s"
    return rows, update


def _write(schema_editor, update, values):
    with schema_editor.connection.cursor() as cursor:
        for start in range(0, len(values), BATCH):
            cursor.executemany(update, values[start : start + BATCH])


def encrypt_numbers(apps, schema_editor):
    from heluo.core import fieldcrypt

    rows, update = _rows(schema_editor, apps.get_model("people", "Person"))
    values = [(fieldcrypt.encrypt(number), fieldcrypt.lookup_hash(number), pk) for pk, number in rows if ":" not in number]
    _write(schema_editor, update, values)


def decrypt_numbers(apps, schema_editor):
    from heluo.core import fieldcrypt

    rows, update = _rows(schema_editor, apps.get_model("people", "Person"))
    values = [(fieldcrypt.decrypt(stored), None, pk) for pk, stored in rows if ":" in stored]
    _write(schema_editor, update, values)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="id_number_hash",
            field=heluo.core.fields.LookupHashField(source="id_number", verbose_name="ID number"),
        ),
        migrations.AlterField(
            model_name="person",
            name="id_number",
            field=heluo.core.fields.EncryptedCharField(
                blank=True, max_length=18, null=True, validators=[heluo.core.validators.validate_id_number], verbose_name="ID number"
            ),
        ),
        migrations.RunPython(encrypt_numbers, decrypt_numbers),
        migrations.AlterField(
            model_name="person",
            name="id_number_hash",
            field=heluo.core.fields.LookupHashField(source="id_number", unique=True, verbose_name="ID number"),
        ),
    ]
