"""Bookings: a firm's user books a slot (``POST /instruments/{id}/bookings``: 409 when it overlaps an active
booking, 422 outside the open hours or the rules); the owner approves or rejects (with a reason), either cancels
(the booker until the free-cancellation limit of data/rules.json), the owner records the use (hours, samples, fee).
Lists: the caller's scope (a firm its own, an owner its instruments', district staff their areas', the bureau all);
``/instrument-bookings/queue`` the requests waiting for the caller's approval."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from heluo.api.auth import caller, writer
from heluo.api.common import READ, WRITE, paged
from heluo.core.i18n import Refusal

from ..models import BookingStatus, ServiceItem
from ..selectors import bookings as selectors
from ..selectors import instruments as instrument_selectors
from ..services import bookings as services

router = Router(tags=["shared instruments: bookings"])


class BookingOut(Schema):
    id: int
    instrument_id: int
    instrument: str
    owner: str
    booker_id: int
    booker: str
    service_id: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    purpose: str
    samples_planned: int
    status: BookingStatus
    is_outside: bool
    hours_used: Decimal | None
    samples: int | None
    fee: Decimal | None
    created: dt.datetime

    @staticmethod
    def resolve_instrument(obj):
        return obj.instrument.name

    @staticmethod
    def resolve_owner(obj):
        return obj.instrument.owner.name

    @staticmethod
    def resolve_booker(obj):
        return obj.booker.name


class BookingIn(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    service: int | None = Field(None, ge=1, le=2**31 - 1)
    purpose: str = Field("", max_length=500)
    samples_planned: int = Field(0, ge=0, le=100000)


class StepIn(Schema):
    reason: str = Field("", max_length=2000)


class UseIn(Schema):
    hours: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)
    samples: int = Field(0, ge=0, le=1000000)
    fee: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)


class EventOut(Schema):
    transition: str
    from_status: str
    to_status: str
    reason: str
    actor_name: str
    at: dt.datetime


@router.get("/instrument-bookings", response=list[BookingOut])
@paged
def list_bookings(
    request, status: str = "", instrument: int | None = None, mine: bool = False, year: int | None = Query(None, ge=2000, le=2100)
):
    return selectors.booking_list(caller(request), status, instrument, mine, year)


@router.get("/instrument-bookings/queue", response=list[BookingOut])
@paged
def approval_queue(request):
    return instrument_selectors.queue(caller(request)).select_related("instrument__owner")


@router.get("/instrument-bookings/{int:id}", response={200: BookingOut, **READ})
def get_booking(request, id: int):
    return selectors.booking_get(caller(request), id)


@router.get("/instrument-bookings/{int:id}/events", response={200: list[EventOut], **READ})
def booking_events(request, id: int):
    user = caller(request)
    return list(selectors.events(user, selectors.booking_get(user, id)))


@router.post("/instruments/{int:id}/bookings", response={201: BookingOut, **WRITE})
def book(request, id: int, payload: BookingIn):
    user = writer(request)
    inst = instrument_selectors.instrument_get(user, id)
    service = None
    if payload.service:
        service = ServiceItem.objects.filter(pk=payload.service, instrument=inst).first()
        if service is None:
            raise Refusal("service", "该仪器没有这个服务项目", "The instrument has no such service.", 422, "service")
    return Status(
        201,
        services.book(
            user,
            inst,
            payload.starts_at,
            payload.ends_at,
            service=service,
            purpose=payload.purpose,
            samples_planned=payload.samples_planned,
        ),
    )


@router.post("/instrument-bookings/{int:id}/use", response={200: BookingOut, **WRITE})
def record_use(request, id: int, payload: UseIn):
    user = writer(request)
    return services.record_use(user, selectors.booking_get(user, id), payload.hours, payload.samples, payload.fee)


@router.post("/instrument-bookings/{int:id}/{action}", response={200: BookingOut, **WRITE})
def booking_step(request, id: int, action: str, payload: StepIn | None = None):
    """``approve``, ``reject`` (reason required), ``cancel``."""
    user = writer(request)
    return services.transition(user, selectors.booking_get(user, id), action, payload.reason if payload else "")
