"""District assessment (县区考核): the data matrix from records, hand-computed ranks, zone ranks, the seeded
Monte Carlo, the `heluo plan assess` command, the page with its scoping, the drill-down and stored runs.

The fixture: Luoyang's reference data and plan, and a few enterprises in four districts of three planning
zones, plus one in the high-tech zone (a functional zone, not assessed by default).

    district            zone          高企 2024  高企 2023  科小 2024  R&D 2024 (元)      sales 2024 (元)
    410305 涧西区  J    core          1 (e1)     2 (e1,e2)  2 (e1,e3)  300k+100k (e3 draft) 6M+4M
    410311 洛龙区  L    core          2 (l2,l3)  1 (l1)     1 (l1)     50k+400k (+l3 none)  2M+8M (+1M)
    410323 新安县  X    ring          1 (x1)     1 (x1)     1 (x1)     80k                  1M
    410324 栾川县  N    southern-eco  0          0          1 (n1)     20k                  0.5M
    410371 高新区       functional    1 (f1, unassigned)
"""

import datetime as dt
import io
import json
import math
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from heluo.core.models import Role, SensitiveAccess
from heluo.geo.models import Area
from heluo.orgs.models import EnterpriseAnnual, Organization, Qualification
from heluo.plan.engine import assessment as E
from heluo.plan.models import AssessmentRun, Indicator
from heluo.plan.selectors import assessment as A
from heluo.plan.selectors import compute_indicator
from heluo.plan.services import record_assessment_run
from heluo.platforms.models import Platform, PlatformStatusChange
from tests.helpers import login

from ..conftest import make_user

D = dt.date
YEAR = 2024
J, L, X, N, HT = "410305", "410311", "410323", "410324", "410371"
FOUR = (J, L, X, N)
OTHERS = ("410302", "410303", "410304", "410307", "410308", "410325", "410326", "410327", "410328", "410329")


def org(name, code):
    return Organization.objects.create(name=name, area=Area.objects.get(code=code))


def hte(o, start, end, revoked=None):
    return Qualification.objects.create(
        organization=o, kind="hte", certificate_no=f"GR{start:%Y%m%d}{o.pk:04d}", valid_from=start, valid_to=end, revoked_on=revoked
    )


def sme(o, year, revoked=None):
    return Qualification.objects.create(
        organization=o, kind="tech_sme", year=year, valid_from=D(year, 1, 1), valid_to=D(year, 12, 31), revoked_on=revoked
    )


def annual(o, year, status="verified", **figures):
    money = {k: (Decimal(v) if k not in ("st_staff", "invention_patents") and v is not None else v) for k, v in figures.items()}
    return EnterpriseAnnual.objects.create(organization=o, year=year, status=status, **money)


