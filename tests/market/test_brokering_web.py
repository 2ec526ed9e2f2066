"""Brokering pages: each role's list and record, starting a record from a demand's page, steps and transitions
through the forms, events with participants; out-of-scope is a 404, a refusal a message or a 4xx, never a 500."""

import datetime as dt

import pytest
from django.urls import reverse

from heluo.market.models import Brokering, BrokeringEvent, EventParticipant
from heluo.market.services import brokering as services
from tests.helpers import login

from . import brokering_world
from .brokering_world import start

pytestmark = pytest.mark.django_db
market, brokering = brokering_world.market, brokering_world.brokering  # the fixtures


def page(client, user, name, *args, status=200, **query):
    response = login(client, user).get(reverse(f"market:{name}", args=args), query)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def post(client, user, name, *args, data=None, status=302):
    response = login(client, user).post(reverse(f"market:{name}", args=args), data or {})
    assert response.status_code == status, response.content[:500]
    return response


def test_lists_show_each_role_its_records(client, brokering):
    u, d, w = brokering.users, brokering.d, brokering.world
    start(u.staff, d.a_matched, achievement=brokering.achievement)
    start(u.staff, d.b_public, organization=w.ent_a2)
    html = page(client, u.staff, "brokerings")
    assert d.a_matched.title in html and d.b_public.title in html and 'id="outcome"' in html
    client.logout()
    html = page(client, u.org_a2, "brokerings")
    assert d.b_public.title in html and d.a_matched.title not in html
    client.logout()
    page(client, u.anonymous, "brokerings", status=302)


def test_a_record_out_of_scope_is_a_404_and_a_confidential_demand_stays_hidden(client, brokering):
    u, d, w = brokering.users, brokering.d, brokering.world
    b = start(u.staff, d.a_bureau, organization=w.ent_b)  # the bureau brokers a bureau-only demand with B
    page(client, u.org_a2, "brokering", b.pk, status=404)
    client.logout()
    html = page(client, u.org_b, "brokering", b.pk)  # B is the counterpart: it sees the record, not the demand
    assert d.a_bureau.title not in html
    assert "confidential demand" in html or "保密需求" in html


def test_the_demand_side_starts_from_a_suggestion_and_the_supply_side_with_itself(client, brokering):
    u, d = brokering.users, brokering.d
    html = page(client, u.org_a, "demand", d.a_public.pk)
    assert 'id="brokering"' in html
    data = {"demand": d.a_public.pk, "kind": "achievement", "id": brokering.achievement.pk}
    response = post(client, u.org_a, "brokering_start", data=data)
    b = Brokering.objects.get()
    assert response["Location"] == reverse("market:brokering", args=[b.pk])
    post(client, u.org_a, "brokering_start", data=data)  # again: refused with a message, nothing new
    assert Brokering.objects.count() == 1
    client.logout()
    html = page(client, u.org_b, "demand", d.a_public.pk)  # B may answer A's demand as itself
    assert 'name="organization"' in html and brokering.world.ent_b.uscc in html
    post(client, u.org_b, "brokering_start", data={"demand": d.a_public.pk, "organization": f"（{brokering.world.ent_b.uscc}）"})
    assert Brokering.objects.filter(organization=brokering.world.ent_b).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"demand": "x", "kind": "achievement", "id": "1"},
        {"demand": "999999999999999999999", "kind": "achievement", "id": "1"},
        {"kind": "planet", "id": "1"},
        {"kind": "achievement", "id": "not-a-number"},
        {"organization": ""},
    ],
)
def test_bad_start_requests_get_a_4xx_or_a_message(client, brokering, data):
    u, d = brokering.users, brokering.d
    data = {"demand": d.a_public.pk, **data}
    response = login(client, u.org_a).post(reverse("market:brokering_start"), data)
    assert response.status_code in (302, 400, 404)
    assert not Brokering.objects.exists()


