"""The cultivation API answers each role what its pages show: the bureau everything, district staff the
enterprises of their areas, an enterprise its own page and its own published grants; 404 outside the scope,
403 where the role has no such page, 401 without a token. The city is ``test_work``'s, its 瞪羚 pool filled:
甲区高新企业 (1, passes), 甲企业 (2, R&D intensity 0.3 points short), 乙企业 (3, 10 staff short)."""

from decimal import Decimal

import pytest

from heluo.core.models import SensitiveAccess
from heluo.cultivation.models import EvaluationRun
from heluo.cultivation.selectors import pools as pool_reads
from heluo.cultivation.selectors.benefits import grants_for
from heluo.cultivation.services import benefits, pools

from .conftest import YEAR

API = "/api/v1/cultivation"


@pytest.fixture
def pooled(city):
    pools.refresh_pool(None, "gazelle", year=YEAR)
    return city


def get(client, token_for, user, path, **params):
    headers = token_for(user) if user is not None else {}
    return client.get(f"{API}{path}", params, headers=headers)


def names(items, key="organization"):
    return [i[key]["name"] for i in items]


def test_pools_count_only_the_callers_members(pooled, client, token_for):
    u = pooled.users
    expected = {"staff": 3, "district_a": 2}
    for who, count in expected.items():
        r = get(client, token_for, getattr(u, who), "/pools", year=YEAR)
        assert r.status_code == 200, who
        gazelle = next(p for p in r.json() if p["code"] == "gazelle")
        assert gazelle["members"] == count == pool_reads.members(getattr(u, who), "gazelle", YEAR).count()
        assert gazelle["ruleset"] == "gazelle-test" and gazelle["name"]["zh"] and gazelle["name"]["en"]
    district_b = get(client, token_for, pooled.district_b, "/pools", year=YEAR).json()
    assert next(p for p in district_b if p["code"] == "gazelle")["members"] == 1


