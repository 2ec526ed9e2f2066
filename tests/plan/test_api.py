"""The plan API: each role sees exactly what its plan page shows, writes go through the service with the web's rule."""

import pytest
from django.urls import reverse

from heluo.core.models import ApiToken
from heluo.core.permissions import PUBLIC, SYSTEM
from heluo.plan.loader import load_plan
from heluo.plan.models import Indicator, Observation, Plan
from heluo.plan.selectors import progress_table
from heluo.plan.services import observation_record

API = "/api/v1/plan"
ROLES = ("anonymous", "staff", "district_a", "org_a", "expert")


@pytest.fixture
def monitored(world):
    """The world's two districts with the city's plan; G01 unpublished, an unpublished G12 value for 2024."""
    load_plan("luoyang")
    plan = Plan.objects.get(code="luoyang-14th-fyp")
    Indicator.objects.filter(plan=plan, code="G01").update(is_published=False)
    g12 = Indicator.objects.get(plan=plan, code="G12")
    observation_record(SYSTEM, indicator=g12, area=plan.city, year=2024, value="4321", source_document="内部数据", is_published=False)
    return plan


@pytest.fixture
def api(client, token_for):
    def call(user, method, path, params=None, **kwargs):
        headers = token_for(user) if user is not None else {}
        return getattr(client, method)(
            f"{API}/{path}", params if params is not None else kwargs.pop("data", None), headers=headers, **kwargs
        )

    return call


def user_of(world, role):
    return getattr(world.users, role)


def test_plans_are_readable_without_a_token(world, monitored, api):
    r = api(None, "get", "plans")
    assert r.status_code == 200
    assert [p["code"] for p in r.json()["items"]] == ["luoyang-14th-fyp"]
    assert r.json()["items"][0]["city"] == "410300"
    Plan.objects.filter(pk=monitored.pk).update(is_published=False)
    assert api(None, "get", "plans").json()["count"] == 0
    assert api(world.users.staff, "get", "plans").json()["count"] == 1


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_the_indicators_of_its_page(world, monitored, api, role):
    user = user_of(world, role)
    r = api(user, "get", "indicators", {"year": 2024})
    assert r.status_code == 200
    body = r.json()
    assert (body["plan"], body["area"], body["year"]) == ("luoyang-14th-fyp", "410300", 2024)
    page_rows = progress_table(PUBLIC if user is None else user, monitored, 2024)
    assert [i["code"] for i in body["items"]] == [row["code"] for row in page_rows]
    by_code = {i["code"]: i for i in body["items"]}
    seen_by_bureau = role in ("staff", "district_a")  # staff see unpublished plan data, as on their page
    assert ("G01" in by_code) == seen_by_bureau
    assert (by_code["G12"]["value"] == 4321) == seen_by_bureau


def test_anonymous_indicators_are_those_of_the_public_page(monitored, api, client):
    codes = [i["code"] for i in api(None, "get", "indicators", {"year": 2024}).json()["items"]]
    html = client.get(reverse("plan:public_dashboard") + "?year=2024").content.decode()
    assert codes and all(f">{c}<" in html for c in codes)
    assert ">G01<" not in html and "G01" not in codes


def test_progress_carries_the_value_its_source_and_revision(world, monitored, api):
    items = {i["code"]: i for i in api(world.users.staff, "get", "indicators", {"year": 2023}).json()["items"]}
    k02 = items["K02"]
    row = next(r for r in progress_table(world.users.staff, monitored, 2023) if r["code"] == "K02")
    assert k02["value"] == row["latest_value"] and k02["target"] == row["target"] == 3.75
    assert k02["progress_value"] == row["progress_value"] and k02["status"] == row["status"]
    assert k02["source"]["revision"] == row["latest_status"] and k02["source"]["document"] == row["latest_source"]
    assert k02["source"]["date"] == row["latest_source_date"]
    obs = Observation.objects.get(pk=k02["source"]["observation_id"])
    assert obs.is_current and obs.indicator.code == "K02"


def test_a_district_is_readable_only_by_those_who_may_read_its_report(world, monitored, api):
    a, b = world.a.code, world.b.code
    assert api(world.users.staff, "get", "indicators", {"area": b, "year": 2024}).status_code == 200
    assert api(world.users.district_a, "get", "indicators", {"area": a, "year": 2024}).json()["area"] == a
    assert api(world.users.district_a, "get", "indicators", {"area": b, "year": 2024}).status_code == 404
    for user in (None, world.users.org_a, world.users.expert):
        assert api(user, "get", "indicators", {"area": a, "year": 2024}).status_code == 404
    assert api(None, "get", "indicators", {"plan": "no-such-plan"}).status_code == 404


