"""The bookings a user sees: a firm its own, an owner its instruments', district staff their areas' owners', the
bureau all."""

from __future__ import annotations

from heluo.core.permissions import VIEW, scope_for

from ..models import Booking, BookingEvent


def booking_list(user, status: str = "", instrument: int | None = None, mine: bool = False, year: int | None = None):
    qs = Booking.objects.restrict(user, VIEW).select_related("instrument", "instrument__owner", "booker", "service")
    if status:
        qs = qs.filter(status=status)
    if instrument:
        qs = qs.filter(instrument_id=instrument)
    if mine:
        qs = qs.filter(booker_id=scope_for(user).organization_id)
    if year:
        qs = qs.filter(starts_at__year=year)
    return qs.order_by("-starts_at", "-pk")


def booking_get(user, pk) -> Booking:
    return Booking.objects.restrict(user, VIEW).select_related("instrument", "instrument__owner", "booker", "service").get(pk=pk)


def events(user, booking: Booking):
    return BookingEvent.objects.restrict(user, VIEW).filter(booking=booking)
