"""Copying a database out and back with each engine's own tool.

Why not Django's dumpdata/loaddata, which would work on every engine: it is slow (every row becomes a Python
object and JSON), it loses sequence positions and anything that is not a model (so ids would be reused after a
restore), and loading needs the very schema and signal handlers of the code that made it. The native tools copy
the database exactly and quickly: SQLite's online backup API, PostgreSQL's pg_dump / pg_restore.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction

from heluo.core.i18n import Refusal

# libpq connection parameters that may appear in DATABASES OPTIONS (sslmode=… in DATABASE_URL).
LIBPQ_OPTIONS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "options", "application_name", "target_session_attrs"}


def engine_for(connection):
    if connection.vendor == "sqlite":
        return SQLite()
    if connection.vendor == "postgresql":
        return PostgreSQL()
    raise Refusal("backup.engine", f"不支持的数据库：{connection.vendor}", f"unsupported database: {connection.vendor}", status=422)


def _outside_transaction(connection):
    if connection.in_atomic_block:  # a copy taken or replaced inside someone's transaction would not be what it seems
        raise Refusal("backup.in_transaction", "不能在事务中备份或恢复", "cannot back up or restore inside a transaction")


class SQLite:
    name = "sqlite"
    filename = "database.sqlite3"

    def describe(self, connection) -> dict:
        return {"name": self.name, "server_version": sqlite3.sqlite_version, "file": self.filename}

    @contextlib.contextmanager
    def copy(self, connection, path: Path):
        """A consistent copy while others keep reading and writing (the backup API copies one snapshot); yields
        Django's connection to the copy, so the manifest describes exactly what the archive holds."""
        _outside_transaction(connection)
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        alias = f"heluo_backup_copy_{id(path)}"
        copy = connection.__class__({**connection.settings_dict, "NAME": str(path)}, alias=alias)
        connections[alias] = copy  # Django looks its own connections up by alias (feature checks, transactions)
        try:
            yield copy
        finally:
            copy.close()
            del connections[alias]

    def sequences(self, connection) -> dict:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
            if not cursor.fetchone():
                return {}
            cursor.execute("SELECT name, seq FROM sqlite_sequence ORDER BY name")
            return {name: seq for name, seq in cursor.fetchall()}

    def check(self, path: Path, connection) -> None:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            result = db.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as e:
            result = str(e)
        finally:
            db.close()
        if result != "ok":
            raise Refusal(
                "backup.damaged", f"备份中的数据库已损坏：{result}", f"the database in the archive is damaged: {result}", status=422
            )

    def load(self, connection, path: Path) -> None:
        """Replace the configured database's content with the copy, through the same backup API (works for a
        file and for the tests' in-memory database alike)."""
        _outside_transaction(connection)
        connection.ensure_connection()
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            source.backup(connection.connection)
        finally:
            source.close()


class PostgreSQL:
    name = "postgresql"
    filename = "database.pgdump"

    def describe(self, connection) -> dict:
        connection.ensure_connection()
        v = connection.pg_version
        return {"name": self.name, "server_version": f"{v // 10000}.{v % 10000}", "file": self.filename}

    def tool(self, connection, name: str) -> str:
        """A pg_dump / pg_restore at least as new as the server (an older one refuses a newer server). Debian keeps
        one per installed major version in /usr/lib/postgresql/N/bin; HELUO_PG_BIN_DIR names another place."""
        connection.ensure_connection()
        server = connection.pg_version // 10000
        candidates = [Path(settings.HELUO_PG_BIN_DIR) / name] if settings.HELUO_PG_BIN_DIR else []
        if found := shutil.which(name):
            candidates.append(Path(found))
        candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
        seen = []
        for path in candidates:
            try:
                out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True, timeout=30).stdout
            except (OSError, subprocess.SubprocessError):
                continue
            match = re.search(r"(\d+)(?:\.\d+)?", out)
            if match and int(match.group(1)) >= server:
                return str(path)
            seen.append(f"{path} ({out.strip()})")
        found_text = "; ".join(seen) or "-"
        raise Refusal(
            "backup.no_pg_tool",
            f"找不到版本不低于服务器（{server}）的 {name}（已找到：{found_text}）；请安装 postgresql-client-{server} 或设置 HELUO_PG_BIN_DIR",
            f"no {name} of the server's version ({server}) or newer (found: {found_text}); install postgresql-client-{server} or set HELUO_PG_BIN_DIR",
            status=500,
        )

    def _conninfo(self, connection) -> tuple[list[str], dict]:
        """`--dbname` for the connection's actual database (the tests' test_… one too); the password travels in
        the environment, never on the command line where `ps` would show it."""
        from psycopg.conninfo import make_conninfo

        s = connection.settings_dict
        params = {k: v for k, v in (s.get("OPTIONS") or {}).items() if k in LIBPQ_OPTIONS}
        params.update({k: v for k, v in (("dbname", s["NAME"]), ("user", s["USER"]), ("host", s["HOST"]), ("port", s["PORT"])) if v})
        env = {**os.environ, "PGPASSWORD": s["PASSWORD"]} if s.get("PASSWORD") else dict(os.environ)
        return ["--dbname", make_conninfo(**{k: str(v) for k, v in params.items()})], env

    def _run(self, command: list[str], env: dict, what: str) -> None:
        result = subprocess.run(command, capture_output=True, text=True, env=env)
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip()[-2000:]
            raise Refusal(f"backup.{what}_failed", f"{what} 失败：{detail}", f"{what} failed: {detail}", status=500)

    @contextlib.contextmanager
    def copy(self, connection, path: Path):
        """pg_dump in the custom format, joining this transaction's exported snapshot; yields the connection still
        in that snapshot, so the manifest describes exactly what the dump holds."""
        _outside_transaction(connection)
        pg_dump = self.tool(connection, "pg_dump")
        dbname, env = self._conninfo(connection)
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
            self._run([pg_dump, "--format=custom", f"--snapshot={snapshot}", "--file", str(path), *dbname], env, "pg_dump")
            yield connection

    def sequences(self, connection) -> dict:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences "
                "WHERE schemaname = ANY(current_schemas(false)) ORDER BY 1"
            )
            return {name: value for name, value in cursor.fetchall()}

    def check(self, path: Path, connection) -> None:
        result = subprocess.run([self.tool(connection, "pg_restore"), "--list", str(path)], capture_output=True, text=True)
        if result.returncode != 0:
            detail = result.stderr.strip()[-2000:]
            raise Refusal(
                "backup.damaged", f"备份中的数据库已损坏：{detail}", f"the database in the archive is damaged: {detail}", status=422
            )

    def load(self, connection, path: Path) -> None:
        """pg_restore into the connection's database, in one transaction: all of it or nothing."""
        _outside_transaction(connection)
        dbname, env = self._conninfo(connection)
        command = [self.tool(connection, "pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"]
        connection.close()  # hold no lock that pg_restore's DROP TABLE would wait for
        self._run([*command, *dbname, str(path)], env, "pg_restore")
