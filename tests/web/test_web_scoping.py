"""The web UI shows each role only its scope: lists, details (404), writes (403)."""

import pytest
from django.urls import reverse

from heluo.core.models import ObjectChange
from heluo.orgs.models import EnterpriseAnnual, Organization
from heluo.people.models import Person
from tests.helpers import login


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


@pytest.fixture
def as_user(client):
    return lambda user: login(client, user)


def test_district_lists_show_only_its_scope(world, as_user):
    c = as_user(world.users.district_a)
    orgs = page(c, reverse("web:organization_list"))
    assert "甲企业" in orgs and "甲区高新企业" in orgs and "乙企业" in orgs  # its own plus published ones
    assert "乙未公开企业" not in orgs
    annual = page(c, reverse("web:annual_list"))
    assert "甲企业" in annual and "甲区高新企业" in annual
    assert "乙企业" not in annual and "乙未公开企业" not in annual
    platforms = page(c, reverse("web:platform_list"))
    assert "甲区重点实验室" in platforms and "乙区孵化器" not in platforms
    people = page(c, reverse("web:person_list"))
    assert "张三" in people and "李四" not in people and "王专家" not in people


def test_enterprise_sees_its_own_annual_data_and_people(world, as_user):
    c = as_user(world.users.org_a)
    annual = page(c, reverse("web:annual_list"))
    assert "甲企业" in annual and "甲区高新企业" not in annual and "乙企业" not in annual
    people = page(c, reverse("web:person_list"))
    assert "张三" in people and "李四" not in people


def test_bureau_sees_unpublished(world, as_user):
    c = as_user(world.users.staff)
    assert "乙未公开企业" in page(c, reverse("web:organization_list"))
    assert "乙区孵化器" in page(c, reverse("web:platform_list"))


def test_list_count_search_sort_and_page_size(world, as_user):
    c = as_user(world.users.staff)
    html = page(c, reverse("web:organization_list") + "?q=甲&sort=-name&per_page=25")
    assert "甲企业" in html and "乙企业" not in html
    assert html.index("甲区高新企业") < html.index("甲企业</a>")  # 区 sorts after 企 in code points; descending puts it first
    assert 'option value="25" selected' in html
    # filter by area includes the areas below it (the functional zone in district A)
    html = page(c, reverse("web:organization_list") + f"?area={world.a.pk}")
    assert "甲区高新企业" in html and "乙企业" not in html


@pytest.mark.parametrize(
    "who, url_name, attr",
    [
        ("district_a", "web:organization_detail", "hidden_b"),
        ("district_a", "web:platform_detail", "plat_b"),
        ("district_a", "web:person_detail", "person_b"),
        ("org_a", "web:person_detail", "person_b"),
        ("anonymous", "web:organization_detail", "hidden_b"),
        ("anonymous", "web:platform_detail", "plat_b"),
        ("expert", "web:person_detail", "person_a"),
    ],
)
def test_out_of_scope_detail_is_404(world, as_user, who, url_name, attr):
    c = as_user(getattr(world.users, who))
    page(c, reverse(url_name, args=[getattr(world, attr).pk]), status=404)


def test_out_of_scope_annual_row_is_404(world, as_user):
    row_b = EnterpriseAnnual.objects.get(organization=world.ent_b, year=2024)
    page(as_user(world.users.district_a), reverse("web:annual_detail", args=[row_b.pk]), status=404)
    page(as_user(world.users.org_a), reverse("web:annual_detail", args=[row_b.pk]), status=404)


