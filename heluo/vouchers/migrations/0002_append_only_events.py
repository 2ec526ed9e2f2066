"""Voucher events are append-only: on PostgreSQL a trigger refuses UPDATE and DELETE of any row, whatever
code (or person at a SQL prompt) tries. TRUNCATE, which only a database owner's maintenance uses (and the
test runner's flush), is not affected. SQLite, the demo database, relies on the model's guard."""
from django.db import migrations

CREATE = ["""
CREATE OR REPLACE FUNCTION vouchers_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'voucher events are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql
""", """
CREATE TRIGGER vouchers_event_append_only BEFORE UPDATE OR DELETE ON vouchers_voucherevent
    FOR EACH ROW EXECUTE FUNCTION vouchers_event_append_only()
"""]
DROP = ["DROP TRIGGER IF EXISTS vouchers_event_append_only ON vouchers_voucherevent",
        "DROP FUNCTION IF EXISTS vouchers_event_append_only()"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql, params=None)  # no parameters: the % in the message stays literal


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
