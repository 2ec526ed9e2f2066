"""The REST API's reads, role by role, through HTTP: what each caller can and cannot see.

These tests mount only the API (at /api/v1/, as heluo/urls.py does), so they do not depend on the web UI.
Anonymous callers: reference data, published organizations/qualifications/platforms; everything else is 401.
"""

import pytest
from django.core.management import call_command

from heluo.core.models import ApiToken, SensitiveAccess
from tests.helpers import Api

pytestmark = pytest.mark.urls("tests.api.urls")


def names(response):
    assert response.status_code == 200, response.content
    return sorted(item["name"] for item in response.json()["items"])


# --- lists contain only scoped objects -----------------------------------------------------------------

ALL_ORGS = ["乙企业", "乙未公开企业", "甲企业", "甲区高新企业"]
PUBLISHED_ORGS = ["乙企业", "甲企业", "甲区高新企业"]


@pytest.mark.parametrize(
    "role, orgs, annual_orgs, platforms, people",
    [
        ("admin", ALL_ORGS, ALL_ORGS, ["乙区孵化器", "甲区重点实验室"], ["张三", "李四", "王专家"]),
        ("staff", ALL_ORGS, ALL_ORGS, ["乙区孵化器", "甲区重点实验室"], ["张三", "李四", "王专家"]),
        ("district_a", PUBLISHED_ORGS, ["甲企业", "甲区高新企业"], ["甲区重点实验室"], ["张三"]),
        ("org_a", PUBLISHED_ORGS, ["甲企业"], ["甲区重点实验室"], ["张三"]),
        ("expert", PUBLISHED_ORGS, [], ["甲区重点实验室"], ["王专家"]),
    ],
)
def test_lists_contain_only_scoped_objects(world, as_, role, orgs, annual_orgs, platforms, people):
    api_ = as_(getattr(world.users, role))
    assert names(api_.get("organizations")) == orgs
    rows = api_.get("annual-data").json()["items"]
    assert sorted({r["organization"]["name"] for r in rows}) == annual_orgs
    assert names(api_.get("platforms")) == platforms
    assert names(api_.get("people")) == people


def test_anonymous_sees_published_part_only(world, as_):
    anon = as_(None)
    assert names(anon.get("organizations")) == PUBLISHED_ORGS
    assert names(anon.get("platforms")) == ["甲区重点实验室"]
    quals = anon.get("qualifications").json()
    assert [q["organization"]["name"] for q in quals["items"]] == ["乙企业"]
    assert anon.get(f"organizations/{world.hidden_b.pk}").status_code == 404
    assert anon.get(f"platforms/{world.plat_b.pk}").status_code == 404
    # Financials, people and history need a token: 401, not an empty list.
    for p in ("annual-data", "people", "experts", "talents", f"organizations/{world.ent_a.pk}/changes"):
        assert anon.get(p).status_code == 401, p
    # Published profile only: no contact fields.
    detail = anon.get(f"organizations/{world.ent_a.pk}").json()
    assert detail["name"] == "甲企业" and detail["phone"] is None and detail["legal_representative"] is None
    assert detail["area"] == {"code": "410305", "name": "涧西区"}


def test_bad_token_is_401_everywhere(world, client):
    bad = Api(client, {"Authorization": "Bearer not-a-token"})
    for p in ("organizations", "areas", "annual-data", f"organizations/{world.ent_a.pk}"):
        assert bad.get(p).status_code == 401, p
    assert Api(client, {"Authorization": "Basic Zm9vOmJhcg=="}).get("organizations").status_code == 401


def test_browser_session_is_not_an_api_credential(world, client):
    client.force_login(world.users.staff)
    assert names(Api(client).get("organizations")) == PUBLISHED_ORGS  # the public view, not the staff's
    assert Api(client).get("annual-data").status_code == 401


def test_expired_or_inactive_user_token_is_401(world, client, token_for):
    import datetime as dt

    from django.utils import timezone

    headers = token_for(world.users.staff)
    assert Api(client, headers).get("people").status_code == 200
    ApiToken.objects.filter(user=world.users.staff).update(expires=timezone.now() - dt.timedelta(minutes=1))
    assert Api(client, headers).get("people").status_code == 401
    headers = token_for(world.users.district_a)
    world.users.district_a.is_active = False
    world.users.district_a.save()
    assert Api(client, headers).get("organizations").status_code == 401


