"""Writing an import set-wise, for kinds that work on whole columns (ImportKind.write_batch).

The rows are staged in a temporary table (COPY on PostgreSQL), compared with the stored records in SQL, checked
as save_in_scope checks one record (the records changed must be within the user's scope; each record's fields
against the model's field rule, permissions.check_writable_many) and applied with one INSERT and one UPDATE in the
import's transaction. The change records go through audit.write_changes. A row that changes nothing is not written:
a re-import of the same file writes nothing at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, connection
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .audit import is_audited, serialized_json, write_changes
from .dbcopy import write_rows
from .permissions import CHANGE, check_writable_many, scope_for

STAGE = "heluo_import_stage"


@dataclass
class Upsert:
    model: type
    key: tuple[str, ...]  # attnames of a unique constraint: how a row finds its record
    fields: list[str]  # attnames the file writes; None in a row leaves the stored value as it is
    refused: tuple[str | None, str, str]  # (column, zh, en): a record to change that the user may not change
    describe: Callable[[dict], list[str]]  # each record's name in the change log, from the records' columns by attname
    defaults: dict = field(default_factory=dict)  # attname -> value of a new record where its row gives none


def filter_in(queryset, name: str, values, db_type: str):
    """queryset.filter(<name>__in=values) in one short query however many values: `= ANY(array)` on PostgreSQL
    (the array sent as one string, far cheaper than 100,000 parameters), a JSON list on SQLite."""
    field = queryset.model._meta.pk if name == "pk" else queryset.model._meta.get_field(name)
    if connection.vendor != "postgresql":
        return queryset.filter(**{f"{name}__in": RawSQL(*_listed(values, db_type))})
    q = connection.ops.quote_name
    array, params = _array(values, db_type)
    return queryset.extra(where=[f"{q(queryset.model._meta.db_table)}.{q(field.column)} = ANY({array})"], params=params)


def fetch(queryset) -> list[tuple]:
    """A values_list queryset's rows, fetched at once as the database gives them: for text and integer columns,
    where Django would convert nothing, only go row by row (a third of a second for 100,000 rows)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a scope that allows nothing
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _array(values, db_type: str) -> tuple[str, list]:
    values = list(values)
    text = "\x1f".join(map(str, values))
    if text.count("\x1f") != max(len(values) - 1, 0) or not values:  # a value holding the separator: an array after all
        return f"%s::{db_type}[]", [values]
    return f"string_to_array(%s, chr(31))::{db_type}[]", [text]


def _listed(values, db_type: str) -> tuple[str, list]:
    """A subquery of the values."""
    if connection.vendor != "postgresql":
        return "SELECT value FROM json_each(%s)", [json.dumps(list(values))]
    array, params = _array(values, db_type)
    return f"SELECT unnest({array})", params


