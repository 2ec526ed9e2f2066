"""The REST API's writes, role by role, through HTTP: 403 for what the caller may not do, 404 for what it
may not see, 422 with field messages for invalid data, and the change log behind every write."""

import datetime as dt

import pytest

from heluo.core.audit import history_for
from heluo.core.codes import make_uscc, uscc_check_char
from heluo.core.models import ApiToken, ObjectChange
from heluo.orgs.models import EnterpriseAnnual, Organization, Qualification
from heluo.platforms.models import Platform
from heluo.taxonomy.models import Industry
from tests.helpers import Api

pytestmark = pytest.mark.urls("tests.api.urls")


def new_org(area="410305", **extra):
    return {"name": "新企业", "uscc": make_uscc("9", "1", area, "MA00000X"), "area": area, **extra}


# --- organizations --------------------------------------------------------------------------------------


def test_district_creates_in_its_area_only(world, as_):
    district = as_(world.users.district_a)
    r = district.post("organizations", new_org("410311"))
    assert r.status_code == 403
    assert not Organization.objects.filter(name="新企业").exists()
    assert not ObjectChange.objects.filter(object_repr="新企业").exists()  # rolled back with the row
    Industry.objects.create(code="C", level="section", name_zh="制造业", name_en="Manufacturing")
    r = district.post("organizations", new_org("410305", industry="C", clusters=[]))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["area"] == {"code": "410305", "name": "涧西区"} and body["industry"] == {"code": "C", "name": "制造业"}
    assert Organization.objects.get(pk=body["id"]).area == world.a
    # sub-areas count as the district's
    assert district.post("organizations", {**new_org("410371"), "name": "区内企业", "uscc": None}).status_code == 201


def test_district_cannot_move_or_change_other_districts_organizations(world, as_):
    district = as_(world.users.district_a)
    assert district.patch(f"organizations/{world.ent_a.pk}", {"area": "410311"}).status_code == 403
    assert Organization.objects.get(pk=world.ent_a.pk).area == world.a
    assert district.patch(f"organizations/{world.ent_b.pk}", {"name": "改名"}).status_code == 403  # visible, not changeable
    assert district.patch(f"organizations/{world.hidden_b.pk}", {"name": "改名"}).status_code == 404  # not visible
    assert district.delete(f"organizations/{world.ent_a.pk}").status_code == 403  # only the bureau deletes
    assert Organization.objects.get(pk=world.ent_b.pk).name == "乙企业"


def test_org_user_edits_its_own_organization_only(world, as_):
    org_user = as_(world.users.org_a)
    r = org_user.patch(f"organizations/{world.ent_a.pk}", {"phone": "0379-12345678"})
    assert r.status_code == 200 and r.json()["phone"] == "0379-12345678"
    assert org_user.patch(f"organizations/{world.ent_b.pk}", {"phone": "1"}).status_code == 403
    assert org_user.post("organizations", new_org()).status_code == 403


def test_invalid_uscc_is_422_naming_the_character(world, as_):
    good = make_uscc("9", "1", "410305", "MA000009")
    expected = uscc_check_char(good[:17])
    wrong = next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != expected)
    r = as_(world.users.staff).post("organizations", {"name": "错码企业", "area": "410305", "uscc": good[:17] + wrong})
    assert r.status_code == 422
    [error] = r.json()["detail"]
    assert error["field"] == "uscc"
    assert "第18位" in error["message"] and "character 18" in error["message"]
    assert f"“{expected}”" in error["message"] and f"expected '{expected}'" in error["message"]
    assert not Organization.objects.filter(name="错码企业").exists()


