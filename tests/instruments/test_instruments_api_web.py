"""The API (every list and action, refusals as bilingual 4xx) and the pages (list with filters, an instrument's
calendar, the booking form, the owner's queue, statistics and the evaluation) for each role."""

from decimal import Decimal

import pytest
from django.urls import reverse

from heluo.instruments.models import Booking
from heluo.instruments.services import bookings as services
from tests.helpers import Api, login

from .world import at, move_to_past

pytestmark = pytest.mark.django_db


def test_the_api_lists_books_steps_and_refuses(client, world, iw, token_for):
    public = Api(client)
    listed = public.get("instruments").json()
    assert [i["asset_number"] for i in listed["items"]] == ["ZC-0001"] and listed["items"][0]["services"]
    assert public.get("instruments", category="physical").json()["count"] == 0
    firm, owner = Api(client, token_for(iw.firm)), Api(client, token_for(iw.owner))
    body = {"starts_at": at(iw.day, 9).isoformat(), "ends_at": at(iw.day, 10).isoformat(), "service": iw.hourly.pk, "purpose": "测试"}
    made = firm.post(f"instruments/{iw.inst.pk}/bookings", body)
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    again = Api(client, token_for(iw.firm2)).post(f"instruments/{iw.inst.pk}/bookings", body)
    detail = again.json()["detail"][0]
    assert again.status_code == 409 and detail["code"] == "slot_taken" and detail["zh"] and detail["en"]
    closed = firm.post(f"instruments/{iw.inst.pk}/bookings", {**body, "starts_at": at(iw.day, 6).isoformat()})
    assert closed.status_code == 422
    assert public.post(f"instruments/{iw.inst.pk}/bookings", body).status_code == 401
    calendar = public.get(f"instruments/{iw.inst.pk}/calendar", start=iw.day.isoformat(), days=1).json()
    assert calendar[0]["slots"][0]["booker"] is None
    assert [b["id"] for b in owner.get("instrument-bookings/queue").json()["items"]] == [pk]
    assert firm.post(f"instrument-bookings/{pk}/approve").status_code == 403
    assert owner.post(f"instrument-bookings/{pk}/reject", {}).status_code == 422
    assert owner.post(f"instrument-bookings/{pk}/approve").json()["status"] == "approved"
    move_to_past(Booking.objects.get(pk=pk))
    used = owner.post(f"instrument-bookings/{pk}/use", {"samples": 1})
    assert used.status_code == 200 and used.json()["fee"] == "300.00"
    assert [e["transition"] for e in firm.get(f"instrument-bookings/{pk}/events").json()] == ["request", "approve", "complete"]
    assert firm.get("instrument-bookings", mine=True).json()["count"] == 1
    assert public.get("instrument-bookings").status_code == 401
    year = Booking.objects.get(pk=pk).starts_at.year
    assert Decimal(owner.get("instrument-stats/owners", year=year).json()["items"][0]["hours"]) == 1
    assert Decimal(owner.get("instrument-stats/instruments", year=year).json()["items"][0]["income"]) == 300
    staff = Api(client, token_for(world.users.staff))
    assert owner.post("instrument-evaluations", {"year": year}).status_code == 403
    assert staff.post("instrument-evaluations", {"year": year}).status_code == 200
    assert owner.get("instrument-evaluations", year=year).json()["count"] == 1
    assert staff.get("instrument-evaluations/scheme").json()["example"] is True


def test_the_api_registers_and_edits_an_owners_instrument(client, world, iw, token_for):
    owner = Api(client, token_for(iw.owner))
    body = {"asset_number": "ZC-7", "name": "气相色谱仪", "category": "analysis", "value": "650000", "opens": "08:00", "closes": "17:00"}
    made = owner.post("instruments", body)
    assert made.status_code == 201 and made.json()["owner_id"] == world.ent_b.pk
    assert owner.post("instruments", body).status_code == 409
    assert owner.post("instruments", {**body, "asset_number": "ZC-8", "category": "telescope"}).status_code == 422
    assert owner.post("instruments", {**body, "asset_number": "ZC-8", "opens": "18:00"}).status_code == 422
    pk = made.json()["id"]
    assert owner.put(f"instruments/{pk}", {**body, "status": "maintenance"}).json()["status"] == "maintenance"
    assert Api(client, token_for(iw.firm)).put(f"instruments/{pk}", body).status_code in (403, 404)
    assert owner.post(f"instruments/{pk}/services", {"name": "机时", "unit": "hour", "price": "200"}).status_code == 200
    assert Api(client, token_for(world.users.staff)).post("instruments", body).status_code == 422  # the bureau names the owner


def test_pages_for_each_role(client, world, iw):
    b = services.book(iw.firm, iw.inst, at(iw.day, 9), at(iw.day, 10))
    page = client.get(reverse("instruments:list"), {"category": "analysis"})
    assert page.status_code == 200 and iw.inst.name in page.content.decode()
    detail = client.get(reverse("instruments:detail", args=[iw.inst.pk]), {"start": iw.day.isoformat()}).content.decode()
    assert "09:00–10:00" in detail and world.ent_a.name not in detail  # the public sees the slot, not the booker
    assert client.get(reverse("instruments:detail", args=[iw.hidden.pk])).status_code == 404
    login(client, iw.firm)
    form = client.post(
        reverse("instruments:book", args=[iw.inst.pk]),
        {"day": iw.day.isoformat(), "starts": "09:30", "ends": "10:30", "samples_planned": 0},
    )
    assert form.status_code == 409
    done = client.post(
        reverse("instruments:book", args=[iw.inst.pk]),
        {"day": iw.day.isoformat(), "starts": "10:00", "ends": "11:00", "samples_planned": 0},
    )
    assert done.status_code == 302
    assert client.get(reverse("instruments:bookings")).status_code == 200
    client.logout()
    login(client, iw.owner)
    queue = client.get(reverse("instruments:queue")).content.decode()
    assert world.ent_a.name in queue
    client.post(reverse("instruments:booking_step", args=[b.pk, "approve"]), {"next": "queue"})
    assert Booking.objects.get(pk=b.pk).status == "approved"
    assert client.get(reverse("instruments:booking", args=[b.pk])).status_code == 200
    assert client.get(reverse("instruments:statistics")).status_code == 200
    assert client.get(reverse("instruments:evaluations")).status_code == 200
    client.logout()
    login(client, world.users.staff)
    assert client.post(reverse("instruments:evaluations"), {"year": 2025}).status_code == 302
    client.logout()
    login(client, world.users.district_a)
    assert client.get(reverse("instruments:booking", args=[b.pk])).status_code == 404  # another district's owner
