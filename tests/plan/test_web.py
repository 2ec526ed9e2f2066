"""The plan monitoring pages: dashboard (bureau and public), indicator page, district map and its GeoJSON,
the at-risk list, XLSX exports, what anonymous visitors may see, and the batched per-district computation
behind them (equal to selectors.compute_indicator)."""

import datetime as dt
import io
import json
import re
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from heluo.core.codes import make_uscc
from heluo.core.models import Role
from heluo.core.permissions import PUBLIC, SYSTEM
from heluo.core.reference import load_city_data, read_city
from heluo.geo.models import Area
from heluo.orgs.models import Organization, Qualification
from heluo.plan.loader import load_plan
from heluo.plan.models import Indicator, Observation, Plan
from heluo.plan.selectors import NotComputable, compute_indicator, progress_table
from heluo.plan.selectors import dashboard as d
from heluo.plan.services import observation_record
from heluo.platforms.models import Platform, PlatformStatusChange
from tests.helpers import login

from ..conftest import make_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def monitored(db):
    """The Luoyang reference areas, the plan with its published figures, and a few records in four areas."""
    load_city_data(read_city("luoyang"))
    load_plan("luoyang")
    areas = {a.code: a for a in Area.objects.all()}
    jianxi, luolong, songxian, gaoxin = areas["410305"], areas["410311"], areas["410325"], areas["410371"]

    def org(n, area, published=True):
        return Organization.objects.create(
            name=f"测试企业{n}", uscc=make_uscc("9", "1", area.code[:6], f"MA00000{n}"), area=area, is_published=published
        )

    a, b, c, hidden = org(1, jianxi), org(2, luolong), org(3, gaoxin), org(4, songxian, published=False)
    q = Qualification.objects.create
    q(organization=a, kind="hte", valid_from=dt.date(2019, 1, 1), valid_to=dt.date(2022, 12, 31))
    q(organization=b, kind="hte", valid_from=dt.date(2021, 3, 1), valid_to=dt.date(2026, 2, 28))
    q(organization=c, kind="hte", valid_from=dt.date(2023, 6, 1), valid_to=dt.date(2026, 5, 31))
    q(organization=hidden, kind="hte", valid_from=dt.date(2024, 1, 1), valid_to=dt.date(2026, 12, 31))
    q(organization=hidden, kind="hte", valid_from=dt.date(2024, 6, 1), valid_to=dt.date(2027, 5, 31))  # same firm twice
    q(organization=a, kind="tech_sme", year=2024, valid_from=dt.date(2024, 1, 1), valid_to=dt.date(2024, 12, 31))
    q(
        organization=b,
        kind="tech_sme",
        year=2024,
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date(2024, 12, 31),
        revoked_on=dt.date(2024, 9, 1),
    )
    q(organization=b, kind="listed", valid_from=dt.date(2020, 1, 1))
    q(organization=a, kind="gazelle", valid_from=dt.date(2022, 1, 1), valid_to=dt.date(2024, 12, 31))
    q(organization=c, kind="gazelle", valid_from=dt.date(2022, 1, 1), revoked_on=dt.date(2022, 12, 31))  # gone on the day
    q(
        organization=c,
        kind="tech_sme",
        year=2023,
        valid_from=dt.date(2023, 1, 1),
        valid_to=dt.date(2023, 12, 31),
        revoked_on=dt.date(2023, 12, 31),
    )

    rd = Platform.objects.create(
        name="新型研发机构甲",
        kind="new_type_rd_institution",
        level="provincial",
        area=jianxi,
        status="approved",
        status_since=dt.date(2021, 5, 1),
    )
    pilot = Platform.objects.create(
        name="中试基地乙", kind="pilot_base", level="municipal", area=luolong, status="approved", status_since=dt.date(2023, 3, 1)
    )
    PlatformStatusChange.objects.create(platform=pilot, status="cultivating", date=dt.date(2021, 4, 1))
    PlatformStatusChange.objects.create(platform=pilot, status="approved", date=dt.date(2023, 3, 1))
    Platform.objects.create(
        name="孵化器丙", kind="incubator", level="municipal", area=gaoxin, status="approved", status_since=dt.date(2020, 1, 1)
    )
    revoked = Platform.objects.create(
        name="社区丁", kind="tech_industry_community", level="municipal", area=songxian, status="revoked", status_since=dt.date(2024, 7, 1)
    )
    PlatformStatusChange.objects.create(platform=revoked, status="approved", date=dt.date(2022, 1, 1))
    PlatformStatusChange.objects.create(platform=revoked, status="revoked", date=dt.date(2024, 7, 1))
    late = Platform.objects.create(
        name="省级中试基地戊", kind="pilot_base", level="provincial", area=gaoxin, status="approved", status_since=dt.date(2023, 12, 31)
    )
    PlatformStatusChange.objects.create(platform=late, status="approved", date=dt.date(2023, 12, 31))  # approved on the day
    return {
        "plan": Plan.objects.get(code="luoyang-14th-fyp"),
        "areas": areas,
        "rd": rd,
        "staff": make_user("plan_staff", Role.BUREAU_STAFF),
    }


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.content[:2000])
    return response.content.decode() if status == 200 else response


