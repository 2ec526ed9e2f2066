"""Bookings: a firm books a slot, the owner approves or rejects it, either cancels it under the cancellation rule
(data/rules.json), the owner records the use. Every step follows data/workflows/booking.json and is an event.

Overlaps: the booking is written inside a transaction holding the instrument's row (SELECT … FOR UPDATE), after
checking the active bookings again, so concurrent requests for one instrument take turns; on PostgreSQL the
exclusion constraint refuses an overlap whatever the path (its error becomes the same refusal)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from heluo.core import audit
from heluo.core.i18n import Refusal
from heluo.core.models import Role
from heluo.core.permissions import VIEW, scope_for

from ..engine import rules, slots
from ..models import ACTIVE, Booking, BookingEvent, BookingStatus, Instrument, InstrumentStatus, ServiceItem
from .instruments import forbidden

OWNER, BOOKER = "owner", "booker"


def parties(user, booking: Booking) -> frozenset[str]:
    scope = scope_for(user)
    found = set()
    if scope.is_bureau or (scope.organization_id and scope.organization_id == booking.instrument.owner_id):
        found.add(OWNER)
    if scope.role == Role.ORG_USER and scope.organization_id == booking.booker_id:
        found.add(BOOKER)
    return frozenset(found)


def available_actions(user, booking: Booking) -> list[str]:
    return [t.name for t in rules.booking_workflow().available(booking.status, parties(user, booking))]


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value).replace(tzinfo=None)


def overlap_refusal() -> Refusal:
    return Refusal("slot_taken", "该时段已被预约（与其他预约重叠）", "The slot is taken: it overlaps another booking.", 409, "starts_at")


def _event(user, booking, action, before, reason=""):
    BookingEvent.objects.create(
        booking=booking, transition=action, from_status=before, to_status=booking.status, reason=reason, **BookingEvent.by(user)
    )


def book(
    user,
    instrument: Instrument | int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    *,
    service: ServiceItem | None = None,
    purpose: str = "",
    samples_planned: int = 0,
) -> Booking:
    """A firm's user books a slot of a published (or its own) instrument in service."""
    scope = scope_for(user)
    if scope.role != Role.ORG_USER or not scope.organization_id:
        raise forbidden("只有企业等单位用户可以预约仪器", "Only an organization's user may book an instrument.")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        starts_at, ends_at = timezone.make_aware(starts_at), timezone.make_aware(ends_at)
    pk = instrument.pk if isinstance(instrument, Instrument) else instrument
    with transaction.atomic():
        # the instrument's row held until the booking is written: bookings of one instrument take turns
        inst = Instrument.objects.restrict(user, VIEW).select_for_update(of=("self",)).get(pk=pk)
        if inst.status != InstrumentStatus.IN_SERVICE:
            raise Refusal("not_in_service", "该仪器当前不在服务中，不能预约", "The instrument is not in service: it cannot be booked.", 409)
        if service is not None and service.instrument_id != inst.pk:
            raise Refusal("service_other_instrument", "服务项目不属于该仪器", "The service is not this instrument's.", 422, "service")
        hours = slots.OpenHours(inst.open_weekdays, inst.opens, inst.closes)
        problem = slots.slot_problem(
            _local(starts_at),
            _local(ends_at),
            _local(timezone.now()),
            hours,
            rules.rule("max_booking_hours"),
            rules.rule("booking_horizon_days"),
        )
        if problem is not None:
            raise Refusal(problem.code, problem.zh, problem.en, 422, problem.field)
        taken = Booking.objects.filter(instrument=inst, status__in=ACTIVE, starts_at__lt=ends_at, ends_at__gt=starts_at)
        if taken.exists():
            raise overlap_refusal()
        booking = Booking(
            instrument=inst,
            booker_id=scope.organization_id,
            booked_by=user if getattr(user, "pk", None) else None,
            service=service,
            starts_at=starts_at,
            ends_at=ends_at,
            purpose=(purpose or "").strip()[:500],
            samples_planned=max(0, int(samples_planned or 0)),
            is_outside=scope.organization_id != inst.owner_id,
        )
        try:
            with transaction.atomic():
                booking.save()
        except IntegrityError:  # PostgreSQL's exclusion constraint: an overlap written past the lock
            raise overlap_refusal() from None
        _event(user, booking, "request", "")
    return booking


