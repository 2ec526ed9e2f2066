"""Cards (issued at the talent's level, services by level, uses by providers on valid cards), the own record (the
person-linked account corrects its own details; its ID number read through the audited reveal), needs and the map."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from heluo.core.i18n import Refusal
from heluo.core.models import Role, SensitiveAccess
from heluo.people.models import Person
from heluo.talent.models import SkillNeed, Talent
from heluo.talent.selectors import cards as sel
from heluo.talent.selectors import map as map_sel
from heluo.talent.services import cards as services
from heluo.talent.services import records
from heluo.talent.services import rounds as round_services
from tests.helpers import Api, make_user

from .talent_world import make_talent_world


@pytest.fixture
def tw(world):
    return make_talent_world(world)


def test_card_services_and_uses(world, tw):
    talent = Talent.objects.create(person=tw.young, level="D", field=tw.field, since=2024)
    card = services.card_issue(world.users.staff, talent, dt.date(2025, 1, 1))
    assert card.expires_on == dt.date(2028, 1, 1) and {s["code"] for s in sel.services_of(card)} >= {"medical", "housing"}
    with pytest.raises(Refusal):
        services.card_issue(world.users.staff, talent, dt.date(2025, 6, 1))  # already holds a valid one
    hospital_user = make_user("hospital", Role.ORG_USER, organization=world.ent_b)
    with pytest.raises(PermissionDenied):
        services.use_record(hospital_user, card, "medical", dt.date(2025, 3, 1))
    services.provider_add(world.users.staff, world.ent_b, "medical")
    use = services.use_record(hospital_user, card, "medical", dt.date(2025, 3, 1), "体检")
    assert use.provider_id == world.ent_b.pk
    assert list(sel.uses(hospital_user)) == [use] and list(sel.cards(hospital_user)) == [card]
    with pytest.raises(Refusal) as e:
        services.use_record(world.users.staff, card, "schooling", dt.date(2025, 3, 1))  # not on a D card
    assert e.value.reason_code == "service_not_open"
    with pytest.raises(Refusal) as e:
        services.use_record(world.users.staff, card, "housing", dt.date(2028, 1, 1))
    assert e.value.reason_code == "card_invalid"
    services.card_revoke(world.users.staff, card, dt.date(2025, 4, 1), "离开本市")
    assert not card.valid_on(dt.date(2025, 5, 1))


def test_own_record_corrected_within_self_service(world, tw):
    person = records.correct_own(tw.talent_user, {"phone": "0379-1234567"}, "换号")
    assert person.phone == "0379-1234567"
    with pytest.raises(Refusal) as e:
        records.correct_own(tw.talent_user, {"name": "改名"}, "x")
    assert e.value.reason_code == "not_self_service"
    with pytest.raises(PermissionDenied):
        records.own_person(world.users.staff)


def test_own_record_api_and_audited_reveal(client, world, tw, token_for):
    api = Api(client, token_for(tw.talent_user))
    me = api.get("talent/me").json()
    assert me["name"] == "青年博士" and "*" in me["masked_id_number"]
    assert api.patch("talent/me", {"changes": {"email": "a@b.cn"}, "reason": "更正"}).status_code == 200
    assert api.patch("talent/me", {"changes": {"employer": 1}, "reason": "x"}).status_code == 422
    before = SensitiveAccess.objects.count()
    answer = api.post("talent/me/reveal-id-number")
    assert answer.status_code == 200 and answer.json()["id_number"] == tw.young.id_number
    assert SensitiveAccess.objects.count() == before + 1


def test_needs_shortage_and_map(world, tw):
    Talent.objects.create(person=tw.young, level="D", field=tw.field, since=2024)
    services.need_save(world.users.org_a, SkillNeed(organization=world.ent_a, year=2025, field=tw.field, level="D", count=4))
    with pytest.raises(PermissionDenied):
        services.need_save(world.users.org_a, SkillNeed(organization=world.ent_b, year=2025, field=tw.field, level="D", count=1))
    with pytest.raises(Refusal):
        services.need_save(world.users.org_a, SkillNeed(organization=world.ent_a, year=2025, field=tw.field, level="Z", count=1))
    [line] = map_sel.shortage(world.users.staff, 2025)
    assert (line.needed, line.supply, line.gap, line.urgent) == (4, 1, 3, True)
    tables = map_sel.tables(world.users.staff)
    assert dict(tables["level"]) and sum(n for _, n in tables["age"]) == 1
    assert [n for d, n in map_sel.district_counts(world.users.staff) if d.code == "410305"] == [1]
    assert not map_sel.tables(world.users.expert)["level"]  # scoped: an expert sees no other person's entry


def test_a_need_is_stated_once_and_an_application_needs_an_employer(world, tw):
    need = dict(organization=world.ent_a, year=2025, field=tw.field, level="C", count=2)
    services.need_save(world.users.org_a, SkillNeed(**need))
    with pytest.raises(Refusal) as e:
        services.need_save(world.users.org_a, SkillNeed(**need))
    assert e.value.reason_code == "need_stated" and e.value.status == 409
    loner = Person.objects.create(name="无单位", birth_year=1995, degree="博士")
    with pytest.raises(Refusal) as e:
        round_services.apply(world.users.staff, tw.round, loner, "youth", "x")
    assert e.value.reason_code == "no_employer"