def card(html, code):
    """The HTML of one indicator card on the dashboard."""
    start = html.index(f'<span class="plan-code">{code}</span>')
    end = html.find('<span class="plan-code">', start + 10)
    return html[start : end if end > 0 else len(html)]


def xlsx_rows(response):
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


# --- dashboard --------------------------------------------------------------------------------------------


def test_dashboard_for_bureau_staff_shows_the_hte_card(monitored, client):
    login(client, monitored["staff"])
    html = get(client, reverse("plan:dashboard"))
    assert '<option value="2025" selected>' in html  # the latest year with data
    hte = card(html, "K06")
    assert "高新技术企业数" in hte and "1,610" in hte and "1,600" in hte and "2025" in hte
    assert "plan-progress" in hte and "plan-marker" in hte and 'id="spark-K06"' in hte
    assert reverse("plan:indicator", args=["K06"]) in hte
    # computed from the records at 31 December 2025: b, c and hidden (two certificates, one firm)
    assert "From records" in hte or "平台记录" in hte
    assert re.search(r'#reconciliation">3</a>', hte)
    # the groups come in order: the 12 core indicators, then the text targets, then context statistics
    assert html.index('plan-code">K12<') < html.index('plan-code">G01<') < html.index('plan-code">X01<')
    sparks = json.loads(re.search(r'<script id="plan-sparks" type="application/json">(.*?)</script>', html, re.DOTALL).group(1))
    k06 = sparks["spark-K06"]
    assert k06["target"] == [2025, 1600.0] and k06["path"][0] == [2020.0, 755.0] and k06["path"][-1][0] == 2025.0
    assert [p[1] for p in k06["obs"]] == [755.0, 1170.0, 1610.0]
    assert 'src="/static/vendor/echarts/echarts.min.js"' in html


def test_dashboard_year_selects_the_monitoring_year(monitored, client):
    login(client, monitored["staff"])
    hte = card(get(client, reverse("plan:dashboard") + "?year=2022"), "K06")
    assert "1,170" in hte and "1,610" not in hte
    assert '<option value="2025" selected>' in get(client, reverse("plan:dashboard") + "?year=1999")


def test_public_dashboard_for_anonymous_visitors(monitored, client):
    response = client.get(reverse("plan:dashboard"))
    assert response.status_code == 302 and response["Location"] == reverse("plan:public_dashboard")
    html = get(client, reverse("plan:public_dashboard"))
    hte = card(html, "K06")
    assert "1,610" in hte and "1,600" in hte
    assert reverse("plan:public_indicator", args=["K06"]) in hte
    assert reverse("plan:indicator", args=["K06"]) not in html


