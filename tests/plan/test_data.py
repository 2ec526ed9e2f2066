"""The plan as data: the seed's plan and indicators, the real Luoyang observations with their sources and
revisions, indicators computed from the registry, reconciliation, the `heluo plan` command and the import."""

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from heluo.core.imports import run_import, template_xlsx
from heluo.core.models import ObjectChange
from heluo.core.permissions import CHANGE, PUBLIC, SYSTEM, VIEW
from heluo.geo.models import Area
from heluo.orgs.models import Qualification
from heluo.plan.engine import measures
from heluo.plan.loader import ensure_plan, load_plan
from heluo.plan.models import Indicator, Observation, Plan
from heluo.plan.selectors import compute_indicator, observation_history, progress_table, reconcile
from heluo.plan.services import observation_record
from heluo.platforms.models import Platform, PlatformStatusChange

PROJECT = Path(__file__).resolve().parents[2]

# The seed's table “洛阳‘十四五’科技创新预期性指标”: 2020 baseline and 2025 target, exactly as written.
SEED_TABLE = {
    "K01": ("财政科技投入", "亿元", "25.98", "50"),
    "K02": ("全社会研发经费投入强度", "%", "2.82", "3.75"),
    "K03": ("高新技术产业增加值占规模以上工业增加值比重", "%", "43.3", "50"),
    "K04": ("技术合同成交额", "亿元", "53.8", "120"),
    "K05": ("每万人口高价值发明专利拥有量", "件", "3.4", "6"),
    "K06": ("高新技术企业数", "家", "755", "1600"),
    "K07": ("科技型中小企业数", "家", "1880", "3000"),
    "K08": ("创新平台载体", "家", "1977", "4000"),
    "K09": ("新型研发机构", "家", "14", "20"),
    "K10": ("产业研究院", "家", None, "15"),
    "K11": ("中试基地", "家", "5", "20"),
    "K12": ("科技产业社区", "家", None, "20"),
}


@pytest.fixture
def world_plan(world):
    load_plan("luoyang")
    return Plan.objects.get(code="luoyang-14th-fyp")


def ind(code):
    return Indicator.objects.get(plan__code="luoyang-14th-fyp", code=code)


# --- the plan and its indicators ----------------------------------------------------------------------------


def test_plan_loads_at_least_30_indicators_with_the_seed_table_exactly(plan, city):
    assert plan.city == city and (plan.period_start, plan.period_end) == (2021, 2025)
    assert plan.issuer == "洛阳市人民政府"
    assert plan.thresholds["ratio_on_track"] == 0.95 and plan.thresholds["ratio_acceleration"] == 0.6
    assert plan.thresholds["growth_substantial"] == 0.015 and plan.thresholds["growth_moderate"] == 0.005
    with_target = plan.indicators.exclude(target_value=None)
    assert with_target.count() >= 30
    assert plan.indicators.filter(group="core").count() == 12
    for code, (name, unit, baseline, target) in SEED_TABLE.items():
        i = ind(code)
        assert (i.name_zh, i.unit, i.group, i.kind) == (name, unit, "core", "expected"), code
        assert (i.baseline_year, i.target_year) == (2020, 2025), code
        assert i.baseline_value == (Decimal(baseline) if baseline else None), code
        assert i.target_value == Decimal(target), code
        assert i.citation.startswith("一、（四）发展目标"), code
    assert ind("K10").baseline_text == "—" and ind("K12").baseline_text == "—"
    assert ind("K02").target_text == "3.75 左右"
    # Every indicator cites the plan; the text targets are there with their wording.
    assert not plan.indicators.filter(citation="").exclude(group="context").exists()
    g = {i.name_zh: i for i in plan.indicators.filter(group="goal")}
    assert g["“揭榜挂帅”攻关项目"].target_value == 20
    assert g["突破产业关键核心技术"].target_value == 500
    assert g["瞪羚企业"].target_value == 20 and g["隐形冠军企业"].target_value == 20
    assert g["科技上市企业"].target_value == 5 and g["孵化载体"].target_value == 120
    assert g["省级新型研发机构"].baseline_value == 11 and g["省级新型研发机构"].target_value == 15
    assert g["洛阳高新区全国综合排名"].direction == "lower"
    assert g["选树“河洛工匠”"].target_value == 300


