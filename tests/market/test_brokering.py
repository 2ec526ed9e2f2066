"""Brokering (对接): who may start a record with whom, its steps and workflow, the contract it ends in, the scoping
of records, and who then sees a "matched parties only" demand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from heluo.core.i18n import Refusal
from heluo.core.permissions import CHANGE, VIEW, can
from heluo.market.engine import brokering as engine
from heluo.market.models import Brokering, BrokeringEvent, BrokeringStep, Demand
from heluo.market.selectors import brokering as selectors
from heluo.market.services import brokering as services

from . import brokering_world
from .brokering_world import start

pytestmark = pytest.mark.django_db
market, brokering = brokering_world.market, brokering_world.brokering  # the fixtures


def refused(code, fn, *args, **kw):
    with pytest.raises(Refusal) as exc:
        fn(*args, **kw)
    assert exc.value.reason_code == code, exc.value.text
    return exc.value


def visible_demands(user):
    return set(Demand.objects.restrict(user, VIEW).values_list("title", flat=True))


# --- starting a record -------------------------------------------------------------------------------------


def test_an_enterprise_brokers_its_matched_demand_and_the_supply_side_then_sees_it(brokering):
    u, d = brokering.users, brokering.d
    assert d.a_matched.title not in visible_demands(u.org_b)
    b = start(u.org_a, d.a_matched, achievement=brokering.achievement)
    assert b.status == "open" and b.created_by == u.org_a
    assert [s.kind for s in b.steps.all()] == ["create"]
    assert d.a_matched.title in visible_demands(u.org_b)  # the achievement's owner is now a matched party
    assert d.a_matched.title not in visible_demands(u.org_a2)  # nobody else
    assert d.a_bureau.title not in visible_demands(u.org_b)  # and only that demand


def test_the_agency_and_the_expert_become_matched_parties_too(brokering):
    u, d = brokering.users, brokering.d
    start(u.staff, d.a_matched, expert=brokering.expert, broker=brokering.agency)
    assert d.a_matched.title in visible_demands(u.expert)
    assert d.a_matched.title in visible_demands(u.agency)


def test_the_supply_side_may_answer_a_public_demand_but_not_one_it_cannot_see(brokering):
    u, d = brokering.users, brokering.d
    b = start(u.org_b, d.a_public, achievement=brokering.achievement)
    assert services.parties(u.org_b, b) == {"supply"}
    with pytest.raises(PermissionDenied):
        start(u.org_b, d.a_bureau, achievement=brokering.achievement)


def test_nobody_starts_a_record_it_is_no_party_to(brokering):
    u, d = brokering.users, brokering.d
    with pytest.raises(PermissionDenied):  # A2 sees the public demand but is neither side
        start(u.org_a2, d.a_public, achievement=brokering.achievement)
    with pytest.raises(PermissionDenied):  # district B: the demand's enterprise is in A
        start(u.district_b, d.a_public, achievement=brokering.achievement)
    with pytest.raises(PermissionDenied):
        start(u.anonymous, d.a_public, achievement=brokering.achievement)
    assert not Brokering.objects.exists()


def test_the_agency_brokers_as_itself(brokering):
    u, d = brokering.users, brokering.d
    b = start(u.agency, d.a_public, achievement=brokering.achievement, broker=brokering.agency)
    assert services.parties(u.agency, b) == {"broker"}
    assert can(u.agency, CHANGE, b)


def test_what_a_record_must_be(brokering):
    u, d, w = brokering.users, brokering.d, brokering.world
    refused("one_counterpart", start, u.staff, d.a_public)
    refused("one_counterpart", start, u.staff, d.a_public, achievement=brokering.achievement, expert=brokering.expert)
    refused("achievement_not_published", start, u.staff, d.a_public, achievement=brokering.draft)
    refused("same_party", start, u.staff, d.a_public, organization=w.ent_a)
    refused("broker_kind", start, u.staff, d.a_public, organization=w.ent_b, broker=w.ent_b)
    refused("demand_not_published", start, u.org_b, d.b_submitted, achievement=brokering.achievement)
    refused("date_in_future", start, u.staff, d.a_public, organization=w.ent_b, started_on=timezone.localdate() + dt.timedelta(days=1))
    refused("note_too_long", start, u.staff, d.a_public, organization=w.ent_b, note="长" * 2001)
    start(u.staff, d.a_public, organization=w.ent_b)
    refused("brokering_exists", start, u.org_a, d.a_public, organization=w.ent_b)
    assert Brokering.objects.count() == 1


# --- steps and the workflow ----------------------------------------------------------------------------


def test_parties_record_steps_others_do_not(brokering):
    u, d = brokering.users, brokering.d
    b = start(u.org_a, d.a_public, achievement=brokering.achievement)
    services.add_step(u.org_b, b, "visit", "到甲企业现场考察")
    services.add_step(u.district_a, b, "meeting")
    with pytest.raises(PermissionDenied):
        services.add_step(u.district_b, b, "meeting")  # sees the record (the supply side is in B) but is no party
    with pytest.raises(Brokering.DoesNotExist):
        services.add_step(u.org_a2, b, "meeting")
    refused("unknown_step", services.add_step, u.org_a, b, "lunch")
    refused("step_date", services.add_step, u.org_a, b, "visit", on=timezone.localdate() + dt.timedelta(days=1))
    assert [s.kind for s in selectors.brokering_steps(u.org_a, b)] == ["create", "visit", "meeting"]


def test_the_workflow_to_a_signed_contract(brokering):
    u, d = brokering.users, brokering.d
    b = start(u.org_a, d.a_public, achievement=brokering.achievement)
    b = services.brokering_transition(u.org_b, b, "negotiate")
    assert b.status == "negotiating"
    refused("contract_required", services.brokering_transition, u.org_a, b, "sign")
    refused("contract_parties", services.brokering_transition, u.org_a, b, "sign", contract=brokering.other_contract.pk)
    refused("contract_not_found", services.brokering_transition, u.org_a, b, "sign", contract="不存在的编号")
    b = services.brokering_transition(u.org_a, b, "sign", contract=brokering.contract.registration_number)
    assert (b.status, b.contract) == ("signed", brokering.contract)
    assert list(selectors.of_contract(u.staff, brokering.contract)) == [b]
    kinds = [(s.kind, s.from_status, s.to_status) for s in b.steps.all()]
    assert kinds[-2:] == [("negotiate", "open", "negotiating"), ("sign", "negotiating", "signed")]
    refused("wrong_state", services.brokering_transition, u.org_a, b, "close", "不再推进")


def test_closing_needs_a_reason_and_only_staff_or_the_agency_reopen(brokering):
    u, d = brokering.users, brokering.d
    b = start(u.org_a, d.a_public, achievement=brokering.achievement)
    refused("reason_required", services.brokering_transition, u.org_a, b, "close")
    b = services.brokering_transition(u.org_a, b, "close", "技术路线不匹配")
    refused("brokering_closed", services.add_step, u.org_a, b, "meeting")
    with pytest.raises(PermissionDenied):
        services.brokering_transition(u.org_a, b, "reopen", "再试一次")
    b = services.brokering_transition(u.district_a, b, "reopen", "企业重新提出")
    assert b.status == "open"
    assert services.brokering_actions(u.org_a, b, frozenset()) == ["negotiate", "sign", "close", "step"]
    assert services.brokering_actions(u.org_a2, b, frozenset()) == []


def test_steps_are_append_only(brokering):
    b = start(brokering.users.org_a, brokering.d.a_public, achievement=brokering.achievement)
    step = b.steps.get()
    step.note = "改写"
    with pytest.raises(ValueError):
        step.save()
    assert not BrokeringStep.objects.restrict(brokering.users.org_a, CHANGE).exists()


# --- scope -------------------------------------------------------------------------------------------------


def test_each_role_sees_its_own_records(brokering):
    u, d, w = brokering.users, brokering.d, brokering.world
    ab = start(u.org_a, d.a_public, achievement=brokering.achievement)  # A's demand, B's achievement
    ae = start(u.staff, d.a_matched, expert=brokering.expert)  # A's demand, the expert
    bo = start(u.staff, d.b_public, organization=w.ent_a2)  # B's demand, an enterprise in A's zone

    def seen(user):
        return set(selectors.brokering_list(user))

    assert seen(u.staff) == {ab, ae, bo}
    assert seen(u.district_a) == {ab, ae, bo}  # its enterprises' demands, and A2 as the supply side
    assert seen(u.district_b) == {ab, bo}  # B's achievement, B's demand
    assert seen(u.org_a) == {ab, ae}
    assert seen(u.org_b) == {ab, bo}
    assert seen(u.org_a2) == {bo}
    assert seen(u.expert) == {ae}
    assert seen(u.agency) == set()
    assert seen(u.anonymous) == set()
    assert set(Brokering.objects.restrict(u.district_a, CHANGE)) == {ab, ae}
    assert not Brokering.objects.restrict(u.admin, "delete").exists()  # a record is closed, never deleted


def test_a_field_rule_keeps_the_sides_fixed(brokering):
    u, d, w = brokering.users, brokering.d, brokering.world
    b = start(u.org_a, d.a_public, achievement=brokering.achievement)
    b.note = "双方已交换资料"
    services.brokering_save(u.org_a, b)
    b.achievement, b.organization = None, w.ent_a2
    with pytest.raises(PermissionDenied):
        services.brokering_save(u.org_a, b)


# --- outcomes and events -------------------------------------------------------------------------------


def test_an_events_outcome_counts_registered_amounts_once(brokering):
    u, d, w = brokering.users, brokering.d, brokering.world
    event = services.event_save(
        u.staff, BrokeringEvent(title="轴承产业供需对接会", kind="matchmaking", held_on=dt.date(2026, 5, 20), area=w.a)
    )
    b1 = start(u.staff, d.a_public, achievement=brokering.achievement, event=event)
    b2 = start(u.staff, d.a_public, organization=w.ent_b, event=event)
    b3 = start(u.staff, d.a_matched, organization=w.ent_b, event=event)
    services.brokering_transition(u.staff, b1, "sign", contract=brokering.contract.pk)
    services.brokering_transition(u.staff, b2, "sign", contract=brokering.contract.pk)  # the same contract
    services.brokering_transition(u.staff, b3, "sign", contract=brokering.pending.pk)  # still under review
    start(u.staff, d.a_matched, expert=brokering.expert, event=event)
    result = selectors.outcome(selectors.event_brokerings(u.staff, event))
    assert (result.total, result.signed, result.contracts) == (4, 3, 2)
    assert result.transaction_amount == Decimal("700000")  # 800,000 − 100,000; the pending one not yet
    [row] = selectors.event_list(u.staff)
    assert (row.brokering_count, row.signed_count) == (4, 3)
    assert [r.brokering_count for r in selectors.event_list(u.org_a2)] == [0]


def test_who_runs_events(brokering):
    u, w = brokering.users, brokering.world

    def event(**kw):
        return BrokeringEvent(title=kw.pop("title", "成果路演"), kind="roadshow", held_on=dt.date(2026, 6, 1), **kw)

    e = services.event_save(u.agency, event())
    assert e.organizer == brokering.agency
    with pytest.raises(PermissionDenied):
        services.event_save(u.org_a, event(title="企业自办"))
    services.event_save(u.district_a, event(title="甲区路演", area=w.a))
    with pytest.raises(PermissionDenied):
        services.event_save(u.district_a, event(title="乙区路演", area=w.b))
    refused("unknown_event_kind", services.event_save, u.staff, BrokeringEvent(title="x", kind="party", held_on=dt.date(2026, 6, 1)))
    refused("event_exists", services.event_save, u.staff, event())
    services.participant_save(u.agency, e, w.ent_a, "demand")
    services.participant_save(u.agency, e, w.ent_a, "supply", attended=False)  # the same organization: one row
    assert [(p.role, p.attended) for p in e.participants.all()] == [("supply", False)]
    refused("unknown_role", services.participant_save, u.agency, e, w.ent_b, "vip")
    with pytest.raises(PermissionDenied):
        services.participant_save(u.org_a, e, w.ent_b, "demand")
    start(u.staff, brokering.d.a_public, organization=w.ent_b, event=e)
    refused("event_has_brokerings", services.event_delete, u.agency, e)


def test_the_outcome_engine():
    out = engine.outcome(["signed", "signed", "closed", "open"], [(1, Decimal("5")), (1, Decimal("5")), (2, None)])
    assert (out.total, out.signed, out.contracts, out.transaction_amount) == (4, 2, 2, Decimal("5"))
    assert out.signed_share == pytest.approx(2 / 3)
    assert engine.outcome([], []).signed_share is None
