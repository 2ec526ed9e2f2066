"""Bring a database to a usable state: schema, then each app's set-up steps (reference data, plans, examples)."""

import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from .registry import setup_steps

# Rows a table may gain beyond twice its counted size before its statistics are gathered again at a command's start.
STALE_ROWS = 1000


def pending_migrations() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def ensure_database(verbose=False):
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    if pending_migrations():
        if verbose:
            print("正在创建数据库结构 / creating the database schema …", file=sys.stderr)
        call_command("migrate", interactive=False, verbosity=0)
    for step in setup_steps():
        counts = step.run(settings.HELUO_CITY, verbose)
        if counts and verbose:
            print(f"{step.name}: " + ", ".join(f"{k}: {v}" for k, v in counts.items()), file=sys.stderr)
    if planner_statistics_stale():
        refresh_planner_statistics()


def refresh_planner_statistics(*, bulk_load: bool = False) -> dict:
    """Gather the statistics the query planner plans from. SQLite gathers none unless told: without them it sorted
    every qualification to show the fifty first by enterprise name, and with sampled ones (analysis_limit=20000) it
    counted a district's pool entries by reading the whole pool (its cultivation overview: 330–400 ms, 140–150 ms with
    full ones). So a full ANALYZE: 1.2 s on the province demo's 3 GB (bench/pages.py builds it). PostgreSQL's autovacuum gathers its own within minutes; after a bulk load (`bulk_load`) they are
    gathered at once, as before them a join over a province's rows took 160 s, after 0.1 s."""
    if connection.vendor == "sqlite" or (bulk_load and connection.vendor == "postgresql"):
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return {"analyzed": connection.vendor, "seconds": round(time.monotonic() - started, 2)}
    return {"skipped": connection.vendor}


def planner_statistics_stale() -> bool:
    """SQLite: whether a table has grown to more than twice (and by more than STALE_ROWS rows) what the statistics
    last counted, or has rows but none counted. Cheap enough for every command's start: max(rowid) is one index
    probe a table, where counting would read it. Deletions are left to the daily refresh."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        counted = {}
        if cursor.fetchone():
            cursor.execute("SELECT tbl, stat FROM sqlite_stat1")
            for table, stat in cursor.fetchall():
                counted[table] = max(counted.get(table, 0), int(stat.split()[0]))
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT max(rowid) FROM {connection.ops.quote_name(table)}")
            newest = cursor.fetchone()[0] or 0
            if newest > 2 * counted.get(table, 0) + STALE_ROWS:
                return True
    return False
