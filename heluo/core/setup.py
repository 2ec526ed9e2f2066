"""Bring a database to a usable state: schema, then the city's reference data."""
import sys

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def pending_migrations() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def ensure_database(verbose=False):
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    if pending_migrations():
        if verbose:
            print("正在创建数据库结构 / creating the database schema …", file=sys.stderr)
        call_command("migrate", interactive=False, verbosity=0)
    from heluo.geo.models import Area

    if not Area.objects.exists():
        call_command("load_reference", city=settings.HELUO_CITY, verbosity=1 if verbose else 0)
    from heluo.plan.loader import ensure_plan

    from heluo.cultivation.benefits import sync_policies

    sync_policies()  # the configured 免申即享 policies that are missing (existing ones keep the bureau's edits)
    counts = ensure_plan(settings.HELUO_CITY)  # the city's plan and its published figures, when new or changed
    if counts and verbose:
        print("已载入规划指标 / plan loaded: " + ", ".join(f"{k}: {v}" for k, v in counts.items()), file=sys.stderr)