def upsert(ctx, spec: Upsert, keys: list[tuple], values: dict[str, list]) -> dict:
    """Write the batch's rows: keys[i] is row i's key, values[attname][i] what it writes (None: nothing). Errors
    go to ctx (row by row, as a loop over the rows would find them); nothing is written if there is any."""
    from .imports import record_row_exception

    count = len(keys)
    # a column the file leaves empty throughout writes nothing: left out of the staging and the statements
    spec = replace(spec, fields=[a for a in spec.fields if {*map(type, values[a])} - {type(None)}])
    model, meta, batch = spec.model, spec.model._meta, ctx.batch
    if is_audited(model) and serialized_json(model, {f.attname: [] for f in meta.concrete_fields}, 0) is None:
        raise TypeError(f"{meta.label}: its change records need the instances (many-to-many or masked fields): write it record by record")
    q = connection.ops.quote_name
    key_fields, write_fields = [meta.get_field(a) for a in spec.key], [meta.get_field(a) for a in spec.fields]
    with connection.cursor() as cursor:
        _stage(cursor, key_fields + write_fields, keys, [values[a] for a in spec.fields])
        table, pk = q(meta.db_table), q(meta.pk.column)
        join = " AND ".join(f"t.{q(f.column)} = s.{q(f.column)}" for f in key_fields)
        distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
        differs = " OR ".join(f"(s.{q(f.column)} IS NOT NULL AND s.{q(f.column)} {distinct} t.{q(f.column)})" for f in write_fields)
        # one join: the rows without a record, and those whose record differs; the others change nothing
        cursor.execute(f"SELECT s.pos, t.{pk} FROM {STAGE} s LEFT JOIN {table} t ON {join} WHERE t.{pk} IS NULL OR {differs or 'FALSE'}")
        found = sorted(cursor.fetchall())
        new = [pos for pos, pk_value in found if pk_value is None]
        differing = {pos: pk_value for pos, pk_value in found if pk_value is not None}
    # the stored records, as the model reads them (a decimal as a Decimal, on SQLite too), for the log and the checks
    attnames = [f.attname for f in meta.concrete_fields]
    found = filter_in(model._default_manager.all(), "pk", differing.values(), "bigint")
    stored = {r[meta.pk.attname]: r for r in found.values(*attnames)}
    changed = {}  # pos -> (stored, after)
    for pos, pk_value in differing.items():
        before = stored[pk_value]
        diff = {a: values[a][pos] for a in spec.fields if values[a][pos] is not None and before[a] != values[a][pos]}
        if diff:  # a decimal the database compares as equal only by rounding is still a change, as it was
            changed[pos] = (before, {**before, **diff})
    base, created = _new_records(spec, keys, values, new)
    errors = _check(ctx, spec, changed, attnames, new, created)
    for pos, error in sorted(errors.items()):
        if isinstance(error, tuple):
            ctx.error(batch.row(pos), *error)
        else:
            record_row_exception(ctx, batch.row(pos), error)
    if ctx.errors:
        return {}
    ctx.progress("writing", 0, count)
    now = timezone.now()
    with connection.cursor() as cursor:
        ids = _insert(cursor, spec, base, new, created, now)
        ctx.progress("writing", len(new), count)
        _update(cursor, spec, list(changed), now)
        cursor.execute(f"DROP TABLE {STAGE}")
    created[meta.pk.attname] = ids
    _check_created_scope(ctx, model, dict(zip(ids, new)))
    if ctx.errors:
        return {}
    if not ctx.dry_run and is_audited(model):
        _log(spec, attnames, [changed[p] for p in changed], created, len(new))
    return {"created": len(new), "updated": len(changed), "unchanged": count - len(new) - len(changed)}


def _stage(cursor, fields, keys, columns) -> None:
    q = connection.ops.quote_name
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    definition = ", ".join(["pos integer", *(f"{q(f.column)} {f.db_type(connection)}" for f in fields)])
    cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} ({definition})" + (" ON COMMIT DROP" if connection.vendor == "postgresql" else ""))
    prepared = [_prepared(f, column) for f, column in zip(fields[len(fields) - len(columns) :], columns)]
    key_columns = [list(column) for column in zip(*keys)] if keys else [[] for _ in range(len(fields) - len(columns))]
    write_rows(cursor, STAGE, ["pos", *(f.column for f in fields)], [list(range(len(keys))), *key_columns, *prepared])


def _prepared(field, values: list) -> list:
    """Values as the database takes them: most types pass as they are; others through the field (a date, say)."""
    if {*map(type, values)} <= _AS_IS:
        return values
    return [None if v is None else field.get_db_prep_save(v, connection) for v in values]


_AS_IS = {str, int, bool, type(None), __import__("decimal").Decimal}


def _new_records(spec, keys, values, new) -> tuple[dict, dict]:
    """The values by attname of a new record before its row is applied, and the new records column by column
    ({attname: values}, in the order of `new`), as instances created from their rows would hold them."""
    meta = spec.model._meta
    base = {f.attname: (None if f.primary_key else f.get_default()) for f in meta.concrete_fields}
    base.update(spec.defaults)
    columns = {a: [d] * len(new) for a, d in base.items()}
    for j, a in enumerate(spec.key):
        columns[a] = [keys[pos][j] for pos in new]
    for a in spec.fields:
        column, default = values[a], base[a]
        columns[a] = [default if column[pos] is None else column[pos] for pos in new]
    return base, columns