@pytest.fixture
def world(plan):
    e1, e2, e3 = org("涧西一", J), org("涧西二", J), org("涧西三", J)
    l1, l2, l3 = org("洛龙一", L), org("洛龙二", L), org("洛龙三", L)
    x1, x2 = org("新安一", X), org("新安二", X)
    n1 = org("栾川一", N)
    f1 = org("高新一", HT)
    hte(e1, D(2022, 12, 1), D(2025, 11, 30))
    hte(e2, D(2023, 11, 1), D(2026, 10, 31), revoked=D(2024, 6, 1))
    hte(l1, D(2021, 12, 15), D(2024, 12, 14))  # expired before 31 December 2024
    hte(l2, D(2024, 10, 1), D(2027, 9, 30))
    hte(l3, D(2024, 11, 1), D(2027, 10, 31))
    hte(x1, D(2020, 1, 1), D(2022, 12, 31))
    hte(x1, D(2023, 1, 1), D(2025, 12, 31))  # renewed: still one enterprise
    hte(f1, D(2023, 1, 1), D(2025, 12, 31))
    for o in (e1, e3, l1, x1, n1):
        sme(o, 2024)
    sme(e3, 2023)
    sme(x2, 2024, revoked=D(2024, 9, 1))
    annual(e1, 2024, rd_expense=300000, sales_revenue=6000000, st_staff=30, invention_patents=5, tech_contract_income=100000)
    annual(e2, 2024, status="submitted", rd_expense=100000, sales_revenue=4000000, st_staff=10, invention_patents=1, tech_contract_income=0)
    annual(e3, 2024, status="draft", rd_expense=999000, sales_revenue=1000000, st_staff=99, invention_patents=9)
    annual(e1, 2023, rd_expense=250000, sales_revenue=5000000)
    annual(e2, 2023, rd_expense=100000, sales_revenue=4000000)
    annual(l1, 2024, rd_expense=50000, sales_revenue=2000000, st_staff=5, invention_patents=1)
    annual(l2, 2024, rd_expense=400000, sales_revenue=8000000, st_staff=20, invention_patents=3, tech_contract_income=50000)
    annual(l3, 2024, rd_expense=None, sales_revenue=1000000)
    annual(l2, 2023, rd_expense=200000, sales_revenue=5000000)
    annual(x1, 2024, rd_expense=80000, sales_revenue=1000000, st_staff=8, invention_patents=1)
    annual(x1, 2023, rd_expense=40000, sales_revenue=900000)
    annual(n1, 2024, rd_expense=20000, sales_revenue=500000, st_staff=3)
    annual(f1, 2024, rd_expense=777000, sales_revenue=7000000)

    area = Area.objects.get
    Platform.objects.create(
        name="涧西重点实验室", kind="key_lab", level="municipal", area=area(code=J), status="approved", status_since=D(2020, 1, 1)
    )
    nrd = Platform.objects.create(name="涧西新型研发机构", kind="new_type_rd_institution", level="provincial", area=area(code=J))
    PlatformStatusChange.objects.create(platform=nrd, status="cultivating", date=D(2022, 1, 1))
    PlatformStatusChange.objects.create(platform=nrd, status="approved", date=D(2023, 5, 1))
    Platform.objects.create(
        name="涧西中试基地", kind="pilot_base", level="municipal", area=area(code=J), status="cultivating", status_since=D(2023, 1, 1)
    )
    iri = Platform.objects.create(name="洛龙产业研究院", kind="industry_research_institute", level="provincial", area=area(code=L))
    PlatformStatusChange.objects.create(platform=iri, status="approved", date=D(2024, 3, 1))
    PlatformStatusChange.objects.create(platform=iri, status="revoked", date=D(2025, 1, 10))
    Platform.objects.create(
        name="新安孵化器", kind="incubator", level="municipal", area=area(code=X), status="approved", status_since=D(2022, 6, 1)
    )
    Platform.objects.create(
        name="高新区实验室", kind="key_lab", level="municipal", area=area(code=HT), status="approved", status_since=D(2021, 1, 1)
    )
    users = {
        "staff": make_user("staff", Role.BUREAU_STAFF),
        "jianxi": make_user("jianxi", Role.DISTRICT_STAFF, areas=[area(code=J)]),
        "org": make_user("orguser", Role.ORG_USER, organization=e1),
    }
    return users


@pytest.fixture
def definition(world):
    return A.load_definition("luoyang")


# --------------------------------------------------------------------------------------------------
# The data matrix equals hand counts
# --------------------------------------------------------------------------------------------------

EXPECTED = {
    #    hte  net  sme  R&D 万元  intensity %  growth %        platforms new_rd st_staff patents contracts 万元
    J: {
        "hte": 1,
        "hte_net_increase": -1,
        "tech_sme": 2,
        "rd_expense": 40,
        "rd_intensity": 4.0,
        "rd_growth": (400 / 350 - 1) * 100,
        "platforms": 2,
        "new_rd": 1,
        "st_staff": 40,
        "invention_patents": 6,
        "tech_contract_income": 10,
    },
    L: {
        "hte": 2,
        "hte_net_increase": 1,
        "tech_sme": 1,
        "rd_expense": 45,
        "rd_intensity": 4.5,
        "rd_growth": 100.0,
        "platforms": 1,
        "new_rd": 1,
        "st_staff": 25,
        "invention_patents": 4,
        "tech_contract_income": 5,
    },
    X: {
        "hte": 1,
        "hte_net_increase": 0,
        "tech_sme": 1,
        "rd_expense": 8,
        "rd_intensity": 8.0,
        "rd_growth": 100.0,
        "platforms": 1,
        "new_rd": 0,
        "st_staff": 8,
        "invention_patents": 1,
        "tech_contract_income": 0,
    },
    N: {
        "hte": 0,
        "hte_net_increase": 0,
        "tech_sme": 1,
        "rd_expense": 2,
        "rd_intensity": 4.0,
        "rd_growth": None,
        "platforms": 0,
        "new_rd": 0,
        "st_staff": 3,
        "invention_patents": 0,
        "tech_contract_income": 0,
    },
}