def test_other_validation_errors_are_422_with_fields(world, as_):
    staff = as_(world.users.staff)
    r = staff.post("organizations", {"name": "x", "area": "999999"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "area"
    r = staff.post("organizations", {"area": "410305"})  # name missing: pydantic's error, same shape
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "name"
    r = staff.post("organizations", {"name": "重复", "area": "410305", "uscc": world.ent_a.uscc})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "uscc"
    r = staff.patch(f"organizations/{world.ent_a.pk}", {"kind": "spaceship"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "kind"


def test_put_replaces_and_patch_updates_partially(world, as_):
    staff = as_(world.users.staff)
    staff.patch(f"organizations/{world.ent_a.pk}", {"phone": "123", "short_name": "甲"})
    r = staff.patch(f"organizations/{world.ent_a.pk}", {"name": "甲企业股份"})
    assert r.json()["phone"] == "123" and r.json()["short_name"] == "甲"
    r = staff.put(f"organizations/{world.ent_a.pk}", {"name": "甲企业", "area": "410305", "uscc": world.ent_a.uscc})
    assert r.status_code == 200 and r.json()["phone"] == "" and r.json()["short_name"] == ""
    assert staff.put(f"organizations/{world.ent_a.pk}", {"name": "缺区划"}).status_code == 422


def test_bureau_deletes(world, as_):
    admin = as_(world.users.admin)
    assert admin.delete(f"organizations/{world.ent_a2.pk}").status_code == 204
    assert admin.get(f"organizations/{world.ent_a2.pk}").status_code == 404


def test_changes_endpoint_shows_before_and_after(world, as_):
    r = as_(world.users.district_a).patch(f"organizations/{world.ent_a.pk}", {"name": "甲企业（新名）"})
    assert r.status_code == 200
    changes = as_(world.users.staff).get(f"organizations/{world.ent_a.pk}/changes").json()
    latest = changes["items"][0]
    assert latest["action"] == "update" and latest["user"] == "district_a" and latest["via"] == "api"
    assert latest["before"]["name"] == "甲企业" and latest["after"]["name"] == "甲企业（新名）"
    assert {"field": "name", "before": "甲企业", "after": "甲企业（新名）"} in latest["diff"]
    # history is there for whoever may view the object, and 404 for whoever may not
    assert as_(world.users.org_a).get(f"organizations/{world.ent_a.pk}/changes").status_code == 200
    assert as_(world.users.district_a).get(f"organizations/{world.hidden_b.pk}/changes").status_code == 404
    assert as_(world.users.org_a).get(f"annual-data/{world.ent_b.annual_data.first().pk}/changes").status_code == 404
    # a record one may see but not change: its history (before/after values, staff names) is the bureau's, as on the page
    for user in (world.users.expert, world.users.org_a):
        r = as_(user).get(f"organizations/{world.ent_b.pk}/changes")
        assert r.status_code == 403 and "history" in r.json()["detail"], r.content


# --- annual data ----------------------------------------------------------------------------------------


def test_an_enterprise_changes_only_its_own_contact_details(world, as_):
    """It moved itself to another district, changed its kind, cleared its credit code and took another's name."""
    org_user = as_(world.users.org_a)
    for change in ({"area": "410311"}, {"kind": "university"}, {"uscc": None}, {"name": "乙企业"}, {"is_published": False}):
        r = org_user.patch(f"organizations/{world.ent_a.pk}", change)
        assert r.status_code == 403, (change, r.content)
        assert "You may not change" in r.json()["detail"]
    world.ent_a.refresh_from_db()
    assert (world.ent_a.area, world.ent_a.kind, world.ent_a.name, world.ent_a.is_published) == (world.a, "enterprise", "甲企业", True)
    assert world.ent_a.uscc
    r = org_user.patch(f"organizations/{world.ent_a.pk}", {"phone": "0379-60000000", "address": "涧西区"})
    assert r.status_code == 200, r.content
    district = as_(world.users.district_a)  # the registry's own staff keep the rest
    assert district.patch(f"organizations/{world.ent_a.pk}", {"name": "甲企业（更名）"}).status_code == 200


def test_an_expert_cannot_choose_its_employer(world, as_):
    expert = as_(world.users.expert)
    r = expert.patch(f"people/{world.expert_person.pk}", {"employer": world.ent_a.pk})
    assert r.status_code == 403, r.content
    world.expert_person.refresh_from_db()
    assert world.expert_person.employer == world.ent_b
    assert expert.patch(f"people/{world.expert_person.pk}", {"phone": "13800000000"}).status_code == 200


def test_annual_figures_out_of_range_are_refused_with_their_field(world, as_):
    """A negative revenue was accepted; a figure too large for its column was a server error."""
    org_user = as_(world.users.org_a)
    own_2024 = EnterpriseAnnual.objects.get(organization=world.ent_a, year=2024)
    for field, value in (("sales_revenue", "-5"), ("rd_expense", "-0.01"), ("sales_revenue", "1e30"), ("total_staff", -1)):
        r = org_user.patch(f"annual-data/{own_2024.pk}", {field: value})
        assert r.status_code == 422, (field, value, r.content)
        assert [e["field"] for e in r.json()["detail"]] == [field], r.content
    own_2024.refresh_from_db()
    assert own_2024.sales_revenue == 1000000 and own_2024.rd_expense == 50000
    assert org_user.patch(f"annual-data/{own_2024.pk}", {"net_assets": "-200000"}).status_code == 200  # net assets may be negative


def test_org_user_patches_its_own_unverified_annual_row_only(world, as_):
    org_user = as_(world.users.org_a)
    own_2024 = EnterpriseAnnual.objects.get(organization=world.ent_a, year=2024)
    own_2023 = EnterpriseAnnual.objects.get(organization=world.ent_a, year=2023)
    b_2024 = EnterpriseAnnual.objects.get(organization=world.ent_b, year=2024)

    r = org_user.patch(f"annual-data/{own_2024.pk}", {"rd_expense": "60000.50", "ip_class1": 3})
    assert r.status_code == 200, r.content
    assert r.json()["rd_expense"] == "60000.50" and r.json()["sales_revenue"] == "1000000.00"
    own_2024.refresh_from_db()
    assert str(own_2024.rd_expense) == "60000.50" and own_2024.ip_class1 == 3

    assert org_user.patch(f"annual-data/{own_2023.pk}", {"rd_expense": "1"}).status_code == 403  # verified: frozen
    assert org_user.patch(f"annual-data/{b_2024.pk}", {"rd_expense": "1"}).status_code == 404  # not theirs
    assert org_user.delete(f"annual-data/{own_2023.pk}").status_code == 403
    own_2023.refresh_from_db()
    b_2024.refresh_from_db()
    assert own_2023.rd_expense == 50000 and b_2024.rd_expense == 50000


def test_org_user_cannot_verify(world, as_):
    row = EnterpriseAnnual.objects.get(organization=world.ent_a, year=2024)
    assert as_(world.users.org_a).patch(f"annual-data/{row.pk}", {"status": "verified"}).status_code == 403
    row.refresh_from_db()
    assert row.status == "submitted"
    # district staff of the enterprise's area may
    r = as_(world.users.district_a).patch(f"annual-data/{row.pk}", {"status": "verified"})
    assert r.status_code == 200 and r.json()["status"] == "verified"


def test_org_user_submits_a_new_year(world, as_):
    org_user = as_(world.users.org_a)
    r = org_user.post("annual-data", {"organization": world.ent_a.pk, "year": 2025, "sales_revenue": 2000000, "status": "submitted"})
    assert r.status_code == 201, r.content
    assert r.json()["organization"] == {"id": world.ent_a.pk, "name": "甲企业"}
    # another enterprise's id is unknown to them (422, as if it did not exist) or outside their scope (403)
    assert org_user.post("annual-data", {"organization": world.hidden_b.pk, "year": 2025}).status_code == 422
    assert org_user.post("annual-data", {"organization": world.ent_b.pk, "year": 2025}).status_code == 403
    # the same year twice is a validation error
    assert org_user.post("annual-data", {"organization": world.ent_a.pk, "year": 2025}).status_code == 422


def test_annual_validation_messages(world, as_):
    row = EnterpriseAnnual.objects.get(organization=world.ent_a, year=2024)
    r = as_(world.users.org_a).patch(f"annual-data/{row.pk}", {"st_staff": 500})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "st_staff"


# --- qualifications, platforms, people ------------------------------------------------------------------


def test_qualification_writes(world, as_):
    body = {"kind": "tech_sme", "year": 2025, "valid_from": "2025-01-01", "valid_to": "2025-12-31"}
    assert as_(world.users.org_a).post(f"organizations/{world.ent_a.pk}/qualifications", body).status_code == 403
    assert as_(world.users.district_a).post(f"organizations/{world.ent_b.pk}/qualifications", body).status_code == 403
    r = as_(world.users.district_a).post(f"organizations/{world.ent_a.pk}/qualifications", body)
    assert r.status_code == 201 and r.json()["organization"]["id"] == world.ent_a.pk
    qual = Qualification.objects.get(pk=r.json()["id"])
    r = as_(world.users.district_a).patch(f"qualifications/{qual.pk}", {"valid_to": "2024-01-01"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "valid_to"


def test_platform_status_changes(world, as_):
    staff = as_(world.users.staff)
    r = staff.post(
        f"platforms/{world.plat_b.pk}/status-changes", {"status": "approved", "date": "2025-03-01", "document": "洛科〔2025〕1号"}
    )
    assert r.status_code == 201
    platform = Platform.objects.get(pk=world.plat_b.pk)
    assert platform.status == "approved" and platform.status_since == dt.date(2025, 3, 1)
    assert [c["status"] for c in staff.get(f"platforms/{world.plat_b.pk}/status-changes").json()["items"]] == ["approved"]
    district = as_(world.users.district_a)
    assert district.post(f"platforms/{world.plat_b.pk}/status-changes", {"status": "revoked", "date": "2025-04-01"}).status_code == 404
    r = district.patch(f"platforms/{world.plat_a.pk}", {"hosts": [{"organization": world.ent_a2.pk}], "status": "revoked"})
    assert r.status_code == 200
    assert [h["organization"]["name"] for h in r.json()["hosts"]] == ["甲区高新企业"]
    assert r.json()["status"] == "cultivating"  # status is written only through status-changes


def test_person_writes_keep_identifiers_masked(world, as_):
    from heluo.core.codes import make_id_number

    district = as_(world.users.district_a)
    full = make_id_number("410305", dt.date(1990, 7, 8), 44)
    r = district.post("people", {"name": "赵六", "id_number": full, "employer": world.ent_a.pk})
    assert r.status_code == 201 and r.json()["id_number"] != full and "*" in r.json()["id_number"]
    r = district.post("people", {"name": "钱七", "id_number": full[:17] + ("0" if full[17] != "0" else "1"), "employer": world.ent_a.pk})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "id_number" and "第18位" in r.json()["detail"][0]["message"]
    assert district.post("people", {"name": "孙八", "employer": world.ent_b.pk}).status_code == 403
    # PUT without the identifier keeps it (outputs are masked, so clients cannot echo it back)
    r = district.put(f"people/{world.person_a.pk}", {"name": "张三", "employer": world.ent_a.pk, "title": "工程师"})
    assert r.status_code == 200
    world.person_a.refresh_from_db()
    assert world.person_a.id_number and world.person_a.title == "工程师"


def test_expert_and_talent_scope(world, as_):
    expert = as_(world.users.expert)
    assert [e["person"]["name"] for e in expert.get("experts").json()["items"]] == ["王专家"]
    assert expert.patch(f"experts/{world.expert_person.expert.pk}", {"specialty": "轴承与精密制造"}).status_code == 200
    assert as_(world.users.district_a).get("experts").json()["count"] == 0
    assert as_(world.users.district_a).get(f"experts/{world.expert_person.expert.pk}").status_code == 404


# --- tokens ---------------------------------------------------------------------------------------------


def test_read_only_token_cannot_write(world, client):
    _, key = ApiToken.issue(world.users.admin, name="ro", write_enabled=False)
    ro = Api(client, {"Authorization": f"Bearer {key}"})
    assert ro.get(f"organizations/{world.hidden_b.pk}").status_code == 200
    assert ro.post("organizations", new_org()).status_code == 403
    assert ro.patch(f"organizations/{world.ent_a.pk}", {"name": "x"}).status_code == 403
    assert ro.delete(f"organizations/{world.ent_a.pk}").status_code == 403
    assert Organization.objects.get(pk=world.ent_a.pk).name == "甲企业"
    assert not history_for(world.ent_a).filter(action="update").exists()


def test_anonymous_cannot_write(world, as_):
    anon = as_(None)
    assert anon.post("organizations", new_org()).status_code == 401
    assert anon.patch(f"organizations/{world.ent_a.pk}", {"name": "x"}).status_code == 401
