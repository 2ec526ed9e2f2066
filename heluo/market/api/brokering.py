"""对接 / brokering: records between a technology demand and an achievement, an expert or an organization, their
steps, and brokering events (对接活动) with their participants.

Token only (the public sees no record and no event). Scope is the pages' (Brokering.scope_q): the bureau all; a
district its enterprises' records, and read-only those whose supply side is in its area; an organization those it is
the demand side, the supply side or the agency of; an expert its own. A record outside it is a 404, like a missing
one; an id in a body that names nothing the caller may see is a 422 naming the field. A workflow step is
``POST /market/brokerings/{id}/transitions`` with ``{"action", "reason", "contract"}`` (``sign`` needs the contract: its
id or its registration number; ``close`` and ``reopen`` a reason): 403 for a party the step does not name, 409 from a
state it does not start from, 422 without what it needs, each with its code and the reason in both languages.
``…/outcome`` sums what a set of records came to: the states, the contracts signed and their registered technical
transaction amount (yuan).
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema
from ninja.patch_dict import PatchDict
from ninja.responses import Status

from heluo.api.auth import caller, writer
from heluo.api.common import READ, WRITE, by_code, filter_data, paged, require_change, visible
from heluo.api.history import add_changes_route
from heluo.api.schemas import Day, OrgRef
from heluo.core.permissions import allowed_actions
from heluo.geo.models import Area
from heluo.orgs.models import Organization
from heluo.people.models import Expert
from heluo.taxonomy.models import Cluster

from ..engine import brokering as engine
from ..models import Achievement, Brokering, BrokeringEvent, BrokeringStatus, Demand
from ..selectors import brokering as selectors
from ..services import brokering as services

router = Router(tags=["brokering"])
BASE = "/market/brokerings"
EVENTS = "/market/brokering-events"

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]  # a row's id: past the database's integers, a 422
NOTE = engine.limit("note_chars")


class Ref(Schema):
    id: int
    title: str


class ContractRef(Schema):
    id: int
    registration_number: str | None
    name: str
    state: str
    transaction_amount: Decimal  # yuan


class DemandRef(Schema):
    id: int
    title: str | None  # None: a demand the caller may not see (a party to the record does not see a bureau-only one)


class BrokeringOut(Schema):
    id: int
    demand: DemandRef
    enterprise: OrgRef
    area: str  # the enterprise's area code
    counterpart: Literal["achievement", "expert", "organization"]
    achievement: Ref | None
    supplier: OrgRef | None  # the achievement's owner or the organization
    expert: OrgRef | None  # id: the expert's; name: the person's
    organization: OrgRef | None
    broker: OrgRef | None
    event: Ref | None
    status: str
    status_label: str
    contract: ContractRef | None
    started_on: dt.date
    note: str
    updated: dt.datetime

    @staticmethod
    def resolve_demand(obj):
        return {"id": obj.demand_id, "title": obj.demand.title if obj.demand_visible else None}

    @staticmethod
    def resolve_enterprise(obj):
        return obj.demand.enterprise

    @staticmethod
    def resolve_area(obj):
        return obj.demand.enterprise.area.code

    @staticmethod
    def resolve_counterpart(obj):
        return "achievement" if obj.achievement_id else "expert" if obj.expert_id else "organization"

    @staticmethod
    def resolve_supplier(obj):
        return obj.achievement.organization if obj.achievement_id else obj.organization

    @staticmethod
    def resolve_expert(obj):
        return {"id": obj.expert.pk, "name": obj.expert.person.name} if obj.expert_id else None

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())


class BrokeringDetailOut(BrokeringOut):
    actions: list[str]  # the workflow steps the caller may take now, and "step" while it may record steps

    @staticmethod
    def resolve_actions(obj):
        return sorted(obj.caller_actions)


class BrokeringIn(Schema):
    demand: Id
    achievement: Id | None = None  # exactly one of achievement, expert, organization
    expert: Id | None = None
    organization: Id | None = None
    broker: Id | None = None  # a service agency
    event: Id | None = None
    started_on: Day | None = None  # today if left out
    note: str = Field("", max_length=NOTE)


class BrokeringPatch(Schema):
    broker: Id | None = None
    event: Id | None = None
    note: str = Field("", max_length=NOTE)


class BrokeringFilters(Schema):
    q: str | None = Field(None, max_length=100)
    status: list[BrokeringStatus] | None = None
    counterpart: Literal["achievement", "expert", "organization"] | None = None
    area: str | None = Field(None, max_length=12)  # the demand's enterprise's area code; sub-areas included
    event: Id | None = None
    demand: Id | None = None
    achievement: Id | None = None
    started_from: Day | None = None
    started_to: Day | None = None


class StepIn(Schema):
    kind: str = Field(..., max_length=20)  # data/brokering.json's step_kinds
    note: str = Field("", max_length=NOTE)
    on: Day | None = None  # today if left out


class StepOut(Schema):
    id: int
    kind: str
    label: str
    on: dt.date
    from_status: str
    to_status: str
    note: str
    actor_name: str
    via: str
    at: dt.datetime

    @staticmethod
    def resolve_label(obj):
        return selectors.step_label(obj)


class TransitionIn(Schema):
    action: str = Field(..., max_length=20)
    reason: str = Field("", max_length=500)
    contract: Id | Annotated[str, Field(max_length=30)] | None = None  # the contract's id or registration number


class DistrictRow(Schema):
    area: str
    area_name: str
    by_state: dict[str, int]
    total: int


class OutcomeOut(Schema):
    total: int
    by_state: dict[str, int]
    signed: int
    contracts: int
    transaction_amount: Decimal  # yuan, registered contracts only, each once
    signed_share: float | None  # signed among the records that ended
    districts: list[DistrictRow]  # by the district of the demand's enterprise


class EventOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    held_on: dt.date
    place: str
    area: str | None
    organizer: OrgRef | None
    cluster: str | None
    description: str
    participant_count: int
    brokering_count: int  # the records made at it that the caller may see
    signed_count: int

    @staticmethod
    def resolve_kind_label(obj):
        return selectors.label(engine.event_kinds(), obj.kind)

    @staticmethod
    def resolve_area(obj):
        return obj.area.code if obj.area_id else None

    @staticmethod
    def resolve_cluster(obj):
        return obj.cluster.code if obj.cluster_id else None


class EventIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    kind: str = Field(..., max_length=20)  # data/brokering.json's event_kinds
    held_on: Day
    place: str = Field("", max_length=200)
    area: str | None = Field(None, max_length=12)  # district code
    organizer: Id | None = None  # an agency organizes its own; staff may name the organizer
    cluster: str | None = Field(None, max_length=40)
    description: str = Field("", max_length=5000)


class EventFilters(Schema):
    q: str | None = Field(None, max_length=100)
    kind: str | None = Field(None, max_length=20)
    area: str | None = Field(None, max_length=12)
    year: int | None = Field(None, ge=1990, le=2100)


class ParticipantIn(Schema):
    organization: Id
    role: str = Field(..., max_length=20)  # data/brokering.json's participant_roles
    attended: bool = True


class ParticipantOut(Schema):
    id: int
    organization: OrgRef
    area: str | None
    role: str
    role_label: str
    attended: bool

    @staticmethod
    def resolve_area(obj):
        return obj.organization.area.code if obj.organization.area_id else None

    @staticmethod
    def resolve_role_label(obj):
        return selectors.label(engine.participant_roles(), obj.role)


# --- records ---------------------------------------------------------------------------------------------


def _records(user, filters):
    return selectors.brokering_list(user, filter_data(selectors.BrokeringFilterSet, filters, {"area": Area}))


def _outcome(user, records) -> dict:
    result = selectors.outcome(records)
    rows = selectors.by_district(user, records)
    return {
        "total": result.total,
        "by_state": result.by_state,
        "signed": result.signed,
        "contracts": result.contracts,
        "transaction_amount": result.transaction_amount,
        "signed_share": result.signed_share,
        "districts": [
            {
                "area": r["area"].code,
                "area_name": r["area"].name,
                "by_state": {s: n for s, n in zip(BrokeringStatus.values, r["statuses"]) if n},
                "total": r["total"],
            }
            for r in rows
        ],
    }


@router.get(BASE, response=list[BrokeringOut])
@paged
def list_brokerings(request, filters: Query[BrokeringFilters]):
    return _records(caller(request), filters)


@router.get(BASE + "/outcome", response={200: OutcomeOut, **READ})
def brokering_outcome(request, filters: Query[BrokeringFilters]):
    """What the records of the list (the same filters) came to."""
    user = caller(request)
    return _outcome(user, _records(user, filters))


def _detail(user, pk) -> Brokering:
    b = selectors.brokering_get(user, pk)
    b.caller_actions = allowed_actions(user, b) - {"view", "change", "delete"}
    return b


@router.get(BASE + "/{int:id}", response={200: BrokeringDetailOut, **READ})
def get_brokering(request, id: int):
    return _detail(caller(request), id)


def _apply(user, b: Brokering, data: dict) -> Brokering:
    refs = {"demand": Demand, "achievement": Achievement, "expert": Expert, "organization": Organization, "event": BrokeringEvent}
    for name, value in data.items():
        if name == "broker":
            value = None if value is None else visible(Organization, user, value, "broker")
        elif name in refs:
            value = visible(refs[name], user, value, name)
        setattr(b, name, value)
    return b


@router.post(BASE, response={201: BrokeringDetailOut, **WRITE})
def create_brokering(request, payload: BrokeringIn):
    """A new record, open, by a party to it: the demand's enterprise, the supply side, the agency, the enterprise's
    district or the bureau."""
    user = writer(request)
    data = payload.model_dump()
    if data["started_on"] is None:
        data.pop("started_on")
    b = services.brokering_save(user, _apply(user, Brokering(), data))
    return Status(201, _detail(user, b.pk))


@router.patch(BASE + "/{int:id}", response={200: BrokeringDetailOut, **WRITE})
def update_brokering(request, id: int, payload: PatchDict[BrokeringPatch]):
    """The note, the agency or the event while the record is open; once signed or closed, the staff's note only."""
    user = writer(request)
    b = selectors.brokering_get(user, id)
    require_change(user, b)
    services.brokering_save(user, _apply(user, b, dict(payload)))
    return _detail(user, id)