# --- details: out of scope is 404 ---------------------------------------------------------------------


def test_out_of_scope_detail_is_404(world, as_):
    district, org_user, expert = as_(world.users.district_a), as_(world.users.org_a), as_(world.users.expert)
    b_2024 = world.ent_b.annual_data.get(year=2024).pk
    for api_ in (district, org_user, expert):
        assert api_.get(f"organizations/{world.hidden_b.pk}").status_code == 404
        assert api_.get(f"platforms/{world.plat_b.pk}").status_code == 404
        assert api_.get(f"annual-data/{b_2024}").status_code == 404
        assert api_.get(f"people/{world.person_b.pk}").status_code == 404
    assert district.get(f"people/{world.person_a.pk}").status_code == 200
    assert expert.get(f"people/{world.expert_person.pk}").status_code == 200
    # published objects of others are visible
    assert org_user.get(f"organizations/{world.ent_b.pk}").status_code == 200
    # a missing object answers the same as a hidden one
    missing = district.get("organizations/999999")
    hidden = district.get(f"organizations/{world.hidden_b.pk}")
    assert missing.status_code == hidden.status_code == 404 and missing.json() == hidden.json()
    staff = as_(world.users.staff)
    assert staff.get(f"organizations/{world.hidden_b.pk}").status_code == 200
    assert staff.get(f"annual-data/{b_2024}").status_code == 200


def test_nested_and_status_lists_respect_scope(world, as_):
    anon, staff = as_(None), as_(world.users.staff)
    assert anon.get(f"organizations/{world.hidden_b.pk}/qualifications").status_code == 404
    assert staff.get(f"organizations/{world.hidden_b.pk}/qualifications").json()["count"] == 1
    assert anon.get(f"platforms/{world.plat_b.pk}/status-changes").status_code == 404
    assert anon.get(f"platforms/{world.plat_a.pk}/status-changes").status_code == 200


def test_published_platform_does_not_name_unpublished_host(world, as_):
    from heluo.platforms.models import PlatformHost

    PlatformHost.objects.create(platform=world.plat_a, organization=world.hidden_b, role="partner")
    hosts = lambda api_: sorted(h["organization"]["name"] for h in api_.get(f"platforms/{world.plat_a.pk}").json()["hosts"])  # noqa: E731
    assert hosts(as_(None)) == ["甲企业"]
    assert hosts(as_(world.users.staff)) == ["乙未公开企业", "甲企业"]


# --- filters and pagination ----------------------------------------------------------------------------


def test_filters_match_the_filtersets(world, as_):
    staff = as_(world.users.staff)
    # area by code, sub-areas included (the hi-tech zone lies in district A)
    assert names(staff.get("organizations", area="410305")) == ["甲企业", "甲区高新企业"]
    assert names(staff.get("organizations", area=["410305", "410311"])) == ALL_ORGS
    assert names(staff.get("organizations", q="乙")) == ["乙企业", "乙未公开企业"]
    assert names(staff.get("organizations", qualification="hte")) == ["乙企业"]
    rows = staff.get("annual-data", year=2023, status="verified", area="410311").json()
    assert rows["count"] == 2 and {r["year"] for r in rows["items"]} == {2023}
    assert names(staff.get("platforms", status="cultivating", area="410311")) == ["乙区孵化器"]
    assert names(staff.get("people", role="expert")) == ["王专家"]


def test_invalid_filters_are_422_not_ignored(world, as_):
    staff = as_(world.users.staff)
    r = staff.get("organizations", area="999999")
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "area" and "999999" in r.json()["detail"][0]["message"]
    assert staff.get("organizations", kind="spaceship").status_code == 422
    assert staff.get("annual-data", status="nonsense").status_code == 422


def test_pagination(world, as_):
    staff = as_(world.users.staff)
    page = staff.get("organizations", limit=1, offset=1).json()
    assert page["count"] == 4 and len(page["items"]) == 1 and page["items"][0]["name"] == ALL_ORGS[1]
    assert staff.get("organizations", limit=0).status_code == 422


# --- reference data -------------------------------------------------------------------------------------


