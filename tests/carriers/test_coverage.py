"""三个全覆盖: clusters × (中试基地, 产业研究院) on 31 December, and the same share as the plan's indicator G18."""

import datetime as dt
from types import SimpleNamespace

import pytest

from heluo.carriers.selectors.coverage import coverage, share
from heluo.plan.selectors.computations import COMPUTATIONS
from heluo.platforms.services import platform_record_status

pytestmark = pytest.mark.django_db


def test_the_table_and_the_plan_agree(carriers):
    c = carriers
    rows = coverage(2024)
    by = {r.cluster.code: r for r in rows}
    assert {p.name for p in by["machinery"].platforms["pilot_base"]} == {"甲中试基地", "乙中试基地"}
    assert [p.name for p in by["materials"].platforms["industry_research_institute"]] == ["乙产业研究院"]
    assert share(rows) == 100.0
    platform_record_status(c.users.admin, c.institute_b, status="approved", date=dt.date(2023, 3, 1), note="认定")
    platform_record_status(c.users.admin, c.institute_b, status="revoked", date=dt.date(2024, 6, 1), note="test")
    rows = coverage(2024)
    assert share(rows) == 50.0 and not {r.cluster.code: r for r in rows}["materials"].covered
    assert share(coverage(2023)) == 100.0  # on 31 December 2023 it was still approved
    assert share(coverage(2022)) == 0.0  # none approved yet
    plan = COMPUTATIONS["cluster_coverage"].function
    indicator = SimpleNamespace(plan=SimpleNamespace(city=c.world.city))
    params = {"kinds": ["pilot_base", "industry_research_institute"]}
    for year in (2022, 2023, 2024):
        assert float(plan(indicator, params, year, c.world.city)) == share(coverage(year))
