"""Sharing statistics of a year (per instrument, per owner: hours used, the outside users' share, income — from the
bookings the caller sees) and the owners' annual evaluation with its 存量补贴 list (``subsidised=true``); the bureau
computes a year's evaluation from the scheme file (``POST /instrument-evaluations``)."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from heluo.api.auth import OPEN, caller, writer
from heluo.api.common import WRITE, paged

from ..engine import rules
from ..selectors import statistics as selectors
from ..services import evaluations as services

router = Router(tags=["shared instruments: statistics"])


class InstrumentStatOut(Schema):
    instrument_id: int
    name: str = Field(..., alias="instrument__name")
    asset_number: str = Field(..., alias="instrument__asset_number")
    owner: str = Field(..., alias="instrument__owner__name")
    uses: int
    hours: Decimal
    outside_hours: Decimal
    outside_share: Decimal
    income: Decimal
    outside_income: Decimal


class OwnerStatOut(Schema):
    owner_id: int = Field(..., alias="instrument__owner_id")
    owner: str = Field(..., alias="instrument__owner__name")
    uses: int
    hours: Decimal
    outside_hours: Decimal
    outside_share: Decimal
    income: Decimal
    outside_income: Decimal


class EvaluationOut(Schema):
    year: int
    owner_id: int
    owner: str
    scheme_version: str
    instruments: int
    value: Decimal
    hours: Decimal
    outside_hours: Decimal
    income: Decimal
    outside_income: Decimal
    values: dict
    scores: dict
    score: Decimal
    grade: str
    subsidy: Decimal
    computed_at: dt.datetime

    @staticmethod
    def resolve_owner(obj):
        return obj.owner.name


class EvaluateIn(Schema):
    year: int = Field(..., ge=2000, le=2100)


def _year(year):
    return year or timezone.localdate().year


@router.get("/instrument-stats/instruments", response=list[InstrumentStatOut])
@paged
def instrument_stats(request, year: int | None = Query(None, ge=2000, le=2100)):
    return selectors.by_instrument(caller(request), _year(year))


@router.get("/instrument-stats/owners", response=list[OwnerStatOut])
@paged
def owner_stats(request, year: int | None = Query(None, ge=2000, le=2100)):
    return selectors.by_owner(caller(request), _year(year))


@router.get("/instrument-evaluations", response=list[EvaluationOut])
@paged
def list_evaluations(request, year: int | None = Query(None, ge=2000, le=2100), subsidised: bool = False):
    return selectors.evaluation_list(caller(request), year, subsidised)


@router.get("/instrument-evaluations/scheme", response=dict, **OPEN)
def evaluation_scheme(request):
    """The scheme the scores come from (data/evaluation_scheme.json; its figures are labelled as examples)."""
    return rules.scheme()


@router.post("/instrument-evaluations", response={200: list[EvaluationOut], **WRITE})
def evaluate(request, payload: EvaluateIn):
    user = writer(request)
    services.evaluate_year(user, payload.year)
    return list(selectors.evaluation_list(user, payload.year))