@router.post(BASE + "/{int:id}/transitions", response={200: BrokeringDetailOut, **WRITE})
def transition_brokering(request, id: int, payload: TransitionIn):
    """negotiate, sign (with the contract), close (with a reason), reopen (the agency, the district, the bureau)."""
    user = writer(request)
    services.brokering_transition(user, selectors.brokering_get(user, id), payload.action, payload.reason, payload.contract)
    return _detail(user, id)


@router.get(BASE + "/{int:id}/steps", response={200: list[StepOut], **READ})
@paged
def list_steps(request, id: int):
    """Every step, oldest first: the contacts, visits and meetings, and the workflow's transitions."""
    user = caller(request)
    return selectors.brokering_steps(user, selectors.brokering_get(user, id))


@router.post(BASE + "/{int:id}/steps", response={201: StepOut, **WRITE})
def add_step(request, id: int, payload: StepIn):
    user = writer(request)
    step = services.add_step(user, selectors.brokering_get(user, id), payload.kind, payload.note, payload.on)
    return Status(201, step)


add_changes_route(router, "market/brokerings", selectors.brokering_get)


# --- events ----------------------------------------------------------------------------------------------


def _event(user, pk) -> BrokeringEvent:
    return selectors.event_list(user).get(pk=pk)  # with its counts