def test_the_definition_is_an_example_configuration_for_the_three_zones(definition):
    assert definition.zones == ("core", "ring", "southern-eco")
    assert "示例配置" in definition.note_zh and "example configuration" in definition.note_en
    assert len(definition.indicators) >= 8
    weights = definition.weights()
    # the southern-eco zone weighs growth and tech SMEs more than the core
    for code in ("hte_net_increase", "rd_growth", "tech_sme"):
        assert weights["southern-eco"][code] > weights["core"][code]
    assert len(definition.digest) == 64


def test_matrix_equals_hand_counts(definition):
    matrix = A.build_matrix(definition, YEAR)
    assert [u.code for u in matrix.units] == [
        "410302",
        "410303",
        "410304",
        J,
        "410307",
        "410308",
        L,
        X,
        N,
        "410325",
        "410326",
        "410327",
        "410328",
        "410329",
    ]
    assert {u.code: u.zone for u in matrix.units}[N] == "southern-eco"
    for unit, expected in EXPECTED.items():
        for code, value in expected.items():
            got = matrix.values[unit][code]
            assert (got is None and value is None) or got == pytest.approx(value), (unit, code, got, value)
    # districts without records: counts and sums are 0, a ratio or growth without a base is missing
    for unit in OTHERS:
        assert matrix.values[unit]["hte"] == 0 and matrix.values[unit]["rd_expense"] == 0
        assert matrix.values[unit]["rd_intensity"] is None and matrix.values[unit]["rd_growth"] is None
    # the parts behind a value, and where the query came from
    assert matrix.cells[J]["rd_expense"] == {"sum": 400000.0, "records": 2, "enterprises": 2}  # the draft does not count
    assert matrix.cells[L]["rd_intensity"] == {"numerator": 450000.0, "denominator": 10000000.0, "records": 2}
    assert matrix.cells[J]["rd_growth"] == {"current": 400000.0, "previous": 350000.0, "records": 2}
    assert matrix.cells[J]["hte_net_increase"] == {"current": 1.0, "previous": 2.0}
    trace = matrix.traces["hte"]
    assert trace["plan_indicator"] == "K06" and trace["computation"] == "qualifications_valid"
    assert "GROUP BY" in trace["queries"][0]
    # the high-tech zone is not assessed by default: its records are reported as unassigned
    assert trace["unassigned"] == {"count": 1.0} and trace["unassigned_areas"] == [HT]
    assert matrix.traces["rd_expense"]["unassigned"]["sum"] == 777000.0


def test_grouped_measures_agree_with_compute_indicator(definition):
    matrix = A.build_matrix(definition, YEAR)
    for code, plan_code in (("hte", "K06"), ("tech_sme", "K07"), ("platforms", "K08")):
        indicator = Indicator.objects.get(plan__code="luoyang-14th-fyp", code=plan_code)
        for unit in matrix.units:
            assert float(compute_indicator(indicator, YEAR, Area.objects.get(code=unit.code))) == matrix.values[unit.code][code]
    k09, k10, k11 = (Indicator.objects.get(plan__code="luoyang-14th-fyp", code=c) for c in ("K09", "K10", "K11"))
    for unit in (J, L):
        area = Area.objects.get(code=unit)
        assert sum(compute_indicator(i, YEAR, area) for i in (k09, k10, k11)) == matrix.values[unit]["new_rd"]


def test_one_query_per_measure_not_per_district(definition, django_assert_max_num_queries):
    with django_assert_max_num_queries(len(definition.indicators) + 4):
        A.build_matrix(definition, YEAR)


