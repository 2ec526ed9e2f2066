"""Rounds, applications, reviews, awards: every list and action of the programme rounds."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from heluo.api.auth import caller, writer
from heluo.api.common import READ, WRITE, by_code, paged, visible
from heluo.api.schemas import OrgRef, PersonRef
from heluo.people.models import Person
from heluo.taxonomy.models import HitechField

from ..engine import programmes as rules
from ..models import ApplicationStatus, Round, RoundStatus
from ..selectors import rounds as sel
from ..services import rounds as services

router = Router(tags=["talent programmes: rounds"])
ID = Field(..., ge=1, le=2**31 - 1)


class RoundOut(Schema):
    id: int
    programme: str = Field(..., alias="programme.code")
    strand: str
    year: int
    title: str
    quotas: dict[str, int]
    opens_on: dt.date
    closes_on: dt.date
    status: RoundStatus


class RoundIn(Schema):
    programme: str = Field(..., max_length=40)
    strand: str = Field(..., max_length=20)
    year: int = Field(..., ge=2000, le=2100)
    opens_on: dt.date
    closes_on: dt.date


class CheckOut(Schema):
    code: str
    ok: bool
    zh: str
    en: str


class ApplicationOut(Schema):
    id: int
    round: int = Field(..., alias="round_id")
    person: PersonRef
    employer: OrgRef
    category: str
    field: str | None = Field(None, alias="field.code")
    status: ApplicationStatus
    eligibility: list[CheckOut]
    score: float | None


class ApplicationIn(Schema):
    round: int = ID
    person: int = ID
    category: str = Field(..., max_length=30)
    field: str | None = Field(None, max_length=20)
    summary: str = Field(..., min_length=1, max_length=5000)


class ReasonIn(Schema):
    reason: str = Field("", max_length=1000)


class DecideIn(Schema):
    awarded: list[int] = Field(..., max_length=500)
    starts_on: dt.date
    reason: str = Field(..., min_length=1, max_length=1000)


class MarkIn(Schema):
    value: float | int | str | None = None
    comment: str = Field("", max_length=2000)


class SheetIn(Schema):
    marks: dict[str, MarkIn]


class ReviewOut(Schema):
    id: int
    application: int = Field(..., alias="application_id")
    talent: str = Field(..., alias="application.person.name")
    reason: str
    score: float | None
    submitted_at: dt.datetime | None


class AwardOut(Schema):
    id: int
    application: int
    person: PersonRef
    amount: Decimal
    paid: Decimal
    service_years: int
    starts_on: dt.date
    obligation: str
    obligation_zh: str
    obligation_en: str


class PaymentIn(Schema):
    amount: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    paid_on: dt.date
    note: str = Field("", max_length=200)


class CheckIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    in_service: bool
    note: str = Field("", max_length=200)


class ApplicationFilters(Schema):
    round: int | None = Field(None, ge=1, le=2**31 - 1)
    status: ApplicationStatus | None = None


class RoundFilter(Schema):
    round: int | None = Field(None, ge=1, le=2**31 - 1)


class Done(Schema):
    id: int


@router.get("/talent/programmes", response=list[dict], auth=None)
def list_programmes(request):
    """The programmes' strands, categories, criteria, quotas and benefits as in data/programmes.json."""
    return rules.strands()


@router.get("/talent/rounds", response=list[RoundOut], auth=None)
@paged
def list_rounds(request):
    return sel.rounds(caller(request))


@router.get("/talent/rounds/{int:id}", response={200: RoundOut, **READ}, auth=None)
def get_round(request, id: int):
    return sel.round_get(caller(request), id)


@router.post("/talent/rounds", response={201: RoundOut, **WRITE})
def create_round(request, payload: RoundIn):
    d = payload.model_dump()
    return Status(201, services.round_open(writer(request), d["programme"], d["strand"], d["year"], d["opens_on"], d["closes_on"]))


@router.post("/talent/rounds/{int:id}/review", response={200: RoundOut, **WRITE})
def start_review(request, id: int):
    user = writer(request)
    r = sel.round_get(user, id)
    services.start_review(user, r)
    return sel.round_get(user, id)


@router.post("/talent/rounds/{int:id}/decide", response={200: RoundOut, **WRITE})
def decide(request, id: int, payload: DecideIn):
    user = writer(request)
    services.decide(user, sel.round_get(user, id), payload.awarded, payload.starts_on, payload.reason)
    return sel.round_get(user, id)


@router.get("/talent/applications", response=list[ApplicationOut])
@paged
def list_applications(request, filters: Query[ApplicationFilters]):
    return sel.applications(caller(request), filters.round, filters.status)


@router.get("/talent/applications/{int:id}", response={200: ApplicationOut, **READ})
def get_application(request, id: int):
    return sel.application_get(caller(request), id)


@router.post("/talent/applications", response={201: ApplicationOut, **WRITE})
def create_application(request, payload: ApplicationIn):
    user = writer(request)
    r = visible(Round, user, payload.round, "round")
    person = visible(Person, user, payload.person, "person")
    field = None
    if payload.field:
        field = by_code(HitechField, payload.field, "hitech_field")
    return Status(201, services.apply(user, r, person, payload.category, payload.summary, field))


@router.post("/talent/applications/{int:id}/withdraw", response={200: ApplicationOut, **WRITE})
def withdraw(request, id: int, payload: ReasonIn):
    user = writer(request)
    return services.withdraw(user, sel.application_get(user, id), payload.reason)


@router.get("/talent/reviews", response=list[ReviewOut])
@paged
def list_reviews(request):
    return sel.my_reviews(caller(request))


@router.post("/talent/reviews/{int:id}/submit", response={200: ReviewOut, **WRITE})
def submit_review(request, id: int, payload: SheetIn):
    user = writer(request)
    review = sel.my_reviews(user).get(pk=id)
    return services.submit_review(user, review, {k: v.model_dump() for k, v in payload.marks.items()})


def _award_out(row) -> dict:
    a = row.award
    return {
        "id": a.pk,
        "application": a.application_id,
        "person": a.application.person,
        "amount": a.amount,
        "paid": row.paid,
        "service_years": a.service_years,
        "starts_on": a.starts_on,
        "obligation": row.obligation.status,
        "obligation_zh": row.obligation.zh,
        "obligation_en": row.obligation.en,
    }


@router.get("/talent/awards", response=list[AwardOut])
@paged
def list_awards(request, filters: Query[RoundFilter]):
    return [_award_out(r) for r in sel.awards(caller(request), filters.round)]


@router.post("/talent/awards/{int:id}/payments", response={201: Done, **WRITE})
def add_payment(request, id: int, payload: PaymentIn):
    user = writer(request)
    return Status(201, services.pay(user, sel.award_get(user, id), payload.amount, payload.paid_on, payload.note))


@router.post("/talent/awards/{int:id}/checks", response={201: Done, **WRITE})
def add_check(request, id: int, payload: CheckIn):
    user = writer(request)
    return Status(201, services.check_service(user, sel.award_get(user, id), payload.year, payload.in_service, payload.note))