def test_reference_data_is_public(world, as_):
    anon = as_(None)
    areas = anon.get("areas", parent="410300").json()
    assert sorted(a["code"] for a in areas["items"]) == ["410305", "410311"]
    area = anon.get("areas/410371").json()
    assert area["parent"] == "410305" and area["code_is_official"] is False
    assert anon.get("areas/000000").status_code == 404
    assert anon.get("planning-zones").json()["items"][0]["code"] == "core"
    for p in ("industries", "hitech-fields", "clusters", "talent-programmes"):
        assert anon.get(p).status_code == 200, p


# --- personal identifiers and financial reads ----------------------------------------------------------


def test_id_number_is_masked_everywhere(world, as_):
    full = world.person_a.id_number
    for role in ("admin", "staff", "district_a", "org_a"):
        api_ = as_(getattr(world.users, role))
        listed = next(p for p in api_.get("people").json()["items"] if p["name"] == "张三")
        assert listed["id_number"] == full[:6] + "********" + full[-4:]
        assert api_.get(f"people/{world.person_a.pk}").json()["id_number"] == listed["id_number"]
        assert full not in api_.get(f"people/{world.person_a.pk}/changes").content.decode()


def test_reveal_id_number_needs_permission_and_is_logged(world, as_):
    url = f"people/{world.person_a.pk}/id-number"
    assert as_(world.users.staff).post(url).status_code == 403
    assert as_(world.users.district_a).post(url).status_code == 403
    assert as_(world.users.expert).post(url).status_code == 404  # not even visible to them
    assert as_(None).post(url).status_code == 401
    assert not SensitiveAccess.objects.filter(kind="id_number").exists()
    r = as_(world.users.admin).post(url)
    assert r.status_code == 200 and r.json()["id_number"] == world.person_a.id_number
    logged = SensitiveAccess.objects.get(kind="id_number")
    assert logged.user == world.users.admin and logged.object_id == world.person_a.pk and logged.via == "api"
    # the expert reads their own
    own = as_(world.users.expert).post(f"people/{world.expert_person.pk}/id-number")
    assert own.status_code == 200 and own.json()["id_number"] == world.expert_person.id_number


def test_financial_reads_by_non_owners_are_logged(world, as_):
    as_(world.users.org_a).get("annual-data")
    assert not SensitiveAccess.objects.filter(kind="enterprise_financials").exists()
    as_(world.users.staff).get("annual-data", year=2024)
    as_(world.users.district_a).get(f"annual-data/{world.ent_a.annual_data.get(year=2024).pk}")
    logged = SensitiveAccess.objects.filter(kind="enterprise_financials")
    assert {a.user.username for a in logged} == {"staff", "district_a"}
    assert {a.via for a in logged} == {"api"}


# --- OpenAPI, docs, tokens ------------------------------------------------------------------------------


def test_openapi_document_lists_the_paths(client, db):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for p in [
        "/api/v1/areas",
        "/api/v1/planning-zones",
        "/api/v1/industries",
        "/api/v1/hitech-fields",
        "/api/v1/clusters",
        "/api/v1/organizations",
        "/api/v1/organizations/{id}",
        "/api/v1/organizations/{id}/qualifications",
        "/api/v1/qualifications",
        "/api/v1/annual-data",
        "/api/v1/platforms",
        "/api/v1/platforms/{id}/status-changes",
        "/api/v1/people",
        "/api/v1/people/{id}/id-number",
        "/api/v1/experts",
        "/api/v1/talents",
        "/api/v1/talent-programmes",
        "/api/v1/organizations/{id}/changes",
        "/api/v1/annual-data/{id}/changes",
    ]:
        assert p in paths, p
    assert set(paths["/api/v1/organizations/{id}"]) == {"get", "put", "patch", "delete"}
    # public reads show optional auth; writes require the token
    assert {} in paths["/api/v1/organizations"]["get"]["security"]
    assert {} not in paths["/api/v1/organizations"]["post"]["security"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"swagger-ui-bundle.js" in docs.content and b"cdn.jsdelivr" not in docs.content  # served locally


def test_token_command(world, as_, client, capsys):
    call_command("token", "create", "district_a", "--name", "sync", "--read-only")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get(user=world.users.district_a, name="sync")
    assert token.write_enabled is False and key.startswith(token.prefix)
    reader = Api(client, {"Authorization": f"Bearer {key}"})
    assert names(reader.get("people")) == ["张三"]
    assert reader.patch(f"organizations/{world.ent_a.pk}", {"name": "x"}).status_code == 403


def test_token_command_unknown_user(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("token", "create", "nobody")