def test_functional_zones_are_units_only_when_the_definition_says_so(definition):
    data = json.loads(json.dumps(definition.data))
    data["units"]["functional_zones"] = True
    matrix = A.build_matrix(A.parse_definition(data), YEAR)
    codes = [u.code for u in matrix.units]
    assert HT in codes and "410300-YB" in codes and len(codes) == 17
    assert matrix.values[HT]["hte"] == 1 and matrix.values[HT]["rd_expense"] == pytest.approx(77.7)
    assert matrix.traces["hte"]["unassigned"] == {}


# --------------------------------------------------------------------------------------------------
# Ranks by hand (min-max, arithmetic)
# --------------------------------------------------------------------------------------------------


def small_definition(definition):
    """Four districts, three indicators, simple weights:

            hte  intensity  sme     min-max:  hte  intensity  sme    weights (hte, intensity, sme)
    J core   1     4.0       2                .5     0         1     core  2 1 1 → .5·.5 + 0 + .25·1   = .5
    L core   2     4.5       1                1     .125       0     core        → .5·1 + .25·.125     = .53125
    X ring   1     8.0       1                .5     1         0     ring  1 2 1 → .25·.5 + .5·1        = .625
    N south  0     4.0       1                0      0         0     south 1 1 2 → 0
    """
    data = json.loads(json.dumps(definition.data))
    keep = {
        "hte": {"core": 2, "ring": 1, "southern-eco": 1},
        "rd_intensity": {"core": 1, "ring": 2, "southern-eco": 1},
        "tech_sme": {"core": 1, "ring": 1, "southern-eco": 2},
    }
    data["indicators"] = [{**i, "weights": keep[i["code"]]} for i in data["indicators"] if i["code"] in keep]
    data["units"]["exclude"] = list(OTHERS)
    return A.parse_definition(data)


def test_ranks_equal_a_hand_computation(definition):
    result = A.assess(small_definition(definition), YEAR, {"normalisation": "minmax", "aggregation": "arithmetic", "runs": 0})
    scores = {d.district: d.score for d in result.result.districts}
    assert scores == pytest.approx({J: 0.5, L: 0.53125, X: 0.625, N: 0.0})
    assert {d.district: d.rank for d in result.result.districts} == {X: 1, L: 2, J: 3, N: 4}
    assert result.result.district(J).normalised == pytest.approx({"hte": 0.5, "rd_intensity": 0.0, "tech_sme": 1.0})
    assert result.result.district(X).contributions == pytest.approx({"hte": 0.125, "rd_intensity": 0.5, "tech_sme": 0.0})
    assert result.sensitivity is None


def test_zone_ranks_are_within_the_zone(definition):
    result = A.assess(definition, YEAR, {"runs": 0}).result
    for d in result.districts:
        same_zone = [o for o in result.districts if o.zone == d.zone]
        assert d.zone_rank == 1 + sum(1 for o in same_zone if round(o.score, 12) > round(d.score, 12))
        assert d.rank == 1 + sum(1 for o in result.districts if round(o.score, 12) > round(d.score, 12))
    # 新安县 (ring) has records; 宜阳县 and 伊川县 have none, so they tie behind it
    assert {d.district: d.zone_rank for d in result.districts if d.zone == "ring"} == {X: 1, "410327": 2, "410329": 2}
    small = A.assess(small_definition(definition), YEAR, {"runs": 0}).result
    assert {d.district: d.zone_rank for d in small.districts} == {L: 1, J: 2, X: 1, N: 1}


def test_weighting_choices(definition):
    common = A.assess(definition, YEAR, {"weighting": "common", "runs": 0}).result.weights
    assert common["core"] == pytest.approx(common["ring"]) and common["core"] == pytest.approx(common["southern-eco"])
    equal = A.assess(definition, YEAR, {"weighting": "equal", "runs": 0}).result.weights
    assert list(equal["core"].values()) == pytest.approx([1 / len(definition.indicators)] * len(definition.indicators))
    geometric = A.assess(small_definition(definition), YEAR, {"aggregation": "geometric", "runs": 0}).result
    # shifted min-max: hte J .5+.1, intensity 0+.1, sme 1+.1 → exp(.5 ln .6 + .25 ln .1 + .25 ln 1.1)
    assert geometric.district(J).score == pytest.approx(math.exp(0.5 * math.log(0.6) + 0.25 * math.log(0.1) + 0.25 * math.log(1.1)))
    with pytest.raises(E.AssessmentError):
        A.assess(definition, YEAR, {"normalisation": "no-such-thing"})


