"""Bring a database to a usable state: schema, then each app's set-up steps (reference data, plans, examples)."""

import sys

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from .registry import setup_steps


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
    refresh_planner_statistics()


def refresh_planner_statistics() -> dict:
    """SQLite's query planner has no statistics unless it is told to gather them (PostgreSQL's autovacuum gathers
    its own): without them it sorts every qualification to show the fifty first by enterprise name. A sampled
    ANALYZE takes a fraction of a second; it runs with every command (`heluo serve` too) and daily."""
    if connection.vendor != "sqlite":
        return {"skipped": connection.vendor}
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=20000")  # rows sampled per index: fewer gave worse plans
        cursor.execute("ANALYZE")
    return {"analyzed": True}