def test_computed_indicators_are_marked_with_their_computation(plan):
    computed = dict(plan.indicators.filter(source="computed").values_list("code", "computation"))
    assert computed["K06"] == "qualifications_valid" and ind("K06").computation_params == {"kinds": ["hte"]}
    assert computed["K07"] == "tech_sme_registered"
    for code, kind in [
        ("K09", "new_type_rd_institution"),
        ("K10", "industry_research_institute"),
        ("K11", "pilot_base"),
        ("K12", "tech_industry_community"),
    ]:
        assert computed[code] == "platforms_approved" and ind(code).computation_params["kinds"] == [kind]
    assert computed["K08"] == "platforms_approved" and ind("K08").computation_params == {}  # every kind
    # 技术合同成交额 is reported until contracts are registered on the platform.
    assert ind("K04").source == "reported" and ind("K04").computation == "tech_contract_amount"
    assert ind("K02").source == "reported" and ind("K02").computation == ""


# --- observations ---------------------------------------------------------------------------------------------


def test_observations_load_with_sources_statuses_and_periods(plan):
    assert Observation.objects.count() >= 60
    assert not Observation.objects.filter(source_document="").exists()
    assert not Observation.objects.filter(source_publisher="").exists()
    rd_2024 = Observation.objects.get(indicator=ind("K02"), year=2024)
    assert rd_2024.value == Decimal("3.03") and rd_2024.status == "first_release"
    assert rd_2024.source_link == "news.lyd.com.cn/system/2025/10/29/032499385.shtml"
    assert rd_2024.source_date == dt.date(2025, 10, 29)
    ytd = Observation.objects.get(indicator=ind("K04"), year=2021, month=9)
    assert ytd.value == Decimal("44.01") and ytd.is_partial_period and ytd.period_label == "2021年1-9月"
    derived = Observation.objects.get(indicator=ind("K08"), year=2021)
    assert derived.status == "derived" and derived.value_qualifier == "≈"
    hte = Observation.objects.get(indicator=ind("K06"), year=2025)
    assert hte.value == 1610 and hte.month == 10 and hte.is_partial_period
    contracts = Observation.objects.get(indicator=ind("K04"), year=2025)
    assert contracts.value_qualifier == ">" and contracts.is_uncertain
    # District figures belong to their district.
    luolong = Observation.objects.get(indicator=ind("X01"), year=2022, area__code="410311")
    assert luolong.value == Decimal("789.17") and luolong.source_link == "zzfmdn.com"
    assert Observation.objects.filter(indicator=ind("X01"), area__code="410308").count() == 3
    # TARGET rows are goals, not observations: 2022 >1100 高企, 2022 2400 科技型中小企业, +400 platforms.
    assert not Observation.objects.filter(indicator=ind("K06"), year=2022, value=1100).exists()
    assert not Observation.objects.filter(indicator=ind("K07"), value=2400).exists()
    assert not Observation.objects.filter(indicator=ind("K06"), year=2023).exists()


def test_2023_rd_intensity_first_release_then_revision(plan):
    h = observation_history(SYSTEM, ind("K02"), year=2023)
    assert [o.value for o in h.history] == [Decimal("3.47"), Decimal("3.44")]
    first, revised = h.history
    assert h.current == revised and h.revised
    assert first.status == "first_release" and not first.is_current
    assert revised.status == "revised" and revised.is_current and revised.is_uncertain
    assert revised.supersedes == first and revised.vintage > first.vintage
    assert first.source_link == "dgghz.com.cn/xinwen/29.html"
    # 2020: the provincial bulletin's 2.80 superseded by the plan's 2.82.
    assert observation_history(SYSTEM, ind("K02"), year=2020).current.value == Decimal("2.82")