def test_explain_adds_up_to_the_score(definition):
    result = A.assess(small_definition(definition), YEAR, {"runs": 0})
    steps = E.explain(result.as_dict(), L, result.definition)
    assert steps["score"] == pytest.approx(0.53125) and steps["sum"] == pytest.approx(0.53125)
    hte_step = next(s for s in steps["steps"] if s["code"] == "hte")
    assert hte_step["raw"] == 2 and hte_step["normalised"] == 1 and hte_step["weight"] == pytest.approx(0.5)
    assert "(x − min) / (max − min)" in hte_step["formula"]


# --------------------------------------------------------------------------------------------------
# Monte Carlo
# --------------------------------------------------------------------------------------------------


def test_monte_carlo_is_deterministic_with_the_seed(definition):
    matrix = A.build_matrix(definition, YEAR)
    first = A.assess(definition, YEAR, {"runs": 200, "seed": 7}, matrix=matrix).as_dict()["sensitivity"]
    again = A.assess(definition, YEAR, {"runs": 200, "seed": 7}, matrix=matrix).as_dict()["sensitivity"]
    assert first == again
    assert sum(first["draws"].values()) == 200
    for d in first["districts"]:
        if d["median_rank"] is not None:
            assert d["p05_rank"] <= d["median_rank"] <= d["p95_rank"]
            assert 1 <= d["p05_rank"] and d["p95_rank"] <= 14
    other = A.assess(definition, YEAR, {"runs": 200, "seed": 8}, matrix=matrix).as_dict()["sensitivity"]
    assert other["draws"] != first["draws"]


def test_distance_to_target_uses_the_zone_targets(definition):
    result = A.assess(small_definition(definition), YEAR, {"normalisation": "distance_to_target", "runs": 0})
    # hte target: core 150, ring 45, southern-eco 20 → J: 1 + (1 − 150)/150
    assert result.result.district(J).normalised["hte"] == pytest.approx(1 + (1 - 150) / 150)
    assert result.result.district(N).normalised["hte"] == pytest.approx(1 + (0 - 20) / 20)


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------


def test_plan_assess_command_json(world):
    out = io.StringIO()
    call_command("plan", "assess", "--year", "2024", "--format", "json", "--runs", "50", stdout=out)
    data = json.loads(out.getvalue())
    assert data["year"] == 2024 and data["method"]["runs"] == 50
    assert len(data["scores"]) == 14 and {s["rank"] for s in data["scores"]} <= set(range(1, 15))
    assert data["matrix"]["values"][J]["hte"] == 1
    assert len(data["sensitivity"]["districts"]) == 14
    assert data["run"] is None


def test_plan_assess_command_table_and_save(world):
    out = io.StringIO()
    call_command("plan", "assess", "--year", "2024", "--runs", "20", "--save", "--note", "test", stdout=out)
    text = out.getvalue()
    assert "涧西区" in text and "5–95%" in text and "saved as run" in text
    run = AssessmentRun.objects.get()
    assert run.note == "test" and run.year == 2024 and run.method["runs"] == 20


# --------------------------------------------------------------------------------------------------
# Stored runs
# --------------------------------------------------------------------------------------------------


def test_a_saved_run_reproduces(definition, world):
    result = A.assess(definition, YEAR, {"runs": 100, "seed": 3})
    run = record_assessment_run(world["staff"], assessment=result, note="published")
    run.refresh_from_db()
    assert run.definition_code == definition.code and run.definition_digest == definition.digest
    check = A.reproduce_run(run)
    assert check.same_result and check.definition_intact and check.data_unchanged and check.current_definition_same
    # the published ranking is what the map shows
    latest = A.latest_result(YEAR)
    assert latest[L] == {k: next(s for s in run.result["scores"] if s["district"] == L)[k] for k in ("score", "rank", "zone_rank")}
    # new records change today's data, not the stored run
    hte(Organization.objects.get(name="栾川一"), D(2024, 3, 1), D(2027, 2, 28))
    check = A.reproduce_run(run)
    assert check.same_result and not check.data_unchanged