def test_nav_has_the_plan_entry(monitored, client):
    assert f'href="{reverse("plan:public_dashboard")}"' in get(client, reverse("web:home"))
    login(client, monitored["staff"])
    assert f'href="{reverse("plan:dashboard")}"' in get(client, reverse("web:home"))


def test_dashboard_export_has_the_indicator_rows(monitored, client):
    login(client, monitored["staff"])
    rows = xlsx_rows(client.get(reverse("plan:dashboard") + "?year=2025&export=indicators"))
    header_at = next(n for n, r in enumerate(rows) if r[0] in ("Code", "代码"))
    body = rows[header_at + 1 :]
    codes = [r[0] for r in body]
    assert codes[:12] == [f"K{n:02d}" for n in range(1, 13)]
    assert len(codes) == Indicator.objects.filter(plan=monitored["plan"]).count()
    k06 = body[codes.index("K06")]
    assert k06[1] == "高新技术企业数" and k06[5] == 1600 and k06[7] == 1610 and k06[15] == 3
    k02 = body[codes.index("K02")]
    assert k02[7] == 3.03 and k02[8] == "2024"


# --- indicator page ---------------------------------------------------------------------------------------


def test_indicator_page_shows_the_2023_revision_and_its_source(monitored, client):
    html = get(client, reverse("plan:public_indicator", args=["K02"]))
    assert "全社会研发经费投入强度" in html and "3.75" in html and "2.82" in html
    observations = html[html.index('id="observations"') :]
    observations = observations[: observations.index("</table>")]
    row_2023 = next(r for r in observations.split("<tr>") if '<td class="text-nowrap ">洛阳市</td><td class=" " title="2023">' in r)
    assert "3.44" in row_2023 and "<del>3.47</del>" in row_2023 and "2024-10-12" in row_2023
    assert "86hh.com" in row_2023 and "2026-02-11" in row_2023  # the revision's source and date
    assert "<del>3.44</del>" not in observations
    assert "<del>2.80</del>" in observations  # 2020: the bulletin's 2.80 superseded by the plan's 2.82
    chart = json.loads(re.search(r'<script id="indicator-data" type="application/json">(.*?)</script>', html, re.DOTALL).group(1))
    assert [p[1] for p in chart["obs"]] == [2.82, 3.12, 3.44, 3.03]
    assert chart["compound"] and chart["linear"] and chart["path"] == [[2020.0, 2.82], [2025.0, 3.75]]
    # the projections drawn are the ones of the progress table
    row = progress_table(PUBLIC, monitored["plan"], 2025)[1]
    assert row["code"] == "K02"
    assert chart["compound"][-1][1] == pytest.approx(row["projection_compound"])
    assert chart["linear"][-1][1] == pytest.approx(row["projection_linear"])
    assert 'id="progress"' in html and "23.76%" in html  # growth needed each remaining year from 3.03 in 2024


def test_indicator_page_reconciliation_and_districts_of_a_computed_indicator(monitored, client):
    login(client, monitored["staff"])
    html = get(client, reverse("plan:indicator", args=["K06"]) + "?year=2024")
    rec = html[html.index('id="reconciliation"') :]
    rec = rec[: rec.index("</table>")]
    rows = {r.split("</td>")[0].rsplit(">", 1)[-1]: r for r in rec.split("<tr>")[2:]}
    assert '<td class="text-end text-end">1</td>' in rows["2020"] and ">755<" in rows["2020"]  # computed 1, reported 755
    assert ">-754<" in rows["2020"].replace("−", "-")
    assert '<td class="text-end text-end">3</td>' in rows["2024"]
    assert "/qualifications/?kind=hte&amp;valid_on=2024-12-31" in rows["2024"]
    districts = html[html.index('id="districts"') :]
    districts = districts[: districts.index("</table>")]
    assert districts.count("<tr>") == 1 + 14 + 3  # header, 14 counties and districts, 3 functional zones
    jianxi = next(r for r in districts.split("<tr>") if "涧西区" in r)
    assert '<td class="text-end text-end">0</td>' in jianxi  # a's certificate ended in 2022
    songxian = next(r for r in districts.split("<tr>") if "嵩县" in r)
    assert '<td class="text-end text-end">1</td>' in songxian  # the unpublished firm counts (a count, no name)
    assert f"/organizations/?qualification=hte&amp;area={monitored['areas']['410325'].pk}" in songxian
    assert "测试企业4" not in html