def test_loading_twice_changes_nothing(plan):
    def state():
        return (
            sorted(Observation.objects.values_list("pk", "value", "is_current", "supersedes_id")),
            sorted(Indicator.objects.values_list("pk", "code", "target_value")),
            ObjectChange.objects.count(),
        )

    before = state()
    counts = load_plan("luoyang")
    assert counts["observations added"] == 0 and counts["observations updated"] == 0
    assert counts["observations unchanged"] == Observation.objects.count()
    assert state() == before
    assert ensure_plan("luoyang") is None  # the data files have not changed since


def test_ensure_database_hook_loads_the_plan_once(city):
    assert ensure_plan("luoyang")["indicators"] >= 30
    assert ensure_plan("luoyang") is None


def test_areas_missing_from_the_database_are_skipped_and_retried(world):
    counts = load_plan("luoyang")
    assert counts["observations skipped (area not loaded)"] > 0 and "410303" in counts["missing areas"]
    assert Observation.objects.filter(area__code="410311", indicator__code="X01").exists()  # 洛龙区 is in the world
    assert ensure_plan("luoyang") is not None  # not marked as loaded: tried again


def test_a_new_value_is_a_revision_and_never_overwrites(plan, city):
    hte = ind("K06")
    obs, action = observation_record(SYSTEM, indicator=hte, area=city, year=2022, value="1170")
    assert action == "unchanged" and obs.status == "first_release"
    new, action = observation_record(SYSTEM, indicator=hte, area=city, year=2022, value="1172", source_document="复核")
    assert action == "revised" and new.status == "revised" and new.is_current
    h = observation_history(SYSTEM, hte, year=2022)
    assert [o.value for o in h.history] == [1170, 1172] and not h.history[0].is_current
    assert h.history[0].value == 1170  # kept, not overwritten


# --- computed indicators and reconciliation -----------------------------------------------------------------


@pytest.fixture
def records(world):
    """A small registry: 高企 certificates, 科小 registrations and platforms with status histories."""
    q = Qualification.objects.create
    q(organization=world.ent_a, kind="hte", certificate_no="GR202041000001", valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2022, 12, 31))
    q(
        organization=world.ent_a2,
        kind="hte",
        certificate_no="GR202141000002",
        valid_from=dt.date(2021, 6, 1),
        valid_to=dt.date(2024, 5, 31),
        revoked_on=dt.date(2023, 6, 30),
    )
    q(
        organization=world.hidden_b,
        kind="hte",
        certificate_no="GR202241000003",
        valid_from=dt.date(2022, 11, 1),
        valid_to=dt.date(2025, 10, 31),
    )
    q(
        organization=world.hidden_b,
        kind="hte",
        certificate_no="GR202341000004",
        valid_from=dt.date(2023, 1, 1),
        valid_to=dt.date(2025, 12, 31),
    )  # overlapping: one firm
    # world already holds: ent_b 高企 2023-12-01 → 2029-11-30; hidden_b 科小 2024.
    q(organization=world.ent_a, kind="tech_sme", year=2023, valid_from=dt.date(2023, 3, 1), valid_to=dt.date(2023, 12, 31))
    q(
        organization=world.ent_b,
        kind="tech_sme",
        year=2023,
        valid_from=dt.date(2023, 5, 1),
        valid_to=dt.date(2023, 12, 31),
        revoked_on=dt.date(2023, 9, 1),
    )
    status = PlatformStatusChange.objects.create
    status(platform=world.plat_a, status="cultivating", date=dt.date(2021, 3, 1))
    status(platform=world.plat_a, status="approved", date=dt.date(2023, 2, 1))
    status(platform=world.plat_b, status="approved", date=dt.date(2022, 5, 1))
    status(platform=world.plat_b, status="revoked", date=dt.date(2024, 3, 1))
    Platform.objects.create(
        name="丙新型研发机构",
        kind="new_type_rd_institution",
        level="provincial",
        area=world.b,
        status="approved",
        status_since=dt.date(2022, 1, 1),
    )
    return world


