"""The incubation chain: the stages with their carriers and outcomes (``GET /incubation/chain``), carriers (a registry
platform put on the chain at a stage: ``POST /incubation/carriers``, staff), the firms they incubate (admission,
graduation — checked against the criteria, refused with each criterion explained —, moving on, exit), each firm's
graduation check (``GET /incubation/incubations/{id}/check``) and its steps. Revenue and jobs per carrier are totals
over enough firms only."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Router, Schema
from ninja.responses import Status

from heluo.api.auth import OPEN, caller, writer
from heluo.api.common import READ, WRITE, paged, visible
from heluo.orgs.models import Organization
from heluo.platforms.models import Platform

from ..models import Carrier, IncubationStatus, Stage
from ..selectors import chain as selectors
from ..services import incubations as services

router = Router(tags=["incubation: chain"])


class CarrierOutcomeOut(Schema):
    firms: int
    incubating: int
    graduated: int
    left: int
    qualifications: dict[str, int]
    reporting: int
    revenue: Decimal | None
    jobs: int | None
    revenue_at_entry: Decimal | None
    jobs_at_entry: int | None


def _outcome(o) -> dict:
    return {**o.__dict__, "qualifications": dict(o.qualifications)}


class StageOut(Schema):
    stage: str
    zh: str
    en: str
    carriers: int
    moved_on: int
    outcome: CarrierOutcomeOut


class CarrierOut(Schema):
    id: int
    platform_id: int
    name: str
    kind: str
    area: str
    stage: Stage
    capacity: int | None
    registered_on: dt.date
    incubating: int
    graduated: int

    @staticmethod
    def resolve_name(obj):
        return obj.platform.name

    @staticmethod
    def resolve_kind(obj):
        return obj.platform.kind

    @staticmethod
    def resolve_area(obj):
        return obj.platform.area.code


class CarrierDetailOut(CarrierOut):
    outcome: CarrierOutcomeOut


class CarrierIn(Schema):
    platform: int = Field(..., ge=1, le=2**31 - 1)
    stage: Stage
    capacity: int | None = Field(None, ge=1, le=100000)
    registered_on: dt.date | None = None
    note: str = Field("", max_length=300)


class IncubationOut(Schema):
    id: int
    carrier_id: int
    carrier: str
    stage: str
    firm_id: int
    firm: str
    status: IncubationStatus
    entered_on: dt.date
    graduated_on: dt.date | None
    left_on: dt.date | None
    previous_id: int | None
    graduation: dict

    @staticmethod
    def resolve_carrier(obj):
        return obj.carrier.platform.name

    @staticmethod
    def resolve_stage(obj):
        return obj.carrier.stage

    @staticmethod
    def resolve_firm(obj):
        return obj.firm.name


class CriterionOut(Schema):
    zh: str
    en: str
    met: bool
    why_zh: str
    why_en: str


class VerdictOut(Schema):
    stage: str
    met: bool
    months: int
    max_months: int | None
    overdue: bool
    terminal: bool
    criteria: list[CriterionOut]


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    reason: str
    detail: dict
    actor_name: str
    via: str
    at: dt.datetime


class AdmitIn(Schema):
    carrier: int = Field(..., ge=1, le=2**31 - 1)
    firm: int = Field(..., ge=1, le=2**31 - 1)
    entered_on: dt.date
    moves_on: bool = Field(False, description="the firm comes from its latest graduation at an earlier stage")
    reason: str = Field("", max_length=2000)


class GraduateIn(Schema):
    graduated_on: dt.date
    next_carrier: int | None = Field(None, ge=1, le=2**31 - 1)
    reason: str = Field("", max_length=2000)


class LeaveIn(Schema):
    left_on: dt.date
    reason: str = Field(..., max_length=2000)


@router.get("/incubation/chain", response=list[StageOut], **OPEN)
def chain(request):
    return [
        {
            "stage": r.stage.code,
            "zh": r.stage.zh,
            "en": r.stage.en,
            "carriers": r.carriers,
            "moved_on": r.moved_on,
            "outcome": _outcome(r.outcome),
        }
        for r in selectors.chain_view(caller(request))
    ]


@router.get("/incubation/carriers", response=list[CarrierOut], **OPEN)
@paged
def list_carriers(request, stage: Stage | None = None):
    return selectors.carrier_list(caller(request), stage)


@router.get("/incubation/carriers/{int:id}", response={200: CarrierDetailOut, **READ}, **OPEN)
def get_carrier(request, id: int):
    c = selectors.carrier_get(caller(request), id)
    c.outcome = _outcome(selectors.carrier_outcome(c))
    return c


@router.post("/incubation/carriers", response={201: CarrierOut, **WRITE})
def create_carrier(request, payload: CarrierIn):
    user = writer(request)
    platform = visible(Platform, user, payload.platform, "platform")
    c = services.register_carrier(user, platform, payload.stage, payload.registered_on, payload.capacity, payload.note)
    return Status(201, selectors.carrier_get(user, c.pk))


@router.get("/incubation/incubations", response=list[IncubationOut])
@paged
def list_incubations(request, carrier: int | None = None, status: IncubationStatus | None = None, firm: int | None = None):
    user = caller(request)
    c = visible(Carrier, user, carrier, "carrier") if carrier else None
    return selectors.incubation_list(user, c, status, firm)


@router.get("/incubation/incubations/{int:id}", response={200: IncubationOut, **READ})
def get_incubation(request, id: int):
    return selectors.incubation_get(caller(request), id)


@router.get("/incubation/incubations/{int:id}/check", response={200: VerdictOut, **READ})
def check_graduation(request, id: int, on: dt.date | None = None):
    return selectors.verdict(selectors.incubation_get(caller(request), id), on).as_dict()


@router.get("/incubation/incubations/{int:id}/events", response={200: list[EventOut], **READ})
def incubation_events(request, id: int):
    return list(selectors.events_of(selectors.incubation_get(caller(request), id)))


@router.post("/incubation/incubations", response={201: IncubationOut, **WRITE})
def admit(request, payload: AdmitIn):
    user = writer(request)
    carrier = visible(Carrier, user, payload.carrier, "carrier")
    firm = visible(Organization, user, payload.firm, "firm")
    inc = services.admit(user, carrier, firm, payload.entered_on, payload.moves_on, payload.reason)
    return Status(201, selectors.incubation_get(user, inc.pk))


@router.post("/incubation/incubations/{int:id}/graduate", response={200: IncubationOut, **WRITE})
def graduate(request, id: int, payload: GraduateIn):
    user = writer(request)
    inc = selectors.incubation_get(user, id)
    nxt = visible(Carrier, user, payload.next_carrier, "carrier") if payload.next_carrier else None
    services.graduate(user, inc, payload.graduated_on, payload.reason, nxt)
    return selectors.incubation_get(user, id)


@router.post("/incubation/incubations/{int:id}/leave", response={200: IncubationOut, **WRITE})
def leave(request, id: int, payload: LeaveIn):
    user = writer(request)
    services.leave(user, selectors.incubation_get(user, id), payload.left_on, payload.reason)
    return selectors.incubation_get(user, id)
