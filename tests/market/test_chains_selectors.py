"""What sits on each link, from the registry: counts for all staff, lists within each user's scope, by district;
the bureau's manual attachments (audited). Also the fixture the page and API tests share (`chain_world`)."""

import copy

import pytest
from django.core.exceptions import PermissionDenied

from heluo.core.i18n import Refusal
from heluo.core.models import ObjectChange
from heluo.market.engine.chains import parse_chain
from heluo.market.models import ChainAttachment, ChainLink, IndustryChain
from heluo.market.selectors import chains as sel
from heluo.market.services import chains as service
from heluo.orgs.models import Organization
from heluo.people.models import TalentMembership, TalentProgramme
from heluo.taxonomy.models import Cluster, HitechField, Industry
from tests.market.test_chains_engine import CHAIN, RULES


@pytest.fixture
def chain_world(world):
    return make_chain_world(world)


def make_chain_world(world):
    """The shared world with a bearings chain (steel → precision → smart): ent_a (district A) and the unpublished
    hidden_b (district B) are bearing makers (34), ent_b names 智能轴承 in its description, plat_a is a bearings
    platform hosted by ent_a, person_a (employed by ent_a) is a talent."""
    section = Industry.objects.create(code="C", level="section", name_zh="制造业", name_en="Manufacturing")
    for code in ("31", "34", "40", "43", "73", "74"):
        Industry.objects.create(code=code, level="division", parent=section, name_zh=f"行业{code}", name_en=f"Industry {code}")
    eight = HitechField.objects.create(code="8", number=8, name_zh="先进制造与自动化", name_en="Advanced manufacturing")
    HitechField.objects.create(code="8.4", number=8, parent=eight, name_zh="先进制造工艺与装备", name_en="Processes")
    bearings = Cluster.objects.create(city=world.city, code="bearings", kind="cluster", name_zh="轴承", name_en="Bearings", sort=1)
    known = {"clusters": {"bearings"}, "industries": {"31", "34", "40", "43", "73", "74"}, "fields": {"8", "8.3", "8.4", "4.1"}}
    service.write_chains({"city": "410300", "rules": copy.deepcopy(RULES), "chains": [(parse_chain(CHAIN, "bearings.json", **known), "x")]})
    for org in (world.ent_a, world.hidden_b):
        org.industry = Industry.objects.get(code="34")
        org.save()
        org.clusters.add(bearings)
    world.ent_b.description = "智能轴承研发"
    world.ent_b.save()
    world.plat_a.cluster = bearings
    world.plat_a.save()
    programme = TalentProgramme.objects.create(code="heluo", name_zh="河洛英才计划", name_en="Heluo talents")
    TalentMembership.objects.create(person=world.person_a, programme=programme, year=2024)
    world.chain = IndustryChain.objects.get()
    world.bearings = bearings
    return world


def keys(result, link, kind):
    return {a.key for a in result.links[link].records[kind]}


def test_records_of_every_registered_kind_attach_to_their_links(chain_world):
    w = chain_world
    result = sel.result_for(w.users.staff, w.chain)
    assert result.kinds == ("enterprise", "platform", "talent", "achievement", "demand")
    assert keys(result, "precision", "enterprise") == {w.ent_a.pk, w.hidden_b.pk}
    assert keys(result, "smart", "enterprise") == {w.ent_b.pk}
    assert keys(result, "precision", "platform") == {w.plat_a.pk}
    assert keys(result, "precision", "talent") == {w.person_a.pk}
    assert result.links["steel"].gap and result.gaps == ["steel", "smart"]


def test_counts_are_the_same_for_all_staff_and_refused_to_others(chain_world):
    w = chain_world
    counts = sel.result_for(w.users.district_a, w.chain).links["precision"].counts
    assert counts == {"enterprise": 2, "platform": 1, "talent": 1, "achievement": 0, "demand": 0}
    for user in (w.users.org_a, w.users.expert, None):
        with pytest.raises(PermissionDenied):
            sel.chains(user)


def test_lists_keep_to_each_users_scope(chain_world):
    w = chain_world
    result = sel.result_for(w.users.staff, w.chain)
    listed = lambda user, kind: {a.key for a in sel.link_records(user, result, "precision", kind)}  # noqa: E731
    assert listed(w.users.staff, "enterprise") == {w.ent_a.pk, w.hidden_b.pk}
    assert listed(w.users.district_a, "enterprise") == {w.ent_a.pk}  # hidden_b is unpublished and in district B
    assert listed(w.users.district_a, "talent") == {w.person_a.pk}
    page = sel.fetch("enterprise", sel.link_records(w.users.district_a, result, "precision", "enterprise"))
    assert [(o.name, why) for o, why in page] == [("甲企业", ("industry:34",))]
    assert sel.link_records(w.users.staff, result, "precision", "nothing") == []


def test_districts_gather_their_sub_areas_and_filter_lists(chain_world):
    w = chain_world
    districts = {d.code: d for d in sel.districts()}
    assert districts["410305"].members == {"410305", "410371"} and districts["410305"].on_map
    result = sel.result_for(w.users.staff, w.chain)
    in_b = sel.district_area_codes("410311")
    assert {a.key for a in sel.link_records(w.users.staff, result, "precision", "enterprise", areas=in_b)} == {w.hidden_b.pk}
    assert sel.district_area_codes("999999") is None


def test_the_bureau_attaches_an_enterprise_by_hand_with_its_reason(chain_world):
    w = chain_world
    link = ChainLink.objects.get(code="steel")
    row = service.attach_enterprise(w.users.staff, link, organization=w.ent_b, note="供应轴承钢")
    assert (row.created_by, row.note) == (w.users.staff, "供应轴承钢")
    result = sel.result_for(w.users.staff, w.chain)
    assert [(a.key, a.area, a.why) for a in result.links["steel"].records["enterprise"]] == [(w.ent_b.pk, "410311", ("manual",))]
    assert ObjectChange.objects.filter(object_repr__contains="乙企业", action="create").exists()
    assert list(sel.manual_attachments(w.users.district_a, link)) == [row]
    service.detach(w.users.admin, row)
    assert not ChainAttachment.objects.exists()
    assert ObjectChange.objects.filter(action="delete").exists()


def test_manual_attachments_are_refused_with_reasons(chain_world):
    w = chain_world
    link = ChainLink.objects.get(code="steel")
    with pytest.raises(PermissionDenied):
        service.attach_enterprise(w.users.district_a, link, organization=w.ent_a, note="x")
    with pytest.raises(Refusal) as no_reason:
        service.attach_enterprise(w.users.staff, link, organization=w.ent_a, note="  ")
    assert (no_reason.value.status, no_reason.value.reason_code) == (422, "reason_required")
    university = Organization.objects.create(name="某大学", kind="university", area=w.a)
    with pytest.raises(Refusal, match="只能挂接企业"):
        service.attach_enterprise(w.users.staff, link, organization=university, note="共建")
    service.attach_enterprise(w.users.staff, link, organization=w.ent_a, note="供应")
    with pytest.raises(Refusal) as twice:
        service.attach_enterprise(w.users.staff, link, organization=w.ent_a, note="供应")
    assert twice.value.status == 409


def test_the_enterprise_to_attach_is_found_by_credit_code_or_name(chain_world):
    w = chain_world
    assert sel.enterprise_for_attachment(w.users.staff, w.ent_a.uscc.lower()) == w.ent_a
    assert sel.enterprise_for_attachment(w.users.staff, "乙企业") == w.ent_b
    assert sel.enterprise_for_attachment(w.users.staff, "") is None
