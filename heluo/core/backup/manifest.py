"""What an archive promises, and the check that a database and a media folder keep that promise.

The manifest is JSON: when and from what the archive was made, the applied migrations, each table's row count
and content hash, the sequences' positions, and every file in the archive with its size and SHA-256.

A table's content hash is the SHA-256 of its rows read in primary-key order (every column when a table has no
primary key), one compact JSON line per row. Rows are read through Django's connection for the engine, so a
backup and a later restore on the same engine read the same values the same way; comparing the hashes proves
that the data came back whole without trusting the dump tool. Every table is hashed, not only the models'
(``django_migrations`` too): the generic path keeps core free of any domain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tomllib
from importlib import metadata
from pathlib import Path

from heluo.core.i18n import Bilingual

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
CHUNK = 2000  # rows fetched at a time: a large table is streamed, not loaded


def _plain(value):
    """JSON for what a database driver returns beyond JSON's own types (stable across runs)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)  # Decimal (keeps its scale), UUID, timedelta


def row_line(row) -> bytes:
    return json.dumps(list(row), default=_plain, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode() + b"\n"


def table_digest(connection, table: str) -> dict:
    """Row count and content hash of one table."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        order = [qn(c) for c in connection.introspection.get_primary_key_columns(cursor, table) or []]
        if not order:  # no primary key: every column, by position
            cursor.execute(f"SELECT * FROM {qn(table)} WHERE 1 = 0")
            order = [str(i) for i in range(1, len(cursor.description) + 1)]
    sql = f"SELECT * FROM {qn(table)} ORDER BY {', '.join(order)}"
    digest, rows = hashlib.sha256(), 0
    with connection.chunked_cursor() as cursor:  # server-side on PostgreSQL
        cursor.execute(sql)
        while batch := cursor.fetchmany(CHUNK):
            rows += len(batch)
            for row in batch:
                digest.update(row_line(row))
    return {"rows": rows, "sha256": digest.hexdigest()}


def tables(connection) -> list[str]:
    with connection.cursor() as cursor:
        # not SQLite's own tables (sqlite_stat1: the planner's statistics, gathered by ANALYZE)
        return sorted(t.name for t in connection.introspection.get_table_list(cursor) if t.type == "t" and not t.name.startswith("sqlite_"))


def table_digests(connection) -> dict[str, dict]:
    return {table: table_digest(connection, table) for table in tables(connection)}


def migration_state(connection) -> dict[str, list[str]]:
    """The applied migrations per app (read with SQL: the connection may be one to a copy, unknown to the ORM)."""
    if "django_migrations" not in tables(connection):
        return {}
    state: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            state.setdefault(app, []).append(name)
    return state


def file_entry(path: Path, name: str) -> dict:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return {"path": name, "size": path.stat().st_size, "sha256": digest.hexdigest()}


def media_entries(root: Path) -> list[dict]:
    """Every regular file under the media folder, as archive names `media/<relative path>` (symbolic links are
    not followed: an upload is always a file of its own)."""
    entries = []
    if root.is_dir():
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                path = Path(folder) / name
                if path.is_file() and not path.is_symlink():
                    entries.append(file_entry(path, f"{MEDIA}/{path.relative_to(root).as_posix()}"))
    return entries


def heluo_version() -> str:
    try:
        return metadata.version("heluo")
    except metadata.PackageNotFoundError:  # run from a source tree (PYTHONPATH), not installed
        pyproject = Path(__file__).resolve().parents[3] / "pyproject.toml"
        if pyproject.is_file():
            return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"] + "+source"
        return "unknown"


def build(*, engine: dict, migrations: dict, tables: dict, sequences: dict, files: list[dict], created: dt.datetime) -> dict:
    return {
        "format": FORMAT,
        "created": created.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "heluo_version": heluo_version(),
        "engine": engine,
        "migrations": migrations,
        "tables": tables,
        "sequences": sequences,
        "files": files,
        "hashing": "sha256 of each table's rows in primary-key order, one compact JSON array per line",
    }


def differences(manifest: dict, *, migrations: dict, tables: dict, sequences: dict, media: list[dict]) -> list[Bilingual]:
    """What a restored database and media folder do not have as the manifest says (empty: identical)."""
    out: list[Bilingual] = []
    expected, actual = manifest["tables"], tables
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if want is None:
            out.append(Bilingual(f"表 {table} 不在备份中", f"table {table} is not in the backup"))
        elif got is None:
            out.append(Bilingual(f"表 {table} 未恢复", f"table {table} was not restored"))
        elif want["rows"] != got["rows"]:
            out.append(
                Bilingual(
                    f"表 {table}：{got['rows']} 行，应为 {want['rows']} 行", f"table {table}: {got['rows']} rows, expected {want['rows']}"
                )
            )
        elif want["sha256"] != got["sha256"]:
            out.append(Bilingual(f"表 {table}：内容与备份不同", f"table {table}: content differs from the backup"))
    if manifest["migrations"] != migrations:
        out.append(Bilingual("已应用的迁移与备份不同", "applied migrations differ from the backup"))
    for name in sorted(set(manifest["sequences"]) | set(sequences)):
        if manifest["sequences"].get(name) != sequences.get(name):
            out.append(Bilingual(f"序列 {name} 与备份不同", f"sequence {name} differs from the backup"))
    want_files = {f["path"]: f["sha256"] for f in manifest["files"] if f["path"].startswith(f"{MEDIA}/")}
    got_files = {f["path"]: f["sha256"] for f in media}
    for name in sorted(set(want_files) | set(got_files)):
        if want_files.get(name) != got_files.get(name):
            out.append(Bilingual(f"上传文件 {name} 与备份不同", f"uploaded file {name} differs from the backup"))
    return out