def test_latest_result_without_a_stored_run(definition):
    latest = A.latest_result(YEAR)
    live = A.assess(definition, YEAR, {"runs": 0}).result
    assert latest == {d.district: {"score": d.score, "rank": d.rank, "zone_rank": d.zone_rank} for d in live.districts}
    assert set(latest) == set(FOUR + OTHERS)


# --------------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------------


URL = "/plan/assessment/"


def test_anonymous_is_redirected_to_login(world, client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.get(URL + "records/?year=2024&unit=410305&indicator=hte")
    assert response.status_code == 302


def test_other_roles_are_refused(world, client):
    login(client, world["org"])
    assert client.get(URL).status_code == 403


def test_page_for_bureau_staff(world, client):
    login(client, world["staff"])
    assert reverse("plan:assessment") == URL
    response = client.get(URL + "?year=2024&runs=50")
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("涧西区", "栾川县", "assessment-chart", "echarts.min.js", "assessment-matrix", "GROUP BY", "示例配置"):
        assert text in html, text
    # every district's value links to its records for the bureau
    assert html.count("/plan/assessment/records/?") == 14 * 11
    # htmx re-render: only the result
    partial = client.get(URL + "?year=2024&runs=0&normalisation=zscore", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "assessment-ranking" in partial and "assessment-chart-data" not in partial


def test_page_for_district_staff(world, client):
    login(client, world["jianxi"])
    html = client.get(URL + "?year=2024&runs=20").content.decode()
    assert "洛龙区" in html and "新安县" in html  # every district's score and rank
    # the drill-down only for its own district
    assert html.count("/plan/assessment/records/?") == 11
    assert "unit=410305" in html and "unit=410311&amp;indicator" not in html
    response = client.get(URL + "records/?year=2024&unit=410311&indicator=hte")
    assert response.status_code == 403
    response = client.get(URL + "records/?year=2024&unit=410305&indicator=rd_expense")
    assert response.status_code == 200
    html = response.content.decode()
    assert "涧西一" in html and "涧西二" in html and "涧西三" not in html  # the draft does not count
    assert SensitiveAccess.objects.filter(kind="enterprise_financials").exists()


def test_drill_down_lists_the_counted_records(world, client):
    login(client, world["staff"])
    for unit, indicator, total in (
        (L, "hte", 2),
        (J, "tech_sme", 2),
        (J, "platforms", 2),
        (J, "hte_net_increase", -1),
        (L, "rd_growth", 1),
    ):
        html = client.get(f"{URL}records/?year=2024&unit={unit}&indicator={indicator}").content.decode()
        assert f'id="records-total">{total}<' in html, (unit, indicator)
    html = client.get(f"{URL}records/?year=2024&unit={L}&indicator=hte").content.decode()
    assert "洛龙二" in html and "洛龙三" in html and "洛龙一" not in html


def test_xlsx_export(world, client):
    login(client, world["staff"])
    response = client.get(URL + "?year=2024&runs=20&export=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(wb.sheetnames) >= 7
    ranking = list(wb.worksheets[0].iter_rows(values_only=True))
    assert len(ranking) == 15 and ranking[1][0] == 1
    data = list(wb.worksheets[1].iter_rows(values_only=True))
    row = next(r for r in data if r[0] == J)
    assert row[3] == 1  # 高企 of 涧西区


def test_bureau_stores_a_run_from_the_page_and_views_it(world, client):
    login(client, world["staff"])
    response = client.post(
        URL, {"year": 2024, "runs": 30, "seed": 5, "normalisation": "minmax", "aggregation": "geometric", "note": "发布"}
    )
    assert response.status_code == 302
    run = AssessmentRun.objects.get()
    assert run.method["aggregation"] == "geometric" and run.created_by == world["staff"] and run.note == "发布"
    html = client.get(response["Location"]).content.decode()
    assert f"run {run.pk}" in html or f"#{run.pk}" in html
    assert "bi-check-circle" in html
    client.logout()
    login(client, world["jianxi"])
    assert client.post(URL, {"year": 2024}).status_code == 403
    assert client.get(f"{URL}?run={run.pk}").status_code == 200