def test_observations_with_source_date_and_revision(world, monitored, api):
    r = api(None, "get", "indicators/K02/observations", {"year": 2023})
    assert r.status_code == 200
    rows = r.json()["items"]
    assert {o["status"] for o in rows} == {"first_release", "revised"}  # the 2023 R&D intensity was revised
    current = next(o for o in rows if o["is_current"])
    assert current["supersedes"] in {o["id"] for o in rows} and current["source_document"] and current["vintage"]
    public_values = {o["value"] for o in api(None, "get", "indicators/G12/observations").json()["items"]}
    staff_values = {o["value"] for o in api(world.users.staff, "get", "indicators/G12/observations").json()["items"]}
    assert "4321.000000" not in public_values and "4321.000000" in staff_values
    assert api(None, "get", "indicators/G01/observations").status_code == 404
    assert api(world.users.staff, "get", "indicators/G01/observations").status_code == 200
    assert api(None, "get", "indicators/NOPE/observations").status_code == 404


def payload(area, value="12", **extra):
    return {"indicator": "K06", "area": area, "year": 2024, "value": value, "source_document": "区统计快报", **extra}


def test_writes_need_a_token_and_the_scope_of_the_import(world, monitored, api, client):
    a, b = world.a.code, world.b.code
    assert api(None, "post", "observations", data=payload(a), content_type="application/json").status_code == 401
    assert api(world.users.org_a, "post", "observations", data=payload(a), content_type="application/json").status_code == 403
    assert api(world.users.expert, "post", "observations", data=payload(a), content_type="application/json").status_code == 403
    assert api(world.users.district_a, "post", "observations", data=payload(b), content_type="application/json").status_code == 403
    assert not Observation.objects.filter(source_document="区统计快报").exists()

    r = api(world.users.district_a, "post", "observations", data=payload(a), content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["action"] == "created" and r.json()["observation"]["area"] == a
    again = api(world.users.district_a, "post", "observations", data=payload(a), content_type="application/json")
    assert again.status_code == 200 and again.json()["action"] == "unchanged"
    revised = api(world.users.staff, "post", "observations", data=payload(a, "13"), content_type="application/json")
    assert revised.status_code == 201 and revised.json()["action"] == "revised"
    assert revised.json()["observation"]["supersedes"] == r.json()["observation"]["id"]

    _, key = ApiToken.issue(world.users.staff, name="read-only", write_enabled=False)
    read_only = {"Authorization": f"Bearer {key}"}
    assert client.post(f"{API}/observations", payload(a), content_type="application/json", headers=read_only).status_code == 403


@pytest.mark.parametrize(
    "change, field",
    [
        ({"indicator": "NOPE"}, "indicator"),
        ({"area": "999999"}, "area"),
        ({"value_qualifier": None, "qualifier": "?"}, "value_qualifier"),
        ({"quarter": 2, "month": 5}, "month"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(world, monitored, api, change, field):
    data = {k: v for k, v in {**payload(world.a.code), **change}.items() if v is not None}
    r = api(world.users.staff, "post", "observations", data=data, content_type="application/json")
    assert r.status_code == 422, r.content
    assert field in [e["field"] for e in r.json()["detail"]]


def test_a_missing_value_is_a_422_naming_it(world, monitored, api):
    data = payload(world.a.code)
    del data["value"]
    r = api(world.users.staff, "post", "observations", data=data, content_type="application/json")
    assert r.status_code == 422
    assert any("value" in str(e.get("field")) for e in r.json()["detail"])


def test_assessment_for_bureau_and_district_staff_only(world, monitored, api):
    assert api(None, "get", "assessments", {"year": 2024}).status_code == 401
    for user in (world.users.org_a, world.users.expert):
        assert api(user, "get", "assessments", {"year": 2024}).status_code == 403
    staff = api(world.users.staff, "get", "assessments", {"year": 2024})
    assert staff.status_code == 200, staff.content
    body = staff.json()
    assert body["year"] == 2024 and body["run"] is None
    assert {s["district"] for s in body["scores"]} == {world.a.code, world.b.code}
    assert all(s["name_zh"] for s in body["scores"])
    # district staff see the whole ranking, as on the page
    assert api(world.users.district_a, "get", "assessments", {"year": 2024}).json()["scores"] == body["scores"]


def test_assessment_of_an_impossible_year_is_a_422(world, api):
    # found by the API fuzzer: year=0 was a 500 (there is no 31 December of year 0)
    r = api(world.users.staff, "get", "assessments", {"year": 0})
    assert r.status_code == 422
    [error] = r.json()["detail"]
    assert error["field"] == "year" and "年份0超出范围" in error["message"] and "year 0 out of range" in error["message"]


def test_openapi_lists_the_plan_paths(client, db):
    doc = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/plan/plans",
        "/api/v1/plan/indicators",
        "/api/v1/plan/indicators/{code}/observations",
        "/api/v1/plan/observations",
        "/api/v1/plan/assessments",
    ):
        assert path in doc["paths"]
    assert "plan" in doc["paths"]["/api/v1/plan/indicators"]["get"]["tags"]