def test_pools_are_for_staff(pooled, client, token_for):
    for user in (pooled.users.org_a, pooled.users.expert):
        assert get(client, token_for, user, "/pools").status_code == 403
        assert get(client, token_for, user, "/pools/gazelle/members", year=YEAR).status_code == 403
    assert get(client, token_for, None, "/pools").status_code == 401
    assert client.get(f"{API}/pools", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_pool_members_with_rank_distance_and_gaps(pooled, client, token_for):
    r = get(client, token_for, pooled.users.staff, "/pools/gazelle/members", year=YEAR)
    body = r.json()
    assert r.status_code == 200 and body["count"] == 3
    assert names(body["items"]) == ["甲区高新企业", "甲企业", "乙企业"]
    assert [m["rank"] for m in body["items"]] == [1, 2, 3]
    first, second, third = body["items"]
    assert first["distance"] == 0 and first["failed"] == [] and first["result"] == "pass"
    assert second["distance"] == pytest.approx(0.1) and [g["code"] for g in second["failed"]] == ["rd_ratio"]
    assert second["failed"][0]["name"]["zh"] == "研发投入强度" and second["failed"][0]["gap"]["zh"]
    assert third["distance"] == pytest.approx(0.2) and [g["code"] for g in third["failed"]] == ["staff"]
    assert second["organization"]["uscc"] == pooled.ent_a.uscc and second["source"] == "evaluation"
    paged = get(client, token_for, pooled.users.staff, "/pools/gazelle/members", year=YEAR, limit=1, offset=1).json()
    assert paged["count"] == 3 and names(paged["items"]) == ["甲企业"]
    by_area = get(client, token_for, pooled.users.staff, "/pools/gazelle/members", year=YEAR, area=pooled.b.code).json()
    assert names(by_area["items"]) == ["乙企业"]


def test_district_staff_see_their_areas_members(pooled, client, token_for):
    for user, expected in ((pooled.users.district_a, ["甲区高新企业", "甲企业"]), (pooled.district_b, ["乙企业"])):
        items = get(client, token_for, user, "/pools/gazelle/members", year=YEAR).json()["items"]
        assert names(items) == expected == [e.organization.name for e in pool_reads.members(user, "gazelle", YEAR)]


def test_unknown_pool_is_404(pooled, client, token_for):
    assert get(client, token_for, pooled.users.staff, "/pools/nope/members").status_code == 404


def test_runs_and_results_are_the_bureaus(pooled, client, token_for):
    staff = pooled.users.staff
    run = EvaluationRun.objects.get(ruleset="gazelle-test")
    runs = get(client, token_for, staff, "/runs").json()
    assert runs["count"] == 1 and runs["items"][0]["id"] == run.pk
    assert runs["items"][0]["total"] == run.total and runs["items"][0]["ruleset_hash"] == run.ruleset_hash
    before = SensitiveAccess.objects.count()
    results = get(client, token_for, staff, f"/runs/{run.pk}/results").json()
    assert results["count"] == run.total
    assert SensitiveAccess.objects.count() == before + 1  # the criteria carry the figures they read
    passed = get(client, token_for, staff, f"/runs/{run.pk}/results", outcome="pass").json()["items"]
    assert set(names(passed)) == {"甲区高新企业", "乙未公开企业"}
    one = get(client, token_for, staff, f"/runs/{run.pk}/results", organization=pooled.ent_a.pk).json()["items"]
    assert names(one) == ["甲企业"] and one[0]["failed"] == ["rd_ratio"]
    assert one[0]["criteria"]["rd_ratio"]["state"] == "fail" and one[0]["criteria"]["staff"]["state"] == "pass"
    assert get(client, token_for, staff, f"/runs/{run.pk + 99}/results").status_code == 404
    for user in (pooled.users.district_a, pooled.users.org_a, pooled.users.expert):
        assert get(client, token_for, user, "/runs").status_code == 403
        assert get(client, token_for, user, f"/runs/{run.pk}/results").status_code == 403
    assert get(client, token_for, None, "/runs").status_code == 401


def test_benefit_lists_by_role(city, award, client, token_for):
    staff = city.users.staff
    blist = benefits.draft_list(staff, award, year=YEAR)
    listed = get(client, token_for, staff, "/benefit-lists").json()
    assert listed["count"] == 1 and listed["items"][0]["count"] == 2
    assert Decimal(listed["items"][0]["total_amount"]) == Decimal("35500.00")
    detail = get(client, token_for, staff, f"/benefit-lists/{blist.pk}").json()
    assert detail["status"] == "draft" and detail["policy"]["code"] == "rd-award"
    amounts = {g["organization"]["name"]: (Decimal(g["amount"]), g["basis"]) for g in detail["grants"]}
    assert amounts["甲区高新企业"][0] == Decimal("18000.00") and Decimal(amounts["甲区高新企业"][1]["cap"]) == 18000
    assert amounts["乙企业"][0] == Decimal("17500.00") and Decimal(amounts["乙企业"][1]["rate"]) == Decimal("0.05")
    # district staff: the grants of their areas, as the enterprise page shows them
    district = get(client, token_for, city.district_b, f"/benefit-lists/{blist.pk}").json()
    assert names(district["grants"]) == ["乙企业"] and district["count"] == 1
    # the enterprise: nothing before publication, then only its own grant
    assert get(client, token_for, city.org_b, "/benefit-lists").json()["count"] == 0
    assert get(client, token_for, city.org_b, f"/benefit-lists/{blist.pk}").status_code == 404
    benefits.confirm_list(staff, blist)
    benefits.publish_list(staff, blist)
    mine = get(client, token_for, city.org_b, f"/benefit-lists/{blist.pk}").json()
    assert names(mine["grants"]) == ["乙企业"] == [g.organization.name for g in grants_for(city.org_b, city.ent_b)]
    assert mine["count"] == 1 and Decimal(mine["total_amount"]) == Decimal("17500.00")
    assert get(client, token_for, city.users.org_a, f"/benefit-lists/{blist.pk}").status_code == 404  # 甲企业 got nothing
    assert get(client, token_for, city.users.org_a, "/benefit-lists").json()["count"] == 0
    assert get(client, token_for, city.users.expert, "/benefit-lists").status_code == 403
    assert get(client, token_for, None, "/benefit-lists").status_code == 401
    benefits.withdraw_list(staff, blist)
    assert get(client, token_for, city.org_b, f"/benefit-lists/{blist.pk}").status_code == 404


def test_enterprise_page_data(pooled, client, token_for):
    r = get(client, token_for, pooled.users.org_a, f"/organizations/{pooled.ent_a.pk}")
    body = r.json()
    assert r.status_code == 200 and body["organization"]["name"] == "甲企业"
    near = body["nearly_qualifies"]
    assert [n["pool"] for n in near] == ["gazelle"] and near[0]["rank"] == 2
    assert [g["code"] for g in near[0]["failed"]] == ["rd_ratio"] and near[0]["failed"][0]["gap"]["en"]
    assert body["qualifies_for"] == [] and body["qualifications"] == []
    b = get(client, token_for, pooled.users.staff, f"/organizations/{pooled.ent_b.pk}").json()
    hte = next(q for q in b["qualifications"] if q["kind"] == "hte")
    assert hte["ends_on"] == "2029-11-30" and hte["state"] in ("valid", "expiring")
    a2 = get(client, token_for, pooled.users.district_a, f"/organizations/{pooled.ent_a2.pk}").json()
    assert [q["ruleset"] for q in a2["qualifies_for"]] == ["gazelle-test"] and a2["qualifies_for"][0]["title"]["zh"]


def test_enterprise_page_outside_the_scope_is_404(pooled, client, token_for):
    u = pooled.users
    for user, org in ((u.org_a, pooled.ent_b), (u.org_a, pooled.ent_a2), (u.district_a, pooled.ent_b), (u.expert, pooled.ent_a)):
        assert get(client, token_for, user, f"/organizations/{org.pk}").status_code == 404
    assert get(client, token_for, u.staff, "/organizations/999999").status_code == 404
    assert get(client, token_for, None, f"/organizations/{pooled.ent_a.pk}").status_code == 401


def test_openapi_has_the_cultivation_paths(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/pools",
        "/pools/{code}/members",
        "/runs",
        "/runs/{id}/results",
        "/benefit-lists",
        "/benefit-lists/{id}",
        "/organizations/{id}",
    ):
        operation = paths[f"{API}{path}"]["get"]
        assert operation["tags"] == ["cultivation"], path


def test_passing_run_is_the_latest_run_the_enterprise_passed(pooled):
    from heluo.cultivation.selectors.runs import passing_run

    run = EvaluationRun.objects.get(ruleset="gazelle-test")
    assert passing_run(pooled.ent_a2, "gazelle-test", YEAR) == run.pk  # passes
    assert passing_run(pooled.ent_a, "gazelle-test", YEAR) is None  # fails
    assert passing_run(pooled.ent_a2, "gazelle-test", YEAR - 1) is None  # no run of that year or before