def test_forbidden_edit_is_403_and_changes_nothing(world, as_user):
    c = as_user(world.users.district_a)
    url = reverse("web:organization_edit", args=[world.ent_b.pk])  # published, so visible; but another district's
    page(c, url, status=403)
    response = c.post(url, {"name": "改名", "kind": "enterprise", "area": world.b.pk, "uscc": world.ent_b.uscc})
    assert response.status_code == 403
    assert Organization.objects.get(pk=world.ent_b.pk).name == "乙企业"
    assert c.post(reverse("web:organization_delete", args=[world.ent_b.pk])).status_code == 403
    assert Organization.objects.filter(pk=world.ent_b.pk).exists()
    assert not ObjectChange.objects.filter(content_type__model="organization", object_id=world.ent_b.pk, action="update").exists()


def test_moving_an_enterprise_out_of_the_district_is_refused(world, as_user):
    c = as_user(world.users.district_a)
    response = c.post(
        reverse("web:organization_edit", args=[world.ent_a.pk]),
        {"name": "甲企业", "kind": "enterprise", "area": world.b.pk, "uscc": world.ent_a.uscc},
    )
    assert response.status_code in (200, 403)  # the form refuses the other district's area, or the service does
    assert Organization.objects.get(pk=world.ent_a.pk).area_id == world.a.pk


def test_enterprise_cannot_edit_verified_figures_nor_verify(world, as_user):
    c = as_user(world.users.org_a)
    verified = EnterpriseAnnual.objects.get(organization=world.ent_a, year=2023)
    assert c.post(reverse("web:annual_edit", args=[verified.pk]), {"year": 2023, "sales_revenue": "1"}).status_code == 403
    assert EnterpriseAnnual.objects.get(pk=verified.pk).sales_revenue == 1000000
    submitted = EnterpriseAnnual.objects.get(organization=world.ent_a, year=2024)
    assert c.post(reverse("web:annual_status", args=[submitted.pk]), {"status": "verified"}).status_code == 403
    assert EnterpriseAnnual.objects.get(pk=submitted.pk).status == "submitted"


