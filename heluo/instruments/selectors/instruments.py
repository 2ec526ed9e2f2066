"""The instruments a user sees, filtered; an instrument's calendar of bookings (bookers named only to whoever may
see the booking); the owners' approval queue."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from heluo.core.models import Role
from heluo.core.permissions import CHANGE, VIEW, scope_for

from ..models import ACTIVE, Booking, BookingStatus, Instrument


def published_count(user) -> int:
    return Instrument.objects.restrict(user, VIEW).count()


def instrument_list(user, q: str = "", category: str = "", status: str = "", area: str = "", owner: int | None = None):
    qs = Instrument.objects.restrict(user, VIEW).select_related("owner", "owner__area")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(model_number__icontains=q) | Q(owner__name__icontains=q) | Q(asset_number__iexact=q))
    if category:
        qs = qs.filter(category=category)
    if status:
        qs = qs.filter(status=status)
    if area:
        qs = qs.filter(owner__area__code__startswith=area.rstrip("0") or area)
    if owner:
        qs = qs.filter(owner_id=owner)
    return qs


def instrument_get(user, pk) -> Instrument:
    return Instrument.objects.restrict(user, VIEW).select_related("owner", "owner__area").get(pk=pk)


def may_change(user, instrument: Instrument) -> bool:
    return Instrument.objects.restrict(user, CHANGE).filter(pk=instrument.pk).exists()


def calendar(user, instrument: Instrument, start: dt.date, days: int = 7) -> list[dict]:
    """The active bookings day by day from `start`: each slot's times and state; its booker only where the user
    may see that booking."""
    tz = timezone.get_current_timezone()
    begin = dt.datetime.combine(start, dt.time(0), tz)
    end = begin + dt.timedelta(days=days)
    slots = list(
        Booking.objects.filter(instrument=instrument, status__in=ACTIVE, starts_at__lt=end, ends_at__gt=begin)
        .select_related("booker")
        .order_by("starts_at")
    )
    seen = set(Booking.objects.restrict(user, VIEW).filter(pk__in=[b.pk for b in slots]).values_list("pk", flat=True))
    out = []
    for i in range(days):
        day = start + dt.timedelta(days=i)
        day_begin = dt.datetime.combine(day, dt.time(0), tz)
        day_end = day_begin + dt.timedelta(days=1)
        shown = [
            {
                "id": b.pk if b.pk in seen else None,
                "starts_at": b.starts_at,
                "ends_at": b.ends_at,
                "status": b.status,
                "status_label": b.get_status_display(),
                "booker": b.booker.name if b.pk in seen else None,
            }
            for b in slots
            if b.starts_at < day_end and b.ends_at > day_begin
        ]
        out.append({"day": day, "open": str(day.isoweekday()) in (instrument.open_weekdays or ""), "slots": shown})
    return out


def queue(user):
    """Requested bookings of the instruments the user manages, oldest first."""
    managed = Instrument.objects.restrict(user, CHANGE)
    scope = scope_for(user)
    qs = Booking.objects.filter(status=BookingStatus.REQUESTED).select_related("instrument", "booker").order_by("created", "pk")
    return qs if scope.is_bureau else qs.filter(instrument__in=managed)


def queue_count(user) -> int | None:
    scope = scope_for(user)
    if not (scope.is_bureau or (scope.role == Role.ORG_USER and scope.organization_id)):
        return None
    return queue(user).count() or None
