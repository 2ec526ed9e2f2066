"""Instruments: everyone lists the published ones (filters: q, category, status, area code, owner id); an owner's
user registers and edits its own, the bureau anyone's; service items with prices; an instrument's calendar (the
active bookings' slots, bookers named only to whoever may see the booking)."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from heluo.api.auth import OPEN, caller, writer
from heluo.api.common import READ, WRITE, paged, visible
from heluo.orgs.models import Organization

from ..models import Instrument, InstrumentStatus, ServiceUnit
from ..selectors import instruments as selectors
from ..services import instruments as services

router = Router(tags=["shared instruments"])


class ServiceOut(Schema):
    id: int
    name: str
    unit: ServiceUnit
    price: Decimal


class InstrumentOut(Schema):
    id: int
    owner_id: int
    owner: str
    asset_number: str
    name: str
    category: str
    model_number: str
    manufacturer: str
    value: Decimal
    purchased_on: dt.date | None
    location: str
    status: InstrumentStatus
    open_weekdays: str
    opens: dt.time | None
    closes: dt.time | None
    operator: str
    contact: str
    description: str
    is_published: bool
    services: list[ServiceOut]

    @staticmethod
    def resolve_owner(obj):
        return obj.owner.name

    @staticmethod
    def resolve_services(obj):
        return list(obj.services.all())


class InstrumentIn(Schema):
    owner: int | None = Field(None, ge=1, le=2**31 - 1, description="The bureau names the owner; an owner's user registers its own.")
    asset_number: str = Field(..., min_length=1, max_length=60)
    name: str = Field(..., min_length=1, max_length=200)
    category: str = Field(..., max_length=20)
    model_number: str = Field("", max_length=120)
    manufacturer: str = Field("", max_length=200)
    value: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    purchased_on: dt.date | None = None
    location: str = Field("", max_length=200)
    status: InstrumentStatus = InstrumentStatus.IN_SERVICE
    open_weekdays: str = Field("12345", max_length=7)
    opens: dt.time | None = None
    closes: dt.time | None = None
    operator: str = Field("", max_length=100)
    contact: str = Field("", max_length=100)
    description: str = Field("", max_length=5000)
    is_published: bool = True


class ServiceIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    unit: ServiceUnit
    price: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)


class SlotOut(Schema):
    id: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    booker: str | None


class DayOut(Schema):
    day: dt.date
    open: bool
    slots: list[SlotOut]


@router.get("/instruments", response=list[InstrumentOut], **OPEN)
@paged
def list_instruments(request, q: str = "", category: str = "", status: str = "", area: str = "", owner: int | None = None):
    return selectors.instrument_list(caller(request), q, category, status, area, owner).prefetch_related("services")


@router.get("/instruments/{int:id}", response={200: InstrumentOut, **READ}, **OPEN)
def get_instrument(request, id: int):
    return selectors.instrument_get(caller(request), id)


@router.get("/instruments/{int:id}/calendar", response={200: list[DayOut], **READ}, **OPEN)
def instrument_calendar(request, id: int, start: dt.date | None = None, days: int = Query(7, ge=1, le=62)):
    user = caller(request)
    return selectors.calendar(user, selectors.instrument_get(user, id), start or timezone.localdate(), days)


@router.post("/instruments", response={201: InstrumentOut, **WRITE})
def create_instrument(request, payload: InstrumentIn):
    user = writer(request)
    data = payload.model_dump()
    owner = visible(Organization, user, data.pop("owner"), "owner")
    return Status(201, services.instrument_save(user, Instrument(**data), owner=owner))


@router.put("/instruments/{int:id}", response={200: InstrumentOut, **WRITE})
def update_instrument(request, id: int, payload: InstrumentIn):
    user = writer(request)
    inst = selectors.instrument_get(user, id)
    data = payload.model_dump()
    data.pop("owner")
    for key, value in data.items():
        setattr(inst, key, value)
    return services.instrument_save(user, inst)


@router.post("/instruments/{int:id}/services", response={200: ServiceOut, **WRITE})
def set_service(request, id: int, payload: ServiceIn):
    user = writer(request)
    return services.service_save(user, selectors.instrument_get(user, id), payload.name, payload.unit, payload.price)