def hand_count_hte(day, area_ids=None):
    return len(
        {
            q.organization_id
            for q in Qualification.objects.filter(kind="hte")
            if q.is_valid_on(day) and (area_ids is None or q.organization.area_id in area_ids)
        }
    )


def test_computed_hte_count_equals_a_hand_count(records, world_plan):
    hte = ind("K06")
    # 31 Dec 2022: ent_a (until that day), ent_a2 (revoked only in 2023), hidden_b → 3.
    # 31 Dec 2023: ent_b (from 1 Dec), hidden_b (two certificates, one firm) → 2.
    assert compute_indicator(hte, 2022) == 3 == hand_count_hte(dt.date(2022, 12, 31))
    assert compute_indicator(hte, 2023) == 2 == hand_count_hte(dt.date(2023, 12, 31))
    assert compute_indicator(hte, 2019) == 0
    # By area: district A includes the high-tech zone under it.
    a_ids = Area.expand_ids([records.a.pk])
    assert compute_indicator(hte, 2022, records.a) == 2 == hand_count_hte(dt.date(2022, 12, 31), a_ids)
    assert compute_indicator(hte, 2023, records.b) == 2


def test_computed_tech_smes_and_platforms(records, world_plan):
    assert compute_indicator(ind("K07"), 2023) == 1  # ent_b's registration was revoked in September
    assert compute_indicator(ind("K07"), 2024) == 1
    platforms = ind("K08")
    assert [compute_indicator(platforms, y) for y in (2021, 2022, 2023, 2024)] == [0, 2, 3, 2]
    assert compute_indicator(ind("K09"), 2021) == 0 and compute_indicator(ind("K09"), 2022) == 1
    assert compute_indicator(ind("G08"), 2022) == 1  # provincial new-type R&D institutions
    assert compute_indicator(ind("G22"), 2023) == 1 and compute_indicator(ind("G22"), 2024) == 0  # incubators
    # Two current districts under the city; B has an approved incubator in 2023 → 50 %.
    assert compute_indicator(ind("G24"), 2023) == Decimal("50.00")


def test_reconciliation_shows_computed_reported_and_difference(records, world_plan):
    r = reconcile(SYSTEM, ind("K06"), 2022)
    assert r.computed == 3 and r.reported.value == 1170 and r.difference == -1167
    assert r.relative_difference == pytest.approx(-1167 / 1170)
    d = r.as_dict()
    assert (d["computed"], d["reported"], d["difference"]) == (3.0, 1170.0, -1167.0)
    assert d["reported_source"].startswith("2023年洛阳市科技创新工作会议")
    # No reported value for the year: the computed one is still shown.
    r = reconcile(SYSTEM, ind("K06"), 2023)
    assert r.computed == 2 and r.reported is None and r.difference is None
    # Computed from the registered technology contracts (the market registers the computation): none here.
    r = reconcile(SYSTEM, ind("K04"), 2022)
    assert r.computed == 0 and r.reported.value == 113 and r.difference == -113


def test_reconcile_command(records, world_plan):
    out = io.StringIO()
    call_command("plan", "reconcile", "--year", "2022", "--format", "json", stdout=out)
    rows = {r["code"]: r for r in json.loads(out.getvalue())["rows"]}
    assert (rows["K06"]["computed"], rows["K06"]["reported"], rows["K06"]["difference"]) == (3.0, 1170.0, -1167.0)


# --- progress -----------------------------------------------------------------------------------------------


