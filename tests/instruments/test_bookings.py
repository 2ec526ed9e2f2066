"""Booking through the service: the slot rules, no overlap, approval by the owner, the cancellation rule, the use
recorded, each step an event, and who sees what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from heluo.core.i18n import Refusal
from heluo.core.permissions import VIEW
from heluo.instruments.models import Booking, BookingEvent, Instrument
from heluo.instruments.selectors import instruments as selectors
from heluo.instruments.selectors import statistics
from heluo.instruments.services import bookings as services

from .world import at, move_to_past

pytestmark = pytest.mark.django_db


def refused(fn, *args, **kwargs) -> Refusal:
    with pytest.raises(Refusal) as exc:
        fn(*args, **kwargs)
    assert exc.value.zh and exc.value.en and exc.value.zh != exc.value.en
    return exc.value


def test_a_firm_books_and_no_active_booking_overlaps_another(world, iw):
    b = services.book(iw.firm, iw.inst, at(iw.day, 9), at(iw.day, 11), service=iw.hourly, purpose="断口形貌")
    assert (b.status, b.is_outside, b.booker) == ("requested", True, world.ent_a)
    e = refused(services.book, iw.firm2, iw.inst, at(iw.day, 10), at(iw.day, 12))
    assert (e.reason_code, e.status) == ("slot_taken", 409)
    services.book(iw.firm2, iw.inst, at(iw.day, 11), at(iw.day, 12))  # touching is not overlapping
    assert refused(services.book, iw.firm2, iw.inst, at(iw.day, 7), at(iw.day, 9)).status == 422  # before opening
    assert refused(services.book, iw.firm2, iw.inst, at(iw.day, 13), at(iw.day, 12)).reason_code == "slot_order"
    services.transition(iw.firm, b, "cancel")
    services.book(iw.firm2, iw.inst, at(iw.day, 10), at(iw.day, 11))  # a cancelled booking frees its slot
    assert list(BookingEvent.objects.filter(booking=b).values_list("transition", flat=True)) == ["request", "cancel"]


def test_who_may_book(world, iw):
    with pytest.raises(PermissionDenied):
        services.book(world.users.staff, iw.inst, at(iw.day, 9), at(iw.day, 10))
    with pytest.raises(Instrument.DoesNotExist):  # an unpublished instrument of another owner is not there for the firm
        services.book(iw.firm, iw.hidden, at(iw.day, 9), at(iw.day, 10))
    iw.inst.status = "maintenance"
    iw.inst.save()
    assert refused(services.book, iw.firm, iw.inst, at(iw.day, 9), at(iw.day, 10)).reason_code == "not_in_service"
    own = services.book(iw.owner, iw.hidden, at(iw.day, 9), at(iw.day, 10))
    assert own.is_outside is False


def test_the_owner_approves_or_rejects_with_a_reason(world, iw):
    b = services.book(iw.firm, iw.inst, at(iw.day, 9), at(iw.day, 10))
    with pytest.raises(PermissionDenied):
        services.transition(iw.firm, b, "approve")
    assert refused(services.transition, iw.owner, b, "reject").status == 422  # a reason is required
    assert refused(services.transition, iw.owner, b, "fly").reason_code == "unknown_action"
    b = services.transition(iw.owner, b, "approve")
    assert refused(services.transition, iw.owner, b, "approve").status == 409
    assert services.available_actions(iw.firm, b) == ["cancel"]
    assert "complete" in services.available_actions(iw.owner, b)
    other = services.book(iw.firm, iw.inst, at(iw.day, 10), at(iw.day, 11))
    assert services.transition(iw.owner, other, "reject", "样品不符合要求").status == "rejected"
    assert selectors.queue(iw.owner).count() == 0


def test_cancellation_rule_late_only_the_owner_with_a_reason(world, iw):
    soon = timezone.localdate() + dt.timedelta(days=1)
    while soon.weekday() >= 5:
        soon += dt.timedelta(days=1)
    b = services.book(iw.firm, iw.inst, at(soon, 9), at(soon, 10))
    Booking.objects.filter(pk=b.pk).update(starts_at=timezone.now() + dt.timedelta(hours=2), ends_at=timezone.now() + dt.timedelta(hours=3))
    e = refused(services.transition, iw.firm, b, "cancel")
    assert (e.reason_code, e.status) == ("late_cancellation", 409)
    assert refused(services.transition, iw.owner, b, "cancel").status == 422
    assert services.transition(iw.owner, b, "cancel", "设备故障").status == "cancelled"


def test_use_recorded_with_the_fee_from_the_price(world, iw):
    b = services.book(iw.firm, iw.inst, at(iw.day, 9), at(iw.day, 11), service=iw.hourly)
    services.transition(iw.owner, b, "approve")
    assert refused(services.record_use, iw.owner, b).reason_code == "not_started"
    b = move_to_past(b)
    with pytest.raises(PermissionDenied):
        services.record_use(iw.firm, b)
    assert refused(services.record_use, iw.owner, b, hours=Decimal("3")).status == 422
    done = services.record_use(iw.owner, b, hours=Decimal("1.5"), samples=2)
    assert (done.status, done.hours_used, done.fee) == ("completed", Decimal("1.5"), Decimal("450.00"))
    sample = services.book(iw.firm2, iw.inst, at(iw.day, 9), at(iw.day, 10), service=iw.per_sample)  # its old slot is free again
    services.transition(iw.owner, sample, "approve")
    sample = services.record_use(iw.owner, move_to_past(sample, 10), samples=3)
    assert sample.fee == Decimal("600.00")
    mine = services.book(iw.owner, iw.inst, at(iw.day, 13), at(iw.day, 14))
    services.transition(iw.owner, mine, "approve")
    services.record_use(iw.owner, move_to_past(mine), fee=Decimal("0"))
    years = {b.starts_at.year for b in Booking.objects.all()}
    rows = [r for y in years for r in statistics.by_owner(world.users.staff, y)]
    assert sum(r["hours"] for r in rows) == Decimal("3.5") and sum(r["outside_hours"] for r in rows) == Decimal("2.5")
    assert sum(r["income"] for r in rows) == Decimal("1050.00")


def test_who_sees_which_bookings(world, iw):
    b = services.book(iw.firm, iw.inst, at(iw.day, 9), at(iw.day, 10))
    services.book(iw.firm2, iw.inst, at(iw.day, 10), at(iw.day, 11))
    assert set(Booking.objects.restrict(iw.firm, VIEW)) == {b}
    assert Booking.objects.restrict(iw.owner, VIEW).count() == 2
    assert Booking.objects.restrict(world.users.staff, VIEW).count() == 2
    assert Booking.objects.restrict(world.users.district_a, VIEW).count() == 0  # the owner is in 洛龙区
    assert Booking.objects.restrict(None, VIEW).count() == 0
    days = selectors.calendar(None, iw.inst, iw.day, 1)
    assert [(s["booker"], s["id"]) for s in days[0]["slots"]] == [(None, None), (None, None)]  # the public: slots only
    shown = selectors.calendar(iw.firm, iw.inst, iw.day, 1)[0]["slots"]
    assert [s["booker"] for s in shown] == [world.ent_a.name, None]
    assert set(Instrument.objects.restrict(None, VIEW)) == {iw.inst}
    assert set(Instrument.objects.restrict(iw.owner, VIEW)) == {iw.inst, iw.hidden}
