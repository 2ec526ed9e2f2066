"""A booking's slot checked against the instrument's open hours and the rules, and the cancellation rule. Times
are naive local wall-clock datetimes (the service converts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Problem:
    code: str
    zh: str
    en: str
    field: str = "starts_at"


@dataclass(frozen=True)
class OpenHours:
    weekdays: str  # ISO weekdays open, e.g. "12345"
    opens: dt.time | None
    closes: dt.time | None


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    """Half-open slots [start, end): one ending as the next begins does not overlap it."""
    return a_start < b_end and b_start < a_end


def slot_problem(start: dt.datetime, end: dt.datetime, now: dt.datetime, hours: OpenHours, max_hours: int, horizon_days: int):
    """The first reason the slot cannot be booked, or None."""
    if end <= start:
        return Problem("slot_order", "结束时间须晚于开始时间", "The end must be after the start.", "ends_at")
    if start < now:
        return Problem("slot_past", "不能预约已经过去的时间", "A slot in the past cannot be booked.")
    if start - now > dt.timedelta(days=horizon_days):
        return Problem("slot_too_far", f"最多提前{horizon_days}天预约", f"Bookings open at most {horizon_days} days ahead.")
    if end - start > dt.timedelta(hours=max_hours):
        return Problem("slot_too_long", f"一次预约最长{max_hours}小时", f"A booking lasts at most {max_hours} hours.", "ends_at")
    if hours.opens is not None and hours.closes is not None:
        same_day = start.date() == end.date() or (end.time() == dt.time(0) and end.date() == start.date() + dt.timedelta(days=1))
        if not same_day or start.time() < hours.opens or (end.time() > hours.closes or end.time() == dt.time(0)):
            return Problem(
                "slot_closed",
                f"须在开放时间内（{hours.opens:%H:%M}–{hours.closes:%H:%M}，同一天）",
                f"The slot must lie within the open hours ({hours.opens:%H:%M}–{hours.closes:%H:%M}, one day).",
            )
    days = set(hours.weekdays or "")
    if days and str(start.isoweekday()) not in days:
        return Problem("slot_closed_day", "该日不开放", "The instrument is not open on that day.")
    return None


def free_cancellation(start: dt.datetime, now: dt.datetime, hours_before: int) -> bool:
    """May the booker still cancel without the owner (up to `hours_before` hours before the start)?"""
    return now <= start - dt.timedelta(hours=hours_before)


def hours_of(start: dt.datetime, end: dt.datetime) -> Decimal:
    return (Decimal((end - start).total_seconds()) / 3600).quantize(Decimal("0.01"))


def estimated_fee(unit: str, price: Decimal, hours: Decimal, samples: int) -> Decimal:
    """The fee a service item's price gives: per hour or per sample."""
    amount = price * (Decimal(samples) if unit == "sample" else hours)
    return amount.quantize(Decimal("0.01"))