@router.get(EVENTS, response=list[EventOut])
@paged
def list_events(request, filters: Query[EventFilters]):
    return selectors.event_list(caller(request), filter_data(selectors.EventFilterSet, filters, {"area": Area}))


@router.get(EVENTS + "/{int:id}", response={200: EventOut, **READ})
def get_event(request, id: int):
    return _event(caller(request), id)


def _save_event(user, event: BrokeringEvent, data: dict) -> BrokeringEvent:
    for name, model in (("area", Area), ("cluster", Cluster)):
        if name in data:
            setattr(event, name, by_code(model, data.pop(name), name))
    if "organizer" in data:
        pk = data.pop("organizer")
        event.organizer = None if pk is None else visible(Organization, user, pk, "organizer")
    for name, value in data.items():
        setattr(event, name, value)
    services.event_save(user, event)
    return _event(user, event.pk)


@router.post(EVENTS, response={201: EventOut, **WRITE})
def create_event(request, payload: EventIn):
    """The bureau runs any event, a district those in its area, a service agency its own."""
    user = writer(request)
    return Status(201, _save_event(user, BrokeringEvent(), payload.model_dump()))


@router.patch(EVENTS + "/{int:id}", response={200: EventOut, **WRITE})
def update_event(request, id: int, payload: PatchDict[EventIn]):
    user = writer(request)
    event = selectors.event_get(user, id)
    require_change(user, event)
    return _save_event(user, event, dict(payload))


@router.delete(EVENTS + "/{int:id}", response={204: None, **WRITE})
def delete_event(request, id: int):
    """An event no brokering record was made at."""
    user = writer(request)
    services.event_delete(user, selectors.event_get(user, id))
    return Status(204, None)


@router.get(EVENTS + "/{int:id}/outcome", response={200: OutcomeOut, **READ})
def event_outcome(request, id: int):
    """What the records made at the event (those the caller may see) came to."""
    user = caller(request)
    return _outcome(user, selectors.event_brokerings(user, selectors.event_get(user, id)))


@router.get(EVENTS + "/{int:id}/participants", response={200: list[ParticipantOut], **READ})
@paged
def list_participants(request, id: int):
    user = caller(request)
    return selectors.event_participants(user, selectors.event_get(user, id))


@router.post(EVENTS + "/{int:id}/participants", response={201: ParticipantOut, **WRITE})
def add_participant(request, id: int, payload: ParticipantIn):
    """Add an organization (or change its role): the same organization twice is one participant."""
    user = writer(request)
    event = selectors.event_get(user, id)
    organization = visible(Organization, user, payload.organization, "organization")
    row = services.participant_save(user, event, organization, payload.role, payload.attended)
    return Status(201, selectors.event_participants(user, event).get(pk=row.pk))


@router.delete(EVENTS + "/{int:id}/participants/{int:participant_id}", response={204: None, **WRITE})
def remove_participant(request, id: int, participant_id: int):
    user = writer(request)
    event = selectors.event_get(user, id)
    services.participant_delete(user, selectors.event_participants(user, event).get(pk=participant_id))
    return Status(204, None)