def _check(ctx, spec, changed, attnames, new, created) -> dict:
    """pos -> the first error of that row: (column, zh, en) or the exception the field rule raised."""
    errors = {}
    if changed:
        pk = spec.model._meta.pk.attname
        ids = [before[pk] for before, _ in changed.values()]
        allowed = {pk for (pk,) in fetch(filter_in(spec.model.objects.restrict(ctx.user, CHANGE), "pk", ids, "bigint").values_list("pk"))}
        for pos, (before, _) in changed.items():
            if before[pk] not in allowed:
                errors[pos] = spec.refused
    columns = [created[a] for a in attnames]
    records = {pos: (zip(attnames, row), None) for pos, row in zip(new, zip(*columns))}
    records.update((pos, (after, before)) for pos, (before, after) in changed.items() if pos not in errors)
    errors.update(check_writable_many(ctx.user, spec.model, records))
    return errors


def _insert(cursor, spec, base, new, created, now) -> list:
    if not new:
        return []
    q, meta = connection.ops.quote_name, spec.model._meta
    staged = set(spec.key) | set(spec.fields)
    columns, exprs, params = [], [], []
    for f in meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(q(f.column))
        default = now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else base[f.attname]
        if f.attname in spec.key:
            exprs.append(f"s.{q(f.column)}")
            continue
        if f.attname in staged:
            exprs.append(f"COALESCE(s.{q(f.column)}, %s)" if default is not None else f"s.{q(f.column)}")
        else:
            exprs.append("%s")
        if f.attname not in staged or default is not None:
            params.append(f.get_db_prep_save(default, connection))
    join = " AND ".join(f"t.{q(f.column)} = s.{q(f.column)}" for f in map(meta.get_field, spec.key))
    table = q(meta.db_table)
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(exprs)} FROM {STAGE} s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {join}) ORDER BY s.pos RETURNING {q(meta.pk.column)}, "
        + ", ".join(q(meta.get_field(a).column) for a in spec.key),
        params,
    )
    ids = {tuple(row[1:]): row[0] for row in cursor.fetchall()}
    if len(ids) != len(new):  # another import created some of them meanwhile: as a unique key would refuse it
        raise IntegrityError(f"{meta.label}: {len(new) - len(ids)} records were created by someone else during the import")
    return [ids[key] for key in zip(*(created[a] for a in spec.key))]


def _update(cursor, spec, positions, now) -> None:
    if not positions:
        return
    q, meta = connection.ops.quote_name, spec.model._meta
    sets = [
        f"{q(meta.get_field(a).column)} = COALESCE(s.{q(meta.get_field(a).column)}, t.{q(meta.get_field(a).column)})" for a in spec.fields
    ]
    params = []
    for f in meta.concrete_fields:
        if getattr(f, "auto_now", False):
            sets.append(f"{q(f.column)} = %s")
            params.append(f.get_db_prep_save(now, connection))
    join = " AND ".join(f"t.{q(f.column)} = s.{q(f.column)}" for f in map(meta.get_field, spec.key))
    chosen, chosen_params = _listed(positions, "integer")
    cursor.execute(
        f"UPDATE {q(meta.db_table)} AS t SET {', '.join(sets)} FROM {STAGE} s WHERE {join} AND s.pos IN ({chosen})",
        [*params, *chosen_params],
    )


def _check_created_scope(ctx, model, pos_by_id: dict) -> None:
    """The records created must be ones the user may change (a district's enterprise, say): as check_scope."""
    if not pos_by_id or model.scope_q(scope_for(ctx.user), CHANGE) is None:
        return
    allowed = {pk for (pk,) in fetch(filter_in(model.objects.restrict(ctx.user, CHANGE), "pk", pos_by_id, "bigint").values_list("pk"))}
    for pk_value, pos in sorted(pos_by_id.items(), key=lambda item: item[1]):
        if pk_value not in allowed:
            ctx.error(
                ctx.batch.row(pos), None, "无权导入该记录（不在您的权限范围内）", "you may not import this record (outside your scope)"
            )


def _log(spec, attnames, updates: list[tuple[dict, dict]], created: dict, count: int) -> None:
    """The change records, in the order the rows were written before: the updates, then the records created."""
    model, pk = spec.model, spec.model._meta.pk.attname
    before = {a: [b[a] for b, _ in updates] for a in attnames}
    after = {a: [x[a] for _, x in updates] for a in attnames}
    changes = list(
        zip(
            after[pk],
            spec.describe(after),
            ["update"] * len(updates),
            serialized_json(model, before, len(updates)),
            serialized_json(model, after, len(updates)),
        )
    )
    changes += zip(created[pk], spec.describe(created), ["create"] * count, [None] * count, serialized_json(model, created, count))
    write_changes(model, changes)
