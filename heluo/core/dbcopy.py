"""Writing many rows at once: COPY on PostgreSQL (its text format, built column by column), executemany elsewhere."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_PLAIN = {int, Decimal, type(None)}  # written as str() writes them, nothing to escape
CHUNK = 20_000


def write_rows(cursor, table: str, columns: list[str], data: list[list]) -> None:
    """Insert rows given column by column (`data[j][i]`: row i's value of columns[j], as the database takes it:
    str, int, Decimal, bool, datetime or None). Names are quoted here."""
    q = connection.ops.quote_name
    names = ", ".join(map(q, columns))
    count = len(data[0]) if data else 0
    if connection.vendor != "postgresql":
        cursor.executemany(f"INSERT INTO {q(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", list(zip(*data)))
        return
    with cursor.copy(f"COPY {q(table)} ({names}) FROM STDIN") as copy:
        for start in range(0, count, CHUNK):
            texts = [_text(column[start : start + CHUNK]) for column in data]
            copy.write("\n".join(map("\t".join, zip(*texts))) + "\n")


def _text(values: list) -> list[str]:
    kinds = {*map(type, values)}
    if kinds <= _PLAIN:
        return ["\\N" if v is None else str(v) for v in values] if type(None) in kinds else list(map(str, values))
    if kinds <= {str, type(None)}:
        text = "".join(v for v in values if v is not None)
        if not ("\\" in text or "\t" in text or "\n" in text or "\r" in text):  # nothing to escape in the column
            return ["\\N" if v is None else v for v in values]
    return [_value(v) for v in values]


def _value(v) -> str:
    if v is None:
        return "\\N"
    if v.__class__ is str:
        return v.translate(_ESCAPES) if ("\\" in v or "\t" in v or "\n" in v or "\r" in v) else v
    if v.__class__ is bool:
        return "t" if v else "f"
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return str(v).translate(_ESCAPES)
