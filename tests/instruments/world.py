"""A small instruments world on the registry world (tests/conftest.py): an instrument of 乙企业 (ent_b) open on
weekdays 08:00–18:00 with an hourly service, the owner's user, and helpers for slots in the future."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from heluo.core.models import Role
from heluo.instruments.models import Booking, Instrument, ServiceItem
from tests.helpers import make_user


def next_weekday(days_ahead=7) -> dt.date:
    """A Monday at least `days_ahead` days from today (inside the booking horizon, before any cancellation limit)."""
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), timezone.get_current_timezone())


def make_instruments(world) -> SimpleNamespace:
    inst = Instrument.objects.create(
        owner=world.ent_b,
        asset_number="ZC-0001",
        name="场发射扫描电子显微镜",
        category="analysis",
        model_number="SU8010",
        value=Decimal("3200000"),
        opens=dt.time(8),
        closes=dt.time(18),
        operator="王工",
    )
    hidden = Instrument.objects.create(
        owner=world.ent_b,
        asset_number="ZC-0002",
        name="内部用X射线衍射仪",
        category="analysis",
        value=Decimal("900000"),
        is_published=False,
    )
    hourly = ServiceItem.objects.create(instrument=inst, name="机时", unit="hour", price=Decimal("300"))
    per_sample = ServiceItem.objects.create(instrument=inst, name="形貌测试", unit="sample", price=Decimal("200"))
    owner = make_user("owner_b", Role.ORG_USER, organization=world.ent_b)
    firm2 = make_user("org_a2", Role.ORG_USER, organization=world.ent_a2)
    return SimpleNamespace(
        inst=inst, hidden=hidden, hourly=hourly, per_sample=per_sample, owner=owner, firm=world.users.org_a, firm2=firm2, day=next_weekday()
    )


def move_to_past(booking: Booking, days: int = 3) -> Booking:
    """The slot shifted into the past (its use can then be recorded)."""
    delta = dt.timedelta(days=(booking.starts_at.date() - timezone.localdate()).days + days)
    Booking.objects.filter(pk=booking.pk).update(starts_at=booking.starts_at - delta, ends_at=booking.ends_at - delta)
    booking.refresh_from_db()
    return booking
