"""The query-layer rules every channel relies on."""

import pytest
from django.core.exceptions import PermissionDenied

from heluo.core.audit import history_for
from heluo.core.models import SensitiveAccess
from heluo.core.permissions import CHANGE, VIEW
from heluo.orgs import selectors, services
from heluo.orgs.models import EnterpriseAnnual, Organization
from heluo.people.models import Person
from heluo.people.services import person_reveal_id_number
from heluo.platforms.models import Platform


def names(qs):
    return sorted(str(o) for o in qs)


def test_bureau_sees_everything(world):
    assert Organization.objects.restrict(world.users.staff, VIEW).count() == 4


def test_district_sees_own_areas_and_subareas_plus_published(world):
    u = world.users.district_a
    assert names(Organization.objects.restrict(u, CHANGE)) == sorted(["甲区高新企业", "甲企业"])
    assert "乙未公开企业" not in names(Organization.objects.restrict(u, VIEW))
    assert {r.organization_id for r in EnterpriseAnnual.objects.restrict(u, VIEW)} == {world.ent_a.pk, world.ent_a2.pk}
    assert names(Platform.objects.restrict(u, VIEW)) == ["甲区重点实验室"]
    assert names(Person.objects.restrict(u, VIEW)) == ["张三"]


def test_org_user_sees_only_its_own_data(world):
    u = world.users.org_a
    assert names(Organization.objects.restrict(u, CHANGE)) == ["甲企业"]
    assert {r.organization_id for r in EnterpriseAnnual.objects.restrict(u, VIEW)} == {world.ent_a.pk}
    # verified figures are frozen for the enterprise
    assert [r.year for r in EnterpriseAnnual.objects.restrict(u, CHANGE)] == [2024]


def test_public_and_expert_see_published_only(world):
    for u in (world.users.anonymous, world.users.expert):
        assert "乙未公开企业" not in names(Organization.objects.restrict(u, VIEW))
        assert not EnterpriseAnnual.objects.restrict(u, VIEW).exists()
        assert not Organization.objects.restrict(u, CHANGE).exists()
    assert names(Person.objects.restrict(world.users.expert, VIEW)) == ["王专家"]
    assert not Person.objects.restrict(None, VIEW).exists()


def test_district_cannot_move_an_enterprise_out_of_its_area(world):
    org = Organization.objects.get(pk=world.ent_a.pk)
    org.area = world.b
    with pytest.raises(PermissionDenied):
        services.organization_save(world.users.district_a, org)
    assert Organization.objects.get(pk=world.ent_a.pk).area_id == world.a.pk


def test_district_cannot_change_other_district(world):
    org = Organization.objects.get(pk=world.ent_b.pk)
    org.name = "改名"
    with pytest.raises(PermissionDenied):
        services.organization_save(world.users.district_a, org)
    assert not history_for(world.ent_b).filter(action="update").exists()


def test_change_is_recorded_with_before_and_after(world):
    org = Organization.objects.get(pk=world.ent_a.pk)
    org.name = "甲企业（新名）"
    services.organization_save(world.users.district_a, org)
    change = history_for(org).get(action="update")
    assert change.prechange_data["name"] == "甲企业" and change.postchange_data["name"] == "甲企业（新名）"
    assert ("name", "甲企业", "甲企业（新名）") in change.diff()


def test_enterprise_cannot_verify_its_own_data(world):
    row = EnterpriseAnnual.objects.get(organization=world.ent_a, year=2024)
    row.status = "verified"
    with pytest.raises(PermissionDenied):
        services.annual_save(world.users.org_a, row)


def test_financial_reads_by_non_owners_are_logged(world):
    list(selectors.annual_list(world.users.staff, {"year": 2024}))
    assert SensitiveAccess.objects.filter(kind="enterprise_financials", user=world.users.staff).exists()
    before = SensitiveAccess.objects.count()
    list(selectors.annual_list(world.users.org_a))
    assert SensitiveAccess.objects.count() == before


def test_id_number_needs_permission_and_is_logged(world):
    with pytest.raises(PermissionDenied):
        person_reveal_id_number(world.users.staff, world.person_a)
    assert person_reveal_id_number(world.users.admin, world.person_a) == world.person_a.id_number
    assert SensitiveAccess.objects.filter(kind="id_number", object_id=world.person_a.pk).count() == 1
    # the expert reads their own
    assert person_reveal_id_number(world.users.expert, world.expert_person)
    # the change log never holds the full identifier
    created = history_for(world.person_a).filter(action="create").first()
    assert created and "*" in created.postchange_data["id_number"]
