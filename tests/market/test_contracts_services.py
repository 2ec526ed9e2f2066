"""Entering and reviewing technology contracts: parties against the registry, the 技术交易额, the workflow with its
events and numbers, and who sees and changes what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from heluo.core.i18n import Refusal
from heluo.core.models import Role
from heluo.core.permissions import NOTHING, SYSTEM, Scope
from heluo.market.models import ContractEvent, TechnologyContract
from heluo.market.services import contracts as services
from tests.helpers import make_user

from .contracts_world import OUTSIDE_BUYER, PROVINCE_BUYER, make_contract, register


def test_parties_link_to_registered_organizations_and_locate_the_buyer(world):
    c = make_contract(world, amount="1000000", costs="200000")
    assert (c.seller, c.seller_area, c.buyer, c.buyer_area) == (world.ent_a, world.a, world.ent_b, world.b)
    assert c.buyer_location == "city" and c.transaction_amount == Decimal("800000.00") and c.rule_set == "gkfz-2000"
    assert make_contract(world, buyer_uscc=PROVINCE_BUYER).buyer_location == "province"
    outside = make_contract(world, buyer_uscc=OUTSIDE_BUYER)
    assert outside.buyer is None and outside.buyer_location == "elsewhere"
    assert [e.kind for e in outside.events.all()] == ["submitted"]


def test_a_buyer_without_a_code_needs_its_location_entered(world):
    with pytest.raises(Refusal) as exc:
        make_contract(world, buyer_uscc="")
    assert exc.value.field == "buyer_location"
    assert make_contract(world, buyer_uscc="", buyer_location="elsewhere").buyer_location == "elsewhere"


def test_bad_codes_amounts_and_dates_are_refused(world):
    for fields, field in (
        ({"seller_uscc": "91410305MA0000011Y"}, "seller_uscc"),
        ({"buyer_uscc": "123"}, "buyer_uscc"),
        ({"amount": "1000", "costs": "1001"}, "non_technical_costs"),
        ({"amount": "0"}, "contract_amount"),
        ({"submitted_on": dt.date(2025, 2, 1)}, "submitted_on"),
        ({"contract_type": "lease"}, "contract_type"),
        ({"subtype": "training", "contract_type": "transfer"}, "subtype"),
    ):
        seller_uscc = fields.pop("seller_uscc", None)
        with pytest.raises(Refusal) as exc:
            if seller_uscc:
                make_contract(world, seller=type(world.ent_a)(name="x", uscc=seller_uscc, area=world.a), **fields)
            else:
                make_contract(world, **fields)
        assert exc.value.field == field, fields


def test_the_database_keeps_the_transaction_rule(world):
    c = make_contract(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        TechnologyContract.objects.filter(pk=c.pk).update(transaction_amount=c.contract_amount + 1)


def test_accept_numbers_per_office_and_year_and_records_events(world):
    first, second = make_contract(world), make_contract(world)
    other_office = make_contract(world, office=world.b)
    assert register(world, first).registration_number == "2025410305000001"
    assert register(world, second).registration_number == "2025410305000002"
    assert register(world, other_office).registration_number == "2025410311000001"
    assert register(world, make_contract(world), on=dt.date(2026, 2, 1)).registration_number == "2026410305000001"
    kinds = list(ContractEvent.objects.filter(contract=first).values_list("kind", "from_state", "to_state"))
    assert kinds == [("submitted", "", "submitted"), ("accept", "submitted", "registered")]
    assert first.rule_set == "gkfz-2000"
    with pytest.raises(Refusal):
        register(world, first)  # registered once


def test_the_rule_set_follows_the_registration_date(world):
    c = register(world, make_contract(world), on=dt.date(2026, 3, 1))
    assert c.rule_set == "miit-2026"


def test_reclassify_changes_the_type_and_keeps_the_original(world):
    c = make_contract(world, contract_type="development", subtype="commissioned")
    c = services.contract_transition(SYSTEM, c, "reclassify", new_type="service", new_subtype="training", on=dt.date(2025, 4, 1))
    assert (c.state, c.contract_type, c.subtype, c.original_type) == ("registered", "service", "training", "development")
    assert c.events.last().payload["to_type"] == "service"


def test_refuse_needs_a_reason_and_only_the_bureau_reopens(world):
    c = make_contract(world)
    with pytest.raises(Refusal):
        services.contract_transition(SYSTEM, c, "refuse")
    c = services.contract_transition(world.users.district_a, c, "refuse", reason="非技术合同（设备买卖）")
    assert c.state == "refused" and c.registration_number is None and c.refusal_reason
    with pytest.raises(Refusal):
        services.contract_transition(world.users.district_a, c, "reopen", reason="补充材料")
    c = services.contract_transition(world.users.staff, c, "reopen", reason="补充材料")
    assert c.state == "submitted" and c.refusal_reason == ""


def test_a_district_enters_and_reviews_only_for_its_own_office(world):
    district = world.users.district_a
    own = make_contract(world, user=district)
    assert register(world, own, user=district).state == "registered"
    with pytest.raises(PermissionDenied):
        make_contract(world, user=district, office=world.b, seller=world.ent_b)
    theirs = make_contract(world, office=world.b, seller=world.ent_b)
    with pytest.raises(PermissionDenied):
        register(world, theirs, user=district)
    with pytest.raises(PermissionDenied):
        make_contract(world, user=world.users.org_a)


def test_a_district_cannot_write_the_review_outcome_through_a_save(world):
    c = make_contract(world, user=world.users.district_a)
    c.state, c.registration_number, c.registered_on = "registered", "X1", dt.date(2025, 4, 1)
    with pytest.raises(PermissionDenied):
        services.contract_save(world.users.district_a, c)


def test_who_sees_which_contracts(world):
    a_sells_to_b = make_contract(world)
    b_sells_outside = make_contract(world, seller=world.ent_b, buyer_uscc=OUTSIDE_BUYER)
    hidden = make_contract(world, seller=world.hidden_b, buyer_uscc=PROVINCE_BUYER)

    def seen(user):
        return set(TechnologyContract.objects.restrict(user).values_list("pk", flat=True))

    assert seen(world.users.staff) == {a_sells_to_b.pk, b_sells_outside.pk, hidden.pk}
    assert seen(world.users.district_a) == {a_sells_to_b.pk}
    district_b = make_user("district_b", Role.DISTRICT_STAFF, areas=[world.b])
    assert seen(district_b) == {a_sells_to_b.pk, b_sells_outside.pk, hidden.pk}  # buyer in B, sellers in B
    assert seen(world.users.org_a) == {a_sells_to_b.pk}
    org_b = make_user("org_b", Role.ORG_USER, organization=world.ent_b)
    assert seen(org_b) == {a_sells_to_b.pk, b_sells_outside.pk}
    assert seen(world.users.expert) == seen(None) == set()
    assert set(ContractEvent.objects.restrict(world.users.org_a).values_list("contract_id", flat=True)) == {a_sells_to_b.pk}
    assert not TechnologyContract.objects.restrict(world.users.org_a, "change").exists()


def test_the_district_role_rule_is_data(world, monkeypatch):
    from heluo.market.engine import contracts as rules

    config = rules.registration_config()
    entry = {**config["entry"], "district_may_register": {"value": False}}
    monkeypatch.setattr(rules, "registration_config", lambda: {**config, "entry": entry})
    scope = Scope(role=Role.DISTRICT_STAFF, area_ids=frozenset({world.a.pk}))
    assert TechnologyContract.scope_q(scope, "change") == NOTHING
    assert TechnologyContract.scope_q(scope, "view") != NOTHING


def test_changes_are_audited(world):
    from heluo.core.audit import history_for

    c = register(world, make_contract(world))
    assert len(history_for(c)) >= 2


def test_the_review_to_do_counts_what_the_office_may_review(world):
    from heluo.market.selectors.contracts import awaiting_review

    make_contract(world)
    make_contract(world, office=world.b, seller=world.ent_b)
    assert awaiting_review(world.users.staff) == 2
    assert awaiting_review(world.users.district_a) == 1
    assert awaiting_review(world.users.org_a) is None


def test_an_enterprise_sees_contracts_naming_its_code_before_it_was_linked(world):
    c = make_contract(world)
    TechnologyContract.objects.filter(pk=c.pk).update(seller=None, buyer=None)  # registered before the organizations were
    assert set(TechnologyContract.objects.restrict(world.users.org_a).values_list("pk", flat=True)) == {c.pk}
    org_b = make_user("org_b2", Role.ORG_USER, organization=world.ent_b)
    assert TechnologyContract.objects.restrict(org_b).filter(pk=c.pk).exists()
    no_code = make_user("org_nocode", Role.ORG_USER, organization=type(world.ent_a).objects.create(name="无代码", area=world.a))
    assert not TechnologyContract.objects.restrict(no_code).exists()
