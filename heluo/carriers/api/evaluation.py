"""Evaluation rounds: ``GET /carriers/schemes`` (public), rounds (the bureau creates one and takes its steps:
``start_scoring``, ``grade``, ``apply``; then ``publish``), evaluations in the caller's scope (a host's own
platforms, a district's area, an expert's assigned ones, the bureau's all), ``PUT …/figures`` (the host or the
bureau, while the round is open; every bad figure reported, 422 ``figures_invalid``), ``POST …/experts`` (the
bureau), the expert's assignments and marks, the public ``/carriers/results`` (grades only) and the round's reward
list (免申即享). ``GET /carriers/coverage?year=`` is the clusters × (中试基地, 产业研究院) table."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from heluo.api.auth import OPEN, caller, writer
from heluo.api.common import READ, WRITE, paged, visible
from heluo.people.models import Expert

from ..selectors import coverage as coverage_selectors
from ..selectors import evaluation as selectors
from ..selectors.schemes import schemes
from ..services import evaluation as services

router = Router(tags=["innovation carriers: evaluation"])


class IndicatorOut(Schema):
    code: str
    zh: str
    en: str
    unit: str
    weight: Decimal
    method: str


class SchemeOut(Schema):
    kind: str
    zh: str
    en: str
    source: str
    is_example: bool
    reward: Decimal
    indicators: list[IndicatorOut]


class RoundOut(Schema):
    id: int
    year: int
    title: str
    kinds: list[str]
    status: str
    due_on: dt.date
    published: bool


class RoundIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    title: str = Field(..., min_length=1, max_length=200)
    kinds: list[str] = Field(..., min_length=1, max_length=20)
    due_on: dt.date
    platforms: list[int] | None = Field(None, max_length=10000, description="only these approved platforms of the kinds")


class PlatformRef(Schema):
    id: int
    name: str
    kind: str


class EvaluationOut(Schema):
    id: int
    round_id: int
    platform: PlatformRef
    figures: dict
    submitted_at: dt.datetime | None
    figures_score: Decimal | None
    expert_score: Decimal | None
    total: Decimal | None
    points: dict
    grade: str
    consequence: str
    reward_amount: Decimal | None
    applied: bool


class ResultOut(Schema):
    round_id: int
    platform: PlatformRef
    grade: str
    total: Decimal | None
    consequence: str
    reward_amount: Decimal | None


class FiguresIn(Schema):
    figures: dict[str, Decimal]


class ExpertsIn(Schema):
    experts: list[int] = Field(..., min_length=1, max_length=20)


class AssignmentOut(Schema):
    id: int
    evaluation_id: int
    platform: PlatformRef = Field(..., alias="evaluation.platform")
    mark: Decimal | None
    comment: str


class MarkIn(Schema):
    mark: Decimal = Field(..., ge=0, le=100)
    comment: str = Field("", max_length=500)


class EvaluationQuery(Schema):
    round: int | None = Field(None, ge=1, le=2**31 - 1)
    grade: str | None = Field(None, max_length=20)
    consequence: str | None = Field(None, max_length=20)
    kind: str | None = Field(None, max_length=40)


class CoverageRow(Schema):
    cluster: str
    covered: bool
    platforms: dict[str, list[PlatformRef]]


class CoverageOut(Schema):
    year: int
    share: float | None
    rows: list[CoverageRow]


@router.get("/carriers/schemes", response=list[SchemeOut], **OPEN)
def list_schemes(request):
    return [{**s.__dict__, "indicators": [i.__dict__ for i in s.indicators]} for s in schemes().values()]


@router.get("/carriers/rounds", response=list[RoundOut], **OPEN)
@paged
def list_rounds(request):
    return selectors.round_list(caller(request))


@router.get("/carriers/rounds/{int:id}", response={200: RoundOut, **READ}, **OPEN)
def get_round(request, id: int):
    return selectors.round_get(caller(request), id)


@router.post("/carriers/rounds", response={201: RoundOut, **WRITE})
def create_round(request, payload: RoundIn):
    return Status(201, services.round_create(writer(request), **payload.model_dump()))


@router.post("/carriers/rounds/{int:id}/steps/{transition}", response={200: RoundOut, **WRITE})
def round_step(request, id: int, transition: str):
    user = writer(request)
    return services.round_step(user, selectors.round_get(user, id), transition)


@router.post("/carriers/rounds/{int:id}/publish", response={200: RoundOut, **WRITE})
def publish_round(request, id: int):
    user = writer(request)
    return services.round_publish(user, selectors.round_get(user, id))


@router.get("/carriers/rounds/{int:id}/rewards", response=list[EvaluationOut])
@paged
def list_rewards(request, id: int):
    return selectors.reward_list(caller(request), id)


@router.get("/carriers/results", response=list[ResultOut], **OPEN)
@paged
def list_results(request, round: int | None = None):
    return selectors.results(round)


@router.get("/carriers/evaluations", response=list[EvaluationOut])
@paged
def list_evaluations(request, filters: Query[EvaluationQuery]):
    f = filters.model_dump()
    return selectors.evaluation_list(caller(request), f.pop("round"), f)


@router.get("/carriers/evaluations/{int:id}", response={200: EvaluationOut, **READ})
def get_evaluation(request, id: int):
    return selectors.evaluation_get(caller(request), id)


@router.put("/carriers/evaluations/{int:id}/figures", response={200: EvaluationOut, **WRITE})
def put_figures(request, id: int, payload: FiguresIn):
    user = writer(request)
    return services.figures_submit(user, selectors.evaluation_get(user, id), payload.figures)


@router.post("/carriers/evaluations/{int:id}/experts", response={200: list[AssignmentOut], **WRITE})
def assign_experts(request, id: int, payload: ExpertsIn):
    user = writer(request)
    experts = [visible(Expert, user, pk, "expert") for pk in payload.experts]
    return services.experts_assign(user, selectors.evaluation_get(user, id), experts)


@router.get("/carriers/assignments", response=list[AssignmentOut])
@paged
def list_assignments(request):
    return selectors.my_assignments(caller(request))


@router.post("/carriers/assignments/{int:id}/mark", response={200: AssignmentOut, **WRITE})
def mark(request, id: int, payload: MarkIn):
    user = writer(request)
    return services.mark_submit(user, selectors.assignment_get(user, id), payload.mark, payload.comment)


@router.get("/carriers/coverage", response=CoverageOut, **OPEN)
def get_coverage(request, year: int = Query(..., ge=2000, le=2100)):
    rows = coverage_selectors.coverage(year)
    return {
        "year": year,
        "share": coverage_selectors.share(rows),
        "rows": [{"cluster": r.cluster.name_zh, "covered": r.covered, "platforms": r.platforms} for r in rows],
    }
