"""Importing a campaign's demands from XLSX: a good file, every kind of bad row (bilingual, located), all or
nothing, idempotent re-import, the district's own area only, the campaign's window."""

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone

from heluo.core.imports import run_import, template_xlsx
from heluo.market.models import Demand, DemandEvent
from tests.market import demands_world

pytestmark = pytest.mark.django_db
market = demands_world.market  # the fixture
KIND = "market_demands"


def write(tmp_path, rows, name="demands.xlsx"):
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx(KIND)))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    for row in rows:
        ws.append([row.get(h) for h in headers])
    path = tmp_path / name
    wb.save(path)
    return path


def good_rows(market):
    deadline = (timezone.localdate() + dt.timedelta(days=90)).isoformat()
    return [
        {
            "需求征集": market.open.title,
            "企业统一社会信用代码": market.world.ent_a.uscc,
            "需求名称": "数控机床主轴热变形补偿",
            "需求描述": "主轴连续运行两小时后热伸长超差，需要补偿算法。",
            "预算下限（万元）": 20,
            "预算上限（万元）": "50",
            "截止日期": deadline,
            "合作方式": "合作开发",
            "公开方式": "公开",
        },
        {
            "需求征集": market.open.title,
            "企业统一社会信用代码": market.world.ent_a2.uscc,
            "需求名称": "耐磨涂层工艺",
            "需求描述": "齿轮表面耐磨涂层寿命不足。",
            "合作方式": "licence",
            "公开方式": "仅科技局可见",
        },
    ]


def messages(result):
    return [(e["row"], e["column"], e["message_zh"], e["message_en"]) for e in result.errors]


def test_a_good_file_imports_and_again_changes_nothing(market, tmp_path):
    path = write(tmp_path, good_rows(market))
    result = run_import(KIND, path, market.users.district_a)
    assert result.ok, result.errors
    assert result.summary == {"created": 2, "updated": 0, "unchanged": 0}
    d = Demand.objects.get(title="数控机床主轴热变形补偿")
    assert d.budget_min == 200000 and d.budget_max == 500000 and d.campaign == market.open and d.status == "draft"
    assert d.cooperation_mode == "joint_development" and DemandEvent.objects.filter(demand=d, action="create").exists()
    assert Demand.objects.get(title="耐磨涂层工艺").confidentiality == "bureau"
    again = run_import(KIND, path, market.users.district_a)
    assert again.ok and again.summary == {"created": 0, "updated": 0, "unchanged": 2}
    rows = good_rows(market)
    rows[0]["预算上限（万元）"] = 80
    changed = run_import(KIND, write(tmp_path, rows, "changed.xlsx"), market.users.district_a)
    assert changed.summary == {"created": 0, "updated": 1, "unchanged": 1}
    assert Demand.objects.get(title="数控机床主轴热变形补偿").budget_max == 800000


def test_titles_match_as_the_cells_are_read(market, tmp_path):
    """A campaign or a demand whose title holds full-width punctuation is found again by the same title in a file."""
    market.open.title = "2026年度需求征集（第一批）"
    demands_world.services.campaign_save(demands_world.SYSTEM, market.open)
    rows = good_rows(market)[:1]
    rows[0]["需求征集"] = market.open.title
    rows[0]["需求名称"] = "主轴（高速）热变形补偿"
    demands_world.services.demand_save(
        market.users.district_a,
        demands_world.demand(market.world.ent_a, rows[0]["需求名称"], campaign=market.open, cooperation_mode="joint_development"),
    )
    result = run_import(KIND, write(tmp_path, rows), market.users.district_a)
    assert result.ok, result.errors
    assert result.summary["created"] == 0 and Demand.objects.filter(campaign=market.open).count() == 1


def test_every_kind_of_bad_row_is_reported_and_nothing_is_written(market, tmp_path):
    ok = good_rows(market)[0]
    bad = [
        {**ok, "需求名称": "未知征集", "需求征集": "不存在的征集"},
        {**ok, "需求名称": "坏代码", "企业统一社会信用代码": "91410300XXXXXXXXX1"},
        {**ok, "需求名称": "他区企业", "企业统一社会信用代码": market.world.ent_b.uscc},
        {**ok, "需求名称": "坏金额", "预算上限（万元）": "很多"},
        {**ok, "需求名称": "倒挂预算", "预算下限（万元）": 90, "预算上限（万元）": 10},
        {**ok, "需求名称": "坏日期", "截止日期": "明天"},
        {**ok, "需求名称": "坏方式", "合作方式": "白送"},
        {**ok, "需求名称": "坏公开方式", "公开方式": "全世界"},
        {**ok, "需求名称": "坏领域", "技术领域": "99.9"},
        {**ok, "需求名称": None},
        {**ok, "需求名称": "长" * 201},
        {**ok, "需求名称": "已截止征集", "需求征集": market.closed.title},
        ok,
        ok,  # a duplicate of the row above
    ]
    result = run_import(KIND, write(tmp_path, bad), market.users.district_a)
    assert not result.ok and not Demand.objects.filter(campaign=market.open).exists()
    found = messages(result)
    rows = {r for r, *_ in found}
    assert rows >= {2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 15}, found
    assert all(zh and en for *_, zh, en in found)
    by_row = {r: (col, zh, en) for r, col, zh, en in found}
    assert "需求征集" in by_row[13][0] and "截止" in by_row[13][1] and "closed" in by_row[13][2]
    assert "辖区" in by_row[4][1]  # another district's enterprise is unknown to this district
    assert "重复" in by_row[15][1]


def test_the_bounds_and_the_field_rules_of_the_service_hold_in_an_import(market, tmp_path):
    rows = good_rows(market)[:1]
    rows[0]["预算下限（万元）"] = 90
    rows[0]["预算上限（万元）"] = 10
    result = run_import(KIND, write(tmp_path, rows), market.users.staff)
    assert not result.ok and "预算下限" in result.errors[0]["message_zh"]
    rows[0]["预算上限（万元）"] = 10**9
    result = run_import(KIND, write(tmp_path, rows, "huge.xlsx"), market.users.staff)
    assert not result.ok


def test_an_enterprise_user_cannot_join_a_campaign_by_import(market, tmp_path):
    result = run_import(KIND, write(tmp_path, good_rows(market)[:1]), market.users.org_a)
    assert not result.ok and not Demand.objects.filter(campaign=market.open).exists()


def test_missing_columns_and_wrong_units_are_refused(market, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["需求名称", "预算上限"])
    wb.active.append(["x", 1])
    path = tmp_path / "bad-headers.xlsx"
    wb.save(path)
    result = run_import(KIND, path, market.users.staff)
    assert not result.ok
    text = " ".join(e["message_zh"] for e in result.errors)
    assert "缺少必填列" in text and "单位" in text
