"""The demo's brokering: about ten events 2022–2026 with 10–40 participants each, 600–900 records on published
demands with one counterpart each, steps within their dates, every state, the signed ones linked to a registered
contract bought by the demand's enterprise; each demo account sees some; built once, removed by --reset."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from heluo.core.permissions import VIEW
from heluo.demo import accounts, generator
from heluo.demo import contracts as demo_contracts
from heluo.demo.brokering import build_demo_brokering
from heluo.market.models import Brokering, BrokeringEvent, BrokeringStep, Demand, TechnologyContract
from heluo.market.selectors import brokering as selectors
from heluo.market.services.brokering import supply_organization_id

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
PROGRAMME_ACCOUNTS = ("admin", "staff", "finance", "jianxi", "luolong", "zhongxin", "expert", "org", "provider")


@pytest.fixture
def demo():
    call_command("load_reference", city="luoyang", verbosity=0)
    call_command("demo", "--no-serve", "--size", "small", stdout=io.StringIO())


def check_the_demo_brokers_published_demands():
    today = timezone.localdate()
    records = Brokering.objects.select_related("demand", "achievement", "expert", "broker", "contract", "event")
    assert 600 <= records.count() <= 900
    by_state = dict(records.values_list("status").annotate(n=Count("pk")).order_by())
    assert set(by_state) == {"open", "negotiating", "closed", "signed"} and min(by_state.values()) > 40, by_state
    assert {k for k in ("achievement", "expert", "organization") if records.filter(**{f"{k}__isnull": False}).exists()} == {
        "achievement",
        "expert",
        "organization",
    }
    steps = {}
    for pk, kind, on, to_status, note in BrokeringStep.objects.order_by("on", "at", "pk").values_list(
        "brokering_id", "kind", "on", "to_status", "note"
    ):
        steps.setdefault(pk, []).append((on, kind, to_status, note))
    for b in records:
        assert b.demand.status == "published" and b.demand.confidentiality in ("public", "matched")
        assert sum(x is not None for x in (b.achievement_id, b.expert_id, b.organization_id)) == 1
        assert b.achievement is None or b.achievement.status == "published"
        assert b.expert is None or b.expert.active
        assert supply_organization_id(b) != b.demand.enterprise_id
        assert b.broker is None or b.broker.kind == "service_agency"
        assert timezone.localtime(b.demand.published_at).date() <= b.started_on <= today
        assert b.event is None or b.event.held_on == b.started_on
        mine = steps[b.pk]
        assert 1 <= len(mine) <= 5 and mine[0][1] == "create" and mine[0][0] == b.started_on
        assert all(b.started_on <= on <= today for on, *_ in mine)
        assert [to for *_, to, _ in mine if to][-1] == b.status  # the last transition is where it is
        if b.status == "closed":
            assert [note for _, kind, _, note in mine if kind == "close"][-1]  # closed with a reason
        if b.status == "signed":
            c = b.contract
            assert c.state == "registered" and c.registration_number and c.buyer_id == b.demand.enterprise_id
            assert c.buyer_uscc == b.demand.enterprise.uscc and c.registered_on <= today
        else:
            assert b.contract is None
    extra = records.filter(contract__isnull=False).count()
    assert TechnologyContract.objects.count() == len(demo_contracts.YEARS) * demo_contracts.PER_YEAR + extra
    assert extra < 150  # the contract figures stay close to the demo's own
    assert not records.filter(status="signed").exclude(contract__buyer_id=F("demand__enterprise_id")).exists()
    assert selectors.outcome(records).transaction_amount > 0


def check_events_and_what_each_account_sees():
    events = BrokeringEvent.objects.annotate(n=Count("participants"))
    assert 8 <= events.count() <= 12
    assert {e.held_on.year for e in events} == {2022, 2023, 2024, 2025, timezone.localdate().year}
    assert all(10 <= e.n <= 40 for e in events), [e.n for e in events]
    assert {"roadshow", "matchmaking"} <= set(events.values_list("kind", flat=True))
    assert events.filter(organizer__isnull=False).exists() and events.filter(area__isnull=False).exists()
    assert Brokering.objects.filter(event__isnull=False).count() > 20
    User = get_user_model()
    for username in PROGRAMME_ACCOUNTS:
        user = User.objects.get(username=username)
        assert selectors.brokering_list(user).exists(), username
        assert selectors.event_list(user).exists(), username
    expert = User.objects.get(username="expert")
    assert Brokering.objects.filter(expert__person_id=expert.profile.person_id).count() >= 3
    provider = User.objects.get(username="provider")
    brokered = Brokering.objects.filter(broker_id=provider.profile.organization_id, demand__confidentiality="matched")
    assert brokered.exists()
    assert set(brokered.values_list("demand_id", flat=True)) <= set(Demand.objects.restrict(provider, VIEW).values_list("pk", flat=True))
    assert build_demo_brokering(log=lambda *a: None) == {}  # built once


def check_reset_removes_them():
    generator.reset(accounts.USERNAMES)
    assert not Brokering.objects.exists() and not BrokeringEvent.objects.exists()
    assert not TechnologyContract.objects.exists()


def test_the_demo_brokering_built_once_then_reset(demo):
    """One build (a demo build is the suite's slowest part) for every check, the reset last."""
    check_the_demo_brokers_published_demands()
    check_events_and_what_each_account_sees()
    check_reset_removes_them()