def test_steps_and_transitions_through_the_page(client, brokering):
    u, d = brokering.users, brokering.d
    b = start(u.org_a, d.a_public, achievement=brokering.achievement)
    html = page(client, u.org_a, "brokering", b.pk)
    assert 'id="add-step"' in html and 'name="contract"' in html
    post(client, u.org_a, "brokering_step", b.pk, data={"kind": "visit", "on": dt.date.today().isoformat(), "note": "现场考察"})
    post(client, u.org_a, "brokering_step", b.pk, data={"kind": "lunch", "on": "2026-01-01"}, status=422)
    post(client, u.org_a, "brokering_step", b.pk, data={"kind": "visit", "on": "2999-01-01"}, status=422)
    post(client, u.org_a, "brokering_transition", b.pk, data={"action": "sign", "contract": brokering.other_contract.registration_number})
    b.refresh_from_db()
    assert b.status == "open"  # refused: the other contract's buyer is B
    post(client, u.org_a, "brokering_transition", b.pk, data={"action": "sign", "contract": brokering.contract.registration_number})
    b.refresh_from_db()
    assert (b.status, b.contract) == ("signed", brokering.contract)
    html = page(client, u.org_a, "brokering", b.pk)
    assert "现场考察" in html and brokering.contract.registration_number in html
    client.logout()
    post(client, u.org_a2, "brokering_step", b.pk, data={"kind": "visit", "on": "2026-01-01"}, status=404)


def test_the_edit_form_keeps_to_the_field_rule(client, brokering):
    u, d = brokering.users, brokering.d
    b = start(u.org_a, d.a_public, achievement=brokering.achievement)
    post(
        client,
        u.org_a,
        "brokering_edit",
        b.pk,
        data={"note": "交换资料", "started_on": b.started_on.isoformat(), "broker": brokering.agency.pk},
    )
    b.refresh_from_db()
    assert (b.note, b.broker) == ("交换资料", brokering.agency)
    post(client, u.org_a, "brokering_edit", b.pk, data={"started_on": "2999-01-01"}, status=422)


def test_events_pages_and_participants(client, brokering):
    u, w = brokering.users, brokering.world
    html = page(client, u.agency, "brokering_events")
    assert reverse("market:brokering_event_add") in html
    data = {"title": "新材料成果路演", "kind": "roadshow", "held_on": "2026-06-01", "place": "洛阳", "area": w.a.pk}
    response = post(client, u.agency, "brokering_event_add", data=data)
    e = BrokeringEvent.objects.get()
    assert e.organizer == brokering.agency and response["Location"] == reverse("market:brokering_event", args=[e.pk])
    post(client, u.agency, "brokering_event_add", data={**data, "kind": "party"}, status=422)
    post(
        client,
        u.agency,
        "brokering_participant_add",
        e.pk,
        data={"organization": f"（{w.ent_a.uscc}）", "role": "demand", "attended": "on"},
    )
    post(client, u.agency, "brokering_participant_add", e.pk, data={"organization": "没有这个单位", "role": "demand"}, status=422)
    row = EventParticipant.objects.get()
    html = page(client, u.agency, "brokering_event", e.pk)
    assert w.ent_a.name in html and 'id="add-participant"' in html
    client.logout()
    html = page(client, u.org_a, "brokering_event", e.pk)  # an enterprise reads the event, changes nothing
    assert 'id="add-participant"' not in html
    post(client, u.org_a, "brokering_participant_remove", e.pk, row.pk, status=404)
    page(client, u.org_a, "brokering_event_add", status=403)
    client.logout()
    post(client, u.agency, "brokering_participant_remove", e.pk, row.pk)
    assert not EventParticipant.objects.exists()
    services.brokering_save(u.staff, Brokering(demand=brokering.d.a_public, organization=w.ent_b, event=e))
    post(client, u.agency, "brokering_event_delete", e.pk)  # refused: a record was made at it
    assert BrokeringEvent.objects.exists()


def test_the_market_home_links_brokering_for_signed_in_parties(client, brokering):
    assert reverse("market:brokerings") not in page(client, None, "home")
    assert reverse("market:brokerings") in page(client, brokering.users.expert, "home")