def test_indicator_exports(monitored, client):
    login(client, monitored["staff"])
    url = reverse("plan:indicator", args=["K02"])
    rows = xlsx_rows(client.get(url + "?export=observations"))
    flat = [c for r in rows for c in r if c is not None]
    assert 3.44 in flat and any("3.47" in str(c) for c in flat)
    progress = xlsx_rows(client.get(url + "?export=progress"))
    assert [r[0] for r in progress if isinstance(r[0], int)] == [2021, 2022, 2023, 2024, 2025]
    assert client.get(url + "?export=nothing").status_code == 404


# --- map ------------------------------------------------------------------------------------------------


def test_map_page_and_geojson(monitored, client):
    login(client, monitored["staff"])
    html = get(client, reverse("plan:map") + "?indicator=K06&year=2024")
    assert 'id="district-map"' in html and "echarts-china-cities-pypkg" in html  # attribution under the map
    data = json.loads(re.search(r'<script id="map-data" type="application/json">(.*?)</script>', html, re.DOTALL).group(1))
    assert len(data["data"]) == 14
    values = {row["name"]: row for row in data["data"]}
    assert values["410311"]["value"] == 1 and values["410311"]["rank"] == 1 and values["410325"]["rank"] == 1
    assert values["410305"]["value"] == 0 and values["410305"]["rank"] == 3
    response = client.get(data["geojson"])
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    geo = json.loads(b"".join(response.streaming_content))
    assert len(geo["features"]) == 14
    assert {f["properties"]["code"] for f in geo["features"]} == set(values)
    rows = xlsx_rows(client.get(reverse("plan:map") + "?indicator=K06&year=2024&export=map"))
    assert sum(1 for r in rows if r[1] == "洛龙区" and r[3] == 1) == 1
    # a reported indicator with district figures: GDP of the districts
    html = get(client, reverse("plan:map") + "?indicator=X01&year=2022")
    assert "789.17" in html and "zzfmdn.com" in html  # 洛龙区 2022, from its observation, with the source


def test_public_map(monitored, client):
    html = get(client, reverse("plan:public_map"))
    assert 'id="district-map"' in html
    assert client.get(reverse("plan:map")).status_code == 302


# --- warnings -----------------------------------------------------------------------------------------------


def test_warnings_list_indicators_at_risk(monitored, client):
    login(client, monitored["staff"])
    html = get(client, reverse("plan:warnings") + "?year=2025")
    table = html[html.index('id="warnings"') :]
    assert table.count("<tr>") > 1
    assert ">K02<" in table  # R&D intensity: limited progress, both projections short of 3.75
    rows = xlsx_rows(client.get(reverse("plan:warnings") + "?year=2025&export=warnings"))
    assert any(r[1] == "K02" and r[0] == "洛阳市" for r in rows)
    assert get(client, reverse("plan:public_warnings")).count(">K02<") >= 1


# --- scope ----------------------------------------------------------------------------------------------------


