"""Sharing statistics of a year: per instrument and per owner, hours used, the share used by outside users and the
income — from the completed bookings the user sees — and the owners' figures the evaluation scores (all owners)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from heluo.core.permissions import VIEW

from ..engine.evaluation import Figures
from ..models import Booking, BookingStatus, Instrument, SharingEvaluation

ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=14, decimal_places=2))


def _used(qs, year):
    return qs.filter(status=BookingStatus.COMPLETED, starts_at__year=year)


def _sums():
    return {
        "hours": Coalesce(Sum("hours_used"), ZERO),
        "outside_hours": Coalesce(Sum("hours_used", filter=Q(is_outside=True)), ZERO),
        "income": Coalesce(Sum("fee"), ZERO),
        "outside_income": Coalesce(Sum("fee", filter=Q(is_outside=True)), ZERO),
        "uses": Count("pk"),
    }


def _share(row):
    row["outside_share"] = (row["outside_hours"] / row["hours"]).quantize(Decimal("0.0001")) if row["hours"] else Decimal(0)
    return row


def by_instrument(user, year: int, limit: int | None = None) -> list[dict]:
    rows = (
        _used(Booking.objects.restrict(user, VIEW), year)
        .values("instrument_id", "instrument__name", "instrument__asset_number", "instrument__owner__name")
        .annotate(**_sums())
        .order_by("-hours", "instrument_id")
    )
    return [_share(r) for r in (rows[:limit] if limit else rows)]


def by_owner(user, year: int) -> list[dict]:
    rows = (
        _used(Booking.objects.restrict(user, VIEW), year)
        .values("instrument__owner_id", "instrument__owner__name")
        .annotate(**_sums())
        .order_by("-hours", "instrument__owner_id")
    )
    return [_share(r) for r in rows]


def owner_figures(year: int) -> dict[int, Figures]:
    """Every owner's figures for the evaluation: its registered instruments (not retired) and their year's use."""
    fleet = {
        r["owner_id"]: r
        for r in Instrument.objects.exclude(status="retired").values("owner_id").annotate(n=Count("pk"), value=Coalesce(Sum("value"), ZERO))
    }
    used = {
        r["instrument__owner_id"]: r
        for r in _used(Booking.objects.all(), year).values("instrument__owner_id").annotate(**_sums()).order_by("instrument__owner_id")
    }
    figures = {}
    for owner_id, f in sorted(fleet.items()):
        u = used.get(owner_id, {})
        figures[owner_id] = Figures(
            instruments=f["n"],
            value=f["value"],
            hours=u.get("hours", Decimal(0)),
            outside_hours=u.get("outside_hours", Decimal(0)),
            income=u.get("income", Decimal(0)),
            outside_income=u.get("outside_income", Decimal(0)),
        )
    return figures


def evaluation_list(user, year: int | None = None, subsidised: bool = False):
    qs = SharingEvaluation.objects.restrict(user, VIEW).select_related("owner")
    if year:
        qs = qs.filter(year=year)
    if subsidised:
        qs = qs.filter(subsidy__gt=0)
    return qs


def evaluation_years(user) -> list[int]:
    return sorted(set(SharingEvaluation.objects.restrict(user, VIEW).values_list("year", flat=True)), reverse=True)
