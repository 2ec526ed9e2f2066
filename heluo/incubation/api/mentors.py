"""Mentors: the pool (``GET /incubation/mentors``, signed-in users) with each mentor's profile (kept by the mentor or
the bureau), the mentors suggested for an incubated firm by the matching engine (with the shared terms), pairings
(made by whoever manages the firm's incubation), sessions logged by either side with its outcome and the other side's
report, and the 导师县区行、园区行 events per district and park."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Router, Schema
from ninja.responses import Status

from heluo.api.auth import OPEN, caller, writer
from heluo.api.common import READ, WRITE, by_code, paged, visible
from heluo.geo.models import Area
from heluo.orgs.models import Organization
from heluo.platforms.models import Platform
from heluo.taxonomy.models import HitechField, Industry

from ..models import Availability, Incubation, MentorEvent, Pairing, Side
from ..selectors import chain as chain_selectors
from ..selectors import mentors as selectors
from ..services import mentors as services

router = Router(tags=["incubation: mentors"])


class MentorOut(Schema):
    id: int
    person_id: int
    name: str
    employer: str
    specialty: str
    carrier_id: int | None
    availability: str
    experience_years: int | None
    hours_per_month: int | None
    fields: list[str]
    industries: list[str]

    @staticmethod
    def resolve_name(obj):
        return obj.person.name

    @staticmethod
    def resolve_employer(obj):
        return obj.person.employer.name if obj.person.employer else ""

    @staticmethod
    def _profile(obj):
        return getattr(obj, "profile", None)

    @staticmethod
    def resolve_availability(obj):
        p = MentorOut._profile(obj)
        return p.availability if p else Availability.AVAILABLE

    @staticmethod
    def resolve_experience_years(obj):
        p = MentorOut._profile(obj)
        return p.experience_years if p else None

    @staticmethod
    def resolve_hours_per_month(obj):
        p = MentorOut._profile(obj)
        return p.hours_per_month if p else None

    @staticmethod
    def resolve_fields(obj):
        p = MentorOut._profile(obj)
        return [f.code for f in p.hitech_fields.all()] if p else []

    @staticmethod
    def resolve_industries(obj):
        p = MentorOut._profile(obj)
        return [i.code for i in p.industries.all()] if p else []


class ProfileIn(Schema):
    experience_years: int = Field(0, ge=0, le=70)
    experience: str = Field("", max_length=4000)
    availability: Availability = Availability.AVAILABLE
    hours_per_month: int = Field(0, ge=0, le=200)
    fields: list[str] = Field([], max_length=20)
    industries: list[str] = Field([], max_length=20)


class SuggestionOut(Schema):
    mentor_id: int
    name: str
    specialty: str
    score: float
    terms: list[str]


class PairingOut(Schema):
    id: int
    mentor_id: int
    mentor: str
    incubation_id: int
    firm: str
    started_on: dt.date
    ended_on: dt.date | None
    affinity: float | None
    terms: list[str]
    reason: str

    @staticmethod
    def resolve_mentor(obj):
        return obj.mentor.person.name

    @staticmethod
    def resolve_firm(obj):
        return obj.incubation.firm.name


class PairingIn(Schema):
    mentor: int = Field(..., ge=1, le=2**31 - 1)
    incubation: int = Field(..., ge=1, le=2**31 - 1)
    started_on: dt.date | None = None
    reason: str = Field("", max_length=500)


class EndIn(Schema):
    ended_on: dt.date


class ReportOut(Schema):
    side: Side
    outcome: str
    rating: int | None
    actor_name: str
    at: dt.datetime


class SessionOut(Schema):
    id: int
    pairing_id: int
    mentor: str
    firm: str
    held_on: dt.date
    hours: Decimal
    topic: str
    logged_by: Side
    reports: list[ReportOut]

    @staticmethod
    def resolve_mentor(obj):
        return obj.pairing.mentor.person.name

    @staticmethod
    def resolve_firm(obj):
        return obj.pairing.incubation.firm.name

    @staticmethod
    def resolve_reports(obj):
        return list(obj.reports.all())


class SessionIn(Schema):
    pairing: int = Field(..., ge=1, le=2**31 - 1)
    held_on: dt.date
    hours: Decimal = Field(..., gt=0, le=24, decimal_places=1)
    topic: str = Field(..., max_length=200)
    outcome: str = Field(..., max_length=2000)
    rating: int | None = Field(None, ge=1, le=5)


class ReportIn(Schema):
    outcome: str = Field(..., max_length=2000)
    rating: int | None = Field(None, ge=1, le=5)


class EventOut(Schema):
    id: int
    kind: MentorEvent.Kind
    title: str
    area: str
    park_id: int | None
    held_on: dt.date
    mentors: list[int]
    firms: list[int]
    summary: str

    @staticmethod
    def resolve_area(obj):
        return obj.area.code

    @staticmethod
    def resolve_mentors(obj):
        return [m.pk for m in obj.mentors.all()]

    @staticmethod
    def resolve_firms(obj):
        return [f.pk for f in obj.firms.all()]


class EventIn(Schema):
    kind: MentorEvent.Kind
    title: str = Field(..., max_length=200)
    area: str = Field(..., max_length=12)
    park: int | None = Field(None, ge=1, le=2**31 - 1)
    held_on: dt.date
    summary: str = Field("", max_length=4000)
    mentors: list[int] = Field([], max_length=200)
    firms: list[int] = Field([], max_length=500)


@router.get("/incubation/mentors", response=list[MentorOut])
@paged
def list_mentors(request, available: bool = False):
    return selectors.mentor_list(caller(request), available).prefetch_related("profile__hitech_fields", "profile__industries")


@router.get("/incubation/mentors/{int:id}", response={200: MentorOut, **READ})
def get_mentor(request, id: int):
    return selectors.mentor_get(caller(request), id)


@router.put("/incubation/mentors/{int:id}/profile", response={200: MentorOut, **WRITE})
def put_profile(request, id: int, payload: ProfileIn):
    user = writer(request)
    mentor = selectors.mentor_get(user, id)
    fields = [by_code(HitechField, c, "hitech_fields") for c in payload.fields]
    industries = [by_code(Industry, c, "industries") for c in payload.industries]
    services.save_profile(
        user,
        mentor,
        experience_years=payload.experience_years,
        experience=payload.experience,
        availability=payload.availability,
        hours_per_month=payload.hours_per_month,
        hitech_fields=fields,
        industries=industries,
    )
    return selectors.mentor_get(user, id)


@router.get("/incubation/incubations/{int:id}/mentor-suggestions", response={200: list[SuggestionOut], **READ})
def suggestions(request, id: int, limit: int = 5):  # 1 to 20: the selector bounds it
    user = caller(request)
    inc = chain_selectors.incubation_get(user, id)
    return [
        {"mentor_id": s.mentor.pk, "name": s.mentor.person.name, "specialty": s.mentor.specialty, "score": s.score, "terms": list(s.terms)}
        for s in selectors.suggest(user, inc, limit)
    ]


@router.get("/incubation/pairings", response=list[PairingOut])
@paged
def list_pairings(request):
    return selectors.pairing_list(caller(request))


@router.post("/incubation/pairings", response={201: PairingOut, **WRITE})
def create_pairing(request, payload: PairingIn):
    user = writer(request)
    mentor = selectors.mentor_get(user, payload.mentor)
    inc = visible(Incubation, user, payload.incubation, "incubation")
    return Status(201, services.pair(user, mentor, inc, payload.started_on, payload.reason))


@router.post("/incubation/pairings/{int:id}/end", response={200: PairingOut, **WRITE})
def end_pairing(request, id: int, payload: EndIn):
    user = writer(request)
    return services.end_pairing(user, selectors.pairing_get(user, id), payload.ended_on)


@router.get("/incubation/sessions", response=list[SessionOut])
@paged
def list_sessions(request, pairing: int | None = None):
    user = caller(request)
    return selectors.session_list(user, visible(Pairing, user, pairing, "pairing") if pairing else None)


@router.post("/incubation/sessions", response={201: SessionOut, **WRITE})
def log_session(request, payload: SessionIn):
    user = writer(request)
    p = selectors.pairing_get(user, payload.pairing)
    s = services.log_session(user, p, payload.held_on, payload.hours, payload.topic, payload.outcome, payload.rating)
    return Status(201, selectors.session_get(user, s.pk))


@router.post("/incubation/sessions/{int:id}/reports", response={201: SessionOut, **WRITE})
def report(request, id: int, payload: ReportIn):
    user = writer(request)
    s = selectors.session_get(user, id)
    services.report(user, s, payload.outcome, payload.rating)
    return Status(201, selectors.session_get(user, id))


@router.get("/incubation/events", response=list[EventOut], **OPEN)
@paged
def list_events(request, kind: MentorEvent.Kind | None = None, area: str | None = None):
    return selectors.event_list(caller(request), kind, by_code(Area, area, "area") if area else None)


@router.get("/incubation/events/{int:id}", response={200: EventOut, **READ}, **OPEN)
def get_event(request, id: int):
    return selectors.event_get(caller(request), id)


@router.post("/incubation/events", response={201: EventOut, **WRITE})
def create_event(request, payload: EventIn):
    user = writer(request)
    park = visible(Platform, user, payload.park, "park") if payload.park else None
    firms = [visible(Organization, user, pk, "firms") for pk in payload.firms]
    e = services.save_event(
        user,
        kind=payload.kind,
        title=payload.title,
        area=by_code(Area, payload.area, "area"),
        held_on=payload.held_on,
        park=park,
        summary=payload.summary,
        mentors=services.visible_mentors(user, payload.mentors),
        firms=firms,
    )
    return Status(201, selectors.event_get(user, e.pk))
