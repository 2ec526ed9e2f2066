"""Set-based writes the ORM does slowly. No signals are sent, as with ``bulk_create`` and ``bulk_update``: callers
that are audited record their changes themselves (``audit.record_changes``).

`update_rows` stores some fields of many objects with one parameterised UPDATE run through ``executemany``:
Django's ``bulk_update`` builds a CASE expression per row and field, which costs far more than the database
work (about a millisecond per row for a handful of fields).

`insert_rows` adds new objects; on PostgreSQL through COPY. There ``bulk_create`` sends each column as one array
(UNNEST), which psycopg quotes in Python with a regular-expression call per backslash, and JSON holding Chinese
text (escaped as \\uXXXX) is full of them: 4–5× the CPU of COPY for evaluation results.
"""

from __future__ import annotations

from django.db import connection


def update_rows(model, objs, fields: list[str]) -> int:
    """UPDATE ``fields`` of each object (by primary key) to its attribute values. Returns how many objects."""
    objs = list(objs)
    if not objs:
        return 0
    meta, qn = model._meta, connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    sql = f"UPDATE {qn(meta.db_table)} SET {', '.join(f'{qn(f.column)} = %s' for f in columns)} WHERE {qn(meta.pk.column)} = %s"
    params = [[f.get_db_prep_save(getattr(o, f.attname), connection) for f in columns] + [o.pk] for o in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(objs)


def insert_rows(model, objs) -> int:
    """INSERT new objects (their primary keys are not set on PostgreSQL). Returns how many."""
    objs = list(objs)
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=1000)
        return len(objs)
    meta, qn = model._meta, connection.ops.quote_name
    columns = [f for f in meta.concrete_fields if not f.primary_key and not f.generated]
    sql = f"COPY {qn(meta.db_table)} ({', '.join(qn(f.column) for f in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for o in objs:
            copy.write_row([f.get_db_prep_save(f.pre_save(o, True), connection) for f in columns])
    return len(objs)
