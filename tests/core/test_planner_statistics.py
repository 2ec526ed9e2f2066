"""The query planner's statistics: gathered in full on SQLite when a table has outgrown them (at a command's start and
after an import), daily, and after the demo's bulk load; on PostgreSQL only after a bulk load (autovacuum does the rest)."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from heluo.core import setup
from heluo.core.registry import periodic_jobs

pytestmark = pytest.mark.django_db


def _groups(n, prefix="g"):
    Group.objects.bulk_create([Group(name=f"{prefix}{i}") for i in range(n)])


def _counted(table):
    with connection.cursor() as c:
        c.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [table])
        return max(int(stat.split()[0]) for (stat,) in c.fetchall())


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_a_table_that_outgrew_its_statistics_is_stale_until_they_are_gathered_in_full(monkeypatch):
    monkeypatch.setattr(setup, "STALE_ROWS", 10)
    setup.refresh_planner_statistics()
    assert not setup.planner_statistics_stale()
    _groups(5 + 2 * Group.objects.count())  # not more than STALE_ROWS beyond twice the count
    assert not setup.planner_statistics_stale()
    _groups(25 + 2 * Group.objects.count(), prefix="h")
    assert setup.planner_statistics_stale()
    assert setup.refresh_planner_statistics()["analyzed"] == "sqlite"
    assert not setup.planner_statistics_stale()
    assert _counted(Group._meta.db_table) == Group.objects.count()  # every row counted, none sampled


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_the_start_of_a_command_gathers_them_when_stale(monkeypatch):
    monkeypatch.setattr(setup, "STALE_ROWS", 10)
    setup.refresh_planner_statistics()
    _groups(40 + 2 * Group.objects.count())
    monkeypatch.setattr(setup, "setup_steps", lambda: [])
    setup.ensure_database()
    assert _counted(Group._meta.db_table) == Group.objects.count()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_gathers_its_own_except_after_a_bulk_load():
    _groups(50)
    assert not setup.planner_statistics_stale()
    assert setup.refresh_planner_statistics() == {"skipped": "postgresql"}
    assert setup.refresh_planner_statistics(bulk_load=True)["analyzed"] == "postgresql"


def test_the_daily_job_refreshes_them():
    (job,) = [j for j in periodic_jobs() if j.name == "planner-statistics"]
    assert job.run()["analyzed" if connection.vendor == "sqlite" else "skipped"] == connection.vendor