def test_enterprise_edits_its_own_unverified_figures_in_wan(world, as_user):
    c = as_user(world.users.org_a)
    row = EnterpriseAnnual.objects.get(organization=world.ent_a, year=2024)
    form = page(c, reverse("web:annual_edit", args=[row.pk]))
    assert 'value="100"' in form  # 1,000,000 yuan shown as 100 万元
    response = c.post(
        reverse("web:annual_edit", args=[row.pk]),
        {"year": 2024, "sales_revenue": "123.45", "rd_expense": "6", "total_staff": 100, "st_staff": 20},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row.refresh_from_db()
    assert row.sales_revenue == 1234500 and row.rd_expense == 60000
    detail = page(c, reverse("web:annual_detail", args=[row.pk]))
    assert "123.45" in detail


def test_staff_verifies_annual_data(world, as_user):
    c = as_user(world.users.district_a)
    row = EnterpriseAnnual.objects.get(organization=world.ent_a, year=2024)
    assert "Verify" in page(c, reverse("web:annual_detail", args=[row.pk])) or "核实" in page(
        c, reverse("web:annual_detail", args=[row.pk])
    )
    assert c.post(reverse("web:annual_status", args=[row.pk]), {"status": "verified"}).status_code == 302
    assert EnterpriseAnnual.objects.get(pk=row.pk).status == "verified"


def test_anonymous_browses_published_only_and_logs_in_for_the_rest(world, client):
    html = page(client, reverse("web:organization_list"))
    assert "甲企业" in html and "乙企业" in html and "乙未公开企业" not in html
    for name in ("web:annual_list", "web:person_list", "web:import_list", "web:account"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("web:login")), name
    detail = page(client, reverse("web:organization_detail", args=[world.ent_b.pk]))
    assert "GR202341000001" in detail  # its qualification is public
    assert "100.00" not in detail  # but not its figures
    assert client.get(reverse("web:organization_edit", args=[world.ent_a.pk])).status_code == 302
    page(client, reverse("web:qualification_list"))
    page(client, reverse("web:area_list"))


def test_expert_sees_own_record_only(world, as_user):
    c = as_user(world.users.expert)
    people = page(c, reverse("web:person_list"))
    assert "王专家" in people and "张三" not in people
    assert "乙企业" not in page(c, reverse("web:annual_list"))
    page(c, reverse("web:organization_add"), status=403)


def test_person_edit_form_never_contains_the_full_id_number(world, as_user):
    c = as_user(world.users.district_a)
    html = page(c, reverse("web:person_edit", args=[world.person_a.pk]))
    assert world.person_a.id_number not in html
    assert world.person_a.masked_id_number in html
    response = c.post(reverse("web:person_edit", args=[world.person_a.pk]), {"name": "张三丰", "employer": world.ent_a.uscc})
    assert response.status_code == 302
    person = Person.objects.get(pk=world.person_a.pk)
    assert person.name == "张三丰" and person.id_number == world.person_a.id_number  # kept


def test_enterprise_reports_a_new_year_for_itself_only(world, as_user):
    c = as_user(world.users.org_a)
    form = page(c, reverse("web:annual_add"))
    assert 'name="organization"' not in form
    response = c.post(reverse("web:annual_add"), {"year": 2022, "sales_revenue": "80", "organization": world.ent_b.uscc})
    assert response.status_code == 302
    row = EnterpriseAnnual.objects.get(year=2022)
    assert row.organization_id == world.ent_a.pk and row.status == "draft" and row.sales_revenue == 800000
    # the same year again: the form says so, nothing is written
    response = c.post(reverse("web:annual_add"), {"year": 2022})
    assert response.status_code == 200 and EnterpriseAnnual.objects.filter(year=2022).count() == 1
    # submit
    assert c.post(reverse("web:annual_status", args=[row.pk]), {"status": "submitted"}).status_code == 302
    assert EnterpriseAnnual.objects.get(pk=row.pk).status == "submitted"


def test_district_picks_only_its_enterprises_for_annual_data(world, as_user):
    c = as_user(world.users.district_a)
    form = page(c, reverse("web:annual_add") + f"?organization={world.ent_a.pk}")
    assert world.ent_a.uscc in form  # pre-filled from the organization page's link
    response = c.post(reverse("web:annual_add"), {"organization": world.ent_b.uscc, "year": 2022})
    assert response.status_code == 200
    assert not EnterpriseAnnual.objects.filter(year=2022).exists()


def test_organization_lookup_suggests_visible_organizations(world, as_user):
    c = as_user(world.users.district_a)
    html = c.get(reverse("web:organization_lookup"), {"organization": "乙"}).content.decode()
    assert "乙企业" in html and "乙未公开企业" not in html


def test_forms_never_name_organizations_out_of_scope(world, as_user):
    from heluo.platforms.models import PlatformHost

    c = as_user(world.users.district_a)
    html = page(c, reverse("web:qualification_add") + f"?organization={world.hidden_b.pk}")
    assert "乙未公开企业" not in html and world.hidden_b.uscc not in html
    # a platform of district A with a partner the district may not see: not shown, and kept on save
    PlatformHost.objects.create(platform=world.plat_a, organization=world.hidden_b, role="partner")
    url = reverse("web:platform_edit", args=[world.plat_a.pk])
    html = page(c, url)
    assert "乙未公开企业" not in html and "甲企业" in html
    response = c.post(
        url,
        {
            "name": "甲区重点实验室",
            "kind": "key_lab",
            "level": "municipal",
            "area": world.a.pk,
            "lead_host": world.ent_a.uscc,
            "partner_hosts": "甲区高新企业",
            "is_published": "on",
        },
    )
    assert response.status_code == 302
    assert {h.organization.name for h in world.plat_a.host_links.all()} == {"甲企业", "甲区高新企业", "乙未公开企业"}


def test_qualification_search_by_organization(world, as_user):
    html = page(as_user(world.users.staff), reverse("web:qualification_list") + "?q=乙企业")
    assert "GR202341000001" in html and "乙未公开企业" not in html