def test_anonymous_visitors_do_not_see_unpublished_things(monitored, client):
    plan = monitored["plan"]
    Indicator.objects.filter(plan=plan, code="G01").update(is_published=False)
    g12 = Indicator.objects.get(plan=plan, code="G12")
    observation_record(SYSTEM, indicator=g12, area=plan.city, year=2024, value="4321", source_document="内部数据", is_published=False)
    public = get(client, reverse("plan:public_dashboard"))
    assert ">G01<" not in public and "4,321" not in public
    assert client.get(reverse("plan:public_indicator", args=["G01"])).status_code == 404
    assert "4,321" not in get(client, reverse("plan:public_indicator", args=["G12"]))
    rows = xlsx_rows(client.get(reverse("plan:public_dashboard") + "?export=indicators"))
    assert "G01" not in [r[0] for r in rows] and not any(4321 in r for r in rows)

    staff = monitored["staff"]
    login(client, staff)
    own = get(client, reverse("plan:dashboard"))
    assert ">G01<" in own and "4,321" in card(own, "G12")
    assert "4,321" in get(client, reverse("plan:indicator", args=["G12"]))
    # the public view of a signed-in user is the public's
    assert ">G01<" not in get(client, reverse("plan:public_dashboard"))
    client.logout()

    Plan.objects.filter(pk=plan.pk).update(is_published=False)
    assert client.get(reverse("plan:public_dashboard")).status_code == 404
    assert client.get(reverse("plan:public_map")).status_code == 404


# --- the batched computation equals compute_indicator -----------------------------------------------------------


def test_per_district_values_equal_compute_indicator(monitored):
    plan = monitored["plan"]
    areas = d.districts_of(plan.city, 2024) + d.zones_of(plan.city)
    assert len(areas) == 17
    records = d.Records()  # read once, counted for every indicator and year
    checked = 0
    for indicator in Indicator.objects.filter(plan=plan).exclude(computation=""):
        for year in range(2019, 2027):
            try:
                batched = d.computed_by_area(indicator, year, areas, records)
            except NotComputable:
                with pytest.raises(NotComputable):
                    compute_indicator(indicator, year, areas[0])
                continue
            for area in areas:
                assert batched[area.pk] == compute_indicator(indicator, year, area), (indicator.code, year, area.code)
                checked += 1
    assert checked > 2000


def test_district_progress_equals_the_progress_table(monitored):
    plan = monitored["plan"]
    for code in ("410305", "410311", "410325", "410371"):
        area = monitored["areas"][code]
        expected = {r["code"]: r for r in progress_table(SYSTEM, plan, 2025, area)}
        mine = d.district_progress(SYSTEM, plan, 2025, [area])
        for indicator in Indicator.objects.filter(plan=plan):
            row, got = expected[indicator.code], mine.get((indicator.pk, area.pk))
            if got is None:
                assert row["latest_value"] is None, (code, indicator.code)
                continue
            assert (got["status_code"], got["at_risk"], got["latest_value"]) == (row["status_code"], row["at_risk"], row["latest_value"]), (
                code,
                indicator.code,
            )
            assert got["progress_value"] == pytest.approx(row["progress_value"]), (code, indicator.code)


def test_number_formatting():
    assert d.num(Decimal("1610.000000")) == "1,610"
    assert d.num(Decimal("2.800000"), None, 2) == "2.80" and d.num(Decimal("280.000000"), None, 2) == "280"
    assert d.num(3.03) == "3.03" and d.num(1527.499, 0) == "1,527"
    assert d.pct(0.9531) == "95.3%" and d.signed(-7.74) == "-7.7"
    assert d.ranks({"a": 3.0, "b": 5.0, "c": 5.0, "d": None}, "higher") == {"a": 3, "b": 1, "c": 1, "d": None}
    assert d.ranks({"a": 3.0, "b": 5.0}, "lower") == {"a": 1, "b": 2}


def test_observation_count_is_unchanged_by_the_pages(monitored, client):
    before = Observation.objects.count()
    login(client, monitored["staff"])
    for name in ("dashboard", "map", "warnings"):
        get(client, reverse(f"plan:{name}"))
    get(client, reverse("plan:indicator", args=["K06"]))
    assert Observation.objects.count() == before