def test_progress_command_json_includes_the_hte_indicator(plan):
    out = io.StringIO()
    call_command("plan", "progress", "--year", "2024", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["plan"] == "luoyang-14th-fyp" and data["year"] == 2024
    rows = {r["code"]: r for r in data["rows"]}
    assert len(rows) == plan.indicators.count()
    hte = rows["K06"]
    assert (hte["baseline"], hte["target"], hte["latest_value"], hte["latest_year"]) == (755, 1600, 1170, 2022)
    assert hte["latest_status"] == "first_release" and hte["latest_link"] == "zhoukan.u0y.com/zixun/2023/0323/10474.html"
    r_value = ((1170 / 755) ** (1 / 2) - 1) / ((1600 / 755) ** (1 / 5) - 1)
    assert hte["progress_value"] == pytest.approx(r_value) and hte["status"] == "substantial_progress"
    assert hte["expected_value"] == pytest.approx(755 * (1600 / 755) ** (4 / 5))  # compound path, 2024
    assert hte["completion"] == pytest.approx((1170 - 755) / (1600 - 755))
    rd = rows["K02"]
    assert rd["latest_value"] == 3.03 and rd["completion"] == pytest.approx(0.21 / 0.93)
    assert rd["expected_value"] == pytest.approx(2.82 + 0.8 * 0.93)  # linear path: 时间过半、任务过半
    assert rd["progress_value"] == pytest.approx(((3.03 / 2.82) ** 0.25 - 1) / ((3.75 / 2.82) ** 0.2 - 1))
    assert rd["status"] == "limited_progress" and rd["at_risk"]
    assert rows["K03"]["status"] == "target_achieved" and not rows["K03"]["at_risk"]
    # A year-to-date value of a flow is not the year's value: 2024 H1 contracts are skipped.
    assert rows["K04"]["latest_year"] == 2022 and rows["K04"]["latest_value"] == 113


def test_progress_csv_and_district_table(records, world_plan):
    out = io.StringIO()
    call_command("plan", "progress", "--year", "2024", "--format", "csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {"code", "latest_value", "expected_value", "completion", "progress_value", "status", "at_risk"} <= set(rows[0])
    # A district has no target of its own: its computed indicators come from records, measured on their trend.
    table = {r["code"]: r for r in progress_table(SYSTEM, world_plan, 2023, records.b)}
    assert table["K06"]["value_source"] == "computed" and table["K06"]["latest_value"] == 2 and table["K06"]["target"] is None


def test_plan_measure_needs_no_database(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(
        "series,base_year,base_value,current_year,current_value,target_year,target,direction\n"
        "a,2015,100,2020,150,2030,200,1\n"
        "b,2015,100,2020,90,,,1\n"
        "c,2015,50,2020,40,2030,30,-1\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    env = {**os.environ, "HELUO_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'none.sqlite3'}"}
    done = subprocess.run(
        [sys.executable, "-m", "heluo.cli", "plan", "measure", str(src), str(out)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "var" / "none.sqlite3").exists()  # stateless: no database was created
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["status"] for r in rows] == ["substantial_progress", "deterioration", "substantial_progress"]
    expected = measures.measure_progress(measures.ProgressInput(2015, 100, 2020, 150, 1, 2030, 200)).progress_value
    assert float(rows[0]["progress_value"]) == pytest.approx(expected)
    assert float(rows[1]["progress_value"]) == pytest.approx(0.9**0.2 - 1)


# --- import ---------------------------------------------------------------------------------------------------


def obs_file(tmp_path, rows, name="obs.xlsx"):
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx("observations")))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    for row in rows:
        ws.append([row.get(h) for h in headers])
    path = tmp_path / name
    wb.save(path)
    return path


GOOD = [
    {
        "指标": "K06",
        "区划": "410300",
        "年度": 2023,
        "数值": 1400,
        "来源文件": "2024年全市科技工作会议",
        "发布单位": "洛阳市科学技术局",
        "发布日期": "2024-02-20",
    },
    {"指标": "全社会研发经费投入强度", "区划": "涧西区", "年度": 2024, "数值": "4.1", "状态": "首次发布"},
    {"指标": "K04", "区划": "410300", "年度": 2025, "月份": 9, "期间说明": "2025年1-9月", "数值": "200.5"},
]


def test_observation_import_with_a_bad_row_is_rejected_whole(world_plan, tmp_path):
    before = Observation.objects.count()
    bad = [*GOOD, {"指标": "K99", "区划": "火星区", "年度": 2024, "数值": "很多", "月份": 13}]
    result = run_import("observations", obs_file(tmp_path, bad), SYSTEM)
    assert not result.ok
    messages = [f"{e['row']}|{e['column']}|{e['message_zh']}" for e in result.errors]
    assert any(m.startswith("5|") and "数值" in m for m in messages)
    assert any(m.startswith("5|") and "月份" in m for m in messages)
    assert Observation.objects.count() == before  # nothing written, not even the good rows


def test_observation_import_is_idempotent_and_a_changed_value_is_a_revision(world_plan, tmp_path):
    result = run_import("observations", obs_file(tmp_path, GOOD), SYSTEM)
    assert result.ok, result.errors
    assert result.summary == {"created": 3, "updated": 0, "unchanged": 0}
    ytd = Observation.objects.get(indicator=ind("K04"), year=2025, month=9)
    assert ytd.is_partial_period and ytd.period_label == "2025年1-9月" and ytd.status == "first_release"
    changes = ObjectChange.objects.count()
    again = run_import("observations", obs_file(tmp_path, GOOD), SYSTEM)
    assert again.summary == {"created": 0, "updated": 0, "unchanged": 3}
    assert ObjectChange.objects.count() == changes
    changed = [{**GOOD[0], "数值": 1410}]
    result = run_import("observations", obs_file(tmp_path, changed, "b.xlsx"), SYSTEM)
    assert result.summary == {"created": 0, "updated": 1, "unchanged": 0}
    h = observation_history(SYSTEM, ind("K06"), year=2023)
    assert [o.value for o in h.history] == [1400, 1410] and h.current.status == "revised"
    # An existing loaded value imported again unchanged: nothing happens.
    same = [{"指标": "K02", "区划": "410300", "年度": 2023, "数值": "3.440"}]
    assert run_import("observations", obs_file(tmp_path, same, "c.xlsx"), SYSTEM).summary["unchanged"] == 1


def test_observation_scope(world_plan, world, tmp_path):
    users = world.users
    jianxi = observation_record(SYSTEM, indicator=ind("K06"), area=world.a, year=2024, value=300)[0]
    luolong = observation_record(SYSTEM, indicator=ind("K06"), area=world.b, year=2024, value=200, is_published=False)[0]
    city_row = Observation.objects.filter(indicator=ind("K06"), area__code="410300").first()
    visible = set(Observation.objects.restrict(users.district_a, VIEW).values_list("pk", flat=True))
    assert {jianxi.pk, city_row.pk} <= visible and luolong.pk not in visible
    assert luolong.pk not in set(Observation.objects.restrict(PUBLIC, VIEW).values_list("pk", flat=True))
    changeable = set(Observation.objects.restrict(users.district_a, CHANGE).values_list("pk", flat=True))
    own = set(Observation.objects.filter(area__in=[world.a, world.zone_in_a]).values_list("pk", flat=True))
    assert jianxi.pk in changeable and changeable == own  # 涧西区's own figures (its loaded 2022 GDP too), nothing else
    # District staff import their own areas' figures only.
    rows = [{"指标": "K06", "区划": "410305", "年度": 2024, "数值": 310}, {"指标": "K06", "区划": "410311", "年度": 2024, "数值": 210}]
    result = run_import("observations", obs_file(tmp_path, rows), users.district_a)
    assert not result.ok and any(e["row"] == 3 and "权限" in e["message_zh"] for e in result.errors)
    result = run_import("observations", obs_file(tmp_path, rows[:1], "a.xlsx"), users.district_a)
    assert result.ok and result.summary["updated"] == 1