def _locked(user, booking: Booking | int) -> Booking:
    pk = booking.pk if isinstance(booking, Booking) else booking
    return Booking.objects.restrict(user, VIEW).select_for_update(of=("self",)).select_related("instrument").get(pk=pk)


def transition(user, booking: Booking | int, action: str, reason: str = "") -> Booking:
    """approve, reject (with a reason) or cancel. The booker cancels until the free-cancellation limit; after it
    only the owner does, with a reason."""
    reason = (reason or "").strip()[:2000]
    wf = rules.booking_workflow()
    if action not in wf.transitions or action == "complete":
        raise Refusal("unknown_action", f"未知的操作“{action}”", f"Unknown action '{action}'.", 422, "action")
    with transaction.atomic():
        b = _locked(user, booking)
        who = parties(user, b)
        denial = wf.check(b.status, action, who, reason)
        if denial is not None and denial.code == "not_allowed":
            raise forbidden(denial.zh, denial.en)
        if denial is not None:
            status = 422 if denial.code == "reason_required" else 409
            raise Refusal(denial.code, denial.zh, denial.en, status, "reason" if status == 422 else None)
        if action == "cancel" and OWNER not in who:
            limit = rules.rule("free_cancellation_hours_before")
            if not slots.free_cancellation(b.starts_at, timezone.now(), limit):
                raise Refusal(
                    "late_cancellation",
                    f"开始前{limit}小时内不能自行取消，请联系仪器管理单位",
                    f"Within {limit} hours of the start you cannot cancel yourself: ask the instrument's owner.",
                    409,
                )
        if action == "cancel" and OWNER in who and BOOKER not in who and not reason:
            raise Refusal(
                "reason_required", "管理单位取消预约须填写理由", "A reason is required to cancel someone's booking.", 422, "reason"
            )
        audit.known_before(b)
        before = b.status
        b.status = wf.transitions[action].target
        b.save(update_fields=["status"])
        _event(user, b, action, before, reason)
    return b


def record_use(user, booking: Booking | int, hours: Decimal | None = None, samples: int = 0, fee: Decimal | None = None) -> Booking:
    """The owner records the use of an approved booking: hours (default: the slot's), samples and the fee (default:
    the service item's price for them)."""
    wf = rules.booking_workflow()
    with transaction.atomic():
        b = _locked(user, booking)
        denial = wf.check(b.status, "complete", parties(user, b))
        if denial is not None and denial.code == "not_allowed":
            raise forbidden(denial.zh, denial.en)
        if denial is not None:
            raise Refusal(denial.code, denial.zh, denial.en, 409)
        if b.starts_at > timezone.now():
            raise Refusal(
                "not_started", "预约时段尚未开始，不能记录使用情况", "The slot has not begun: its use cannot be recorded yet.", 409
            )
        slot_hours = slots.hours_of(b.starts_at, b.ends_at)
        hours = slot_hours if hours is None else Decimal(hours)
        if hours < 0 or hours > slot_hours:
            raise Refusal("hours", f"使用机时须在0到{slot_hours}小时之间", f"Hours used must be between 0 and {slot_hours}.", 422, "hours")
        if samples is None or samples < 0:
            raise Refusal("samples", "样品数须为非负整数", "Samples must be a whole number, not negative.", 422, "samples")
        if fee is None:
            fee = slots.estimated_fee(b.service.unit, b.service.price, hours, samples) if b.service_id else Decimal(0)
        if fee < 0:
            raise Refusal("fee", "费用须为非负数", "The fee must not be negative.", 422, "fee")
        audit.known_before(b)
        before = b.status
        b.status, b.hours_used, b.samples, b.fee = BookingStatus.COMPLETED, hours, samples, Decimal(fee).quantize(Decimal("0.01"))
        b.save(update_fields=["status", "hours_used", "samples", "fee"])
        _event(user, b, "complete", before)
    return b
