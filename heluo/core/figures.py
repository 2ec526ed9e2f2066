"""Figures computed over whole tables (plan indicators counted from the registry, innovation points, R&D
incentive lists …), kept between requests until the data they are computed from changes.

A figure is kept under its key and the *stamp* of the tables it reads. The stamp of a large audited table is its
newest change-log record (every change of an audited record writes one in the same transaction: forms, the API,
imports and the admin alike) and its highest id (rows written without a change record: the demo); the stamp of
a small reference table (areas, clusters) is a digest of its rows. A write therefore makes a new stamp, and the
figure is computed again from the data as it is now: the numbers never lag behind the records.

Figures computed inside a transaction are not kept, since they may see writes that are then rolled back (and
tests run inside one). TIMEOUT is a backstop for writes that neither audit nor ids reveal (the demo's reset).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection

TIMEOUT = 3600


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def stamp(audited: Iterable[type] = (), reference: Iterable[type] = ()) -> str:
    """The state of the tables a figure reads, in one query for the audited ones and one per reference table."""
    from .models import ObjectChange

    parts, params = [], []
    changes = _quoted(ObjectChange._meta.db_table)
    for model in audited:
        parts.append(f"(SELECT MAX(id) FROM {changes} WHERE content_type_id = %s)")
        params.append(ContentType.objects.get_for_model(model).pk)
        parts.append(f"(SELECT MAX({_quoted(model._meta.pk.column)}) FROM {_quoted(model._meta.db_table)})")
    values = []
    if parts:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            values = list(cursor.fetchone())
    for model in reference:
        rows = model._default_manager.order_by("pk").values_list(*[f.attname for f in model._meta.concrete_fields])
        values.append(hashlib.sha256(repr(list(rows)).encode()).hexdigest())
    return hashlib.sha256(repr(values).encode()).hexdigest()


def kept(key, compute: Callable, *, audited: Iterable[type] = (), reference: Iterable[type] = ()):
    """`compute()`, or the value it gave before for the same key while the tables it reads are unchanged."""
    if connection.in_atomic_block:
        return compute()
    full = "heluo:figure:" + hashlib.sha256(repr((key, stamp(audited, reference))).encode()).hexdigest()
    value = cache.get(full)
    if value is None:
        value = compute()
        cache.set(full, value, TIMEOUT)
    return value
