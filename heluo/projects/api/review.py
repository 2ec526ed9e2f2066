"""The review round (issue 13, Experts and review). Token only.

The bureau: ``PUT /projects/calls/{id}/review/rubric``, ``GET …/review/conflicts`` (each pair with its reasons, the
experts left out for a debarment, and the applicants' 回避 requests each with the experts it matches), ``POST
…/review/assign`` (k, loads, one per employer: 409 with the reason when no assignment satisfies them), ``POST
/projects/review/assignments/{id}/reassign`` after a decline, ``POST …/review/finish``, ``GET …/review/results``,
``POST …/review/panels`` (会评, the ranking kept) and ``POST …/review/decisions`` (409 over the budget or against a
blocking youth quota). An expert: ``GET /projects/review/assignments`` (its own), ``POST …/assignments/{id}/decline``
and ``…/sheet`` (422 with every problem of the marks), ``POST /projects/review/declarations``. An applicant: ``POST
/projects/applications/{id}/avoidance`` (回避) with ``{"name", "employer", "reason"}``: the person as the applicant
knows them, never a pool id. The answer (201 with the request's id) is the same whether or not the pool holds such an
expert; the bureau's conflicts match the request to every active expert of that exact name whose employer's name
contains the employer given.
Lists hold only what the caller may see: an applicant or a district sees no assignment; a row outside the scope is 404.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Router, Schema
from ninja.responses import Status

from heluo.api.auth import caller, writer
from heluo.api.common import READ, WRITE, paged, visible
from heluo.api.schemas import Message
from heluo.orgs.models import Organization
from heluo.people.models import Person

from ..models import Application, ReviewAssignment
from ..selectors import applications as app_selectors
from ..selectors import avoidance as avoidance_selectors
from ..selectors import review as selectors
from ..services import review as services
from ..services.calls import bureau_only

router = Router(tags=["project review"])
CALL = "/projects/calls/{int:id}/review"
ASSIGNMENT = "/projects/review/assignments/{int:id}"

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Reason = Annotated[str, Field(max_length=services.MAX_REASON)]


class AssignmentOut(Schema):
    id: int
    call: int
    application: int
    application_title: str
    expert: int
    expert_name: str
    affinity: float
    reason: str
    status: str
    decline_reason: str


def _assignment(a: ReviewAssignment) -> dict:
    return {
        "id": a.pk,
        "call": a.call_id,
        "application": a.application_id,
        "application_title": a.application.title,
        "expert": a.expert_id,
        "expert_name": a.expert.person.name,
        "affinity": a.affinity,
        "reason": a.reason,
        "status": a.status,
        "decline_reason": a.decline_reason,
    }


class RubricIn(Schema):
    criteria: dict | None = None  # {"criteria": [...]}: the platform's default when absent
    method: str = "trimmed_mean"


@router.put(f"{CALL}/rubric", response={200: dict, **WRITE})
def rubric_save(request, id: int, payload: RubricIn):
    user = writer(request)
    row = services.rubric_save(user, app_selectors.call_get(user, id), payload.criteria, payload.method)
    return {"criteria": row.criteria, "method": row.method}


class ConflictOut(Schema):
    application: int
    expert: int
    kinds: list[str]
    zh: list[str]
    en: list[str]


class AvoidanceOut(Schema):
    id: int
    application: int
    name: str
    employer: str
    reason: str
    experts: list[int]  # the active experts it matches (none: no match)


class ConflictReportOut(Schema):
    conflicts: list[ConflictOut]
    debarred: dict[str, str]
    avoidance: list[AvoidanceOut]


@router.get(f"{CALL}/conflicts", response={200: ConflictReportOut, 403: Message, **READ})
def conflicts(request, id: int):
    user = caller(request)
    report = services.conflicts(user, app_selectors.call_get(user, id))
    rows = [
        {"application": int(p), "expert": int(e), "kinds": [c.kind for c in cs], "zh": [c.zh for c in cs], "en": [c.en for c in cs]}
        for (p, e), cs in sorted(report.conflicts.items(), key=lambda kv: (int(kv[0][0]), int(kv[0][1])))
    ]
    requests = avoidance_selectors.matched(avoidance_selectors.requests(application__call_id=id))
    avoidance = [
        {
            "id": r.pk,
            "application": r.application_id,
            "name": r.named_person,
            "employer": r.named_employer,
            "reason": r.reason,
            "experts": [e.pk for e in experts],
        }
        for r, experts in requests
    ]
    return {"conflicts": rows, "debarred": report.debarred, "avoidance": avoidance}


class AssignIn(Schema):
    k: int | None = Field(None, ge=1, le=15)
    min_load: int = Field(0, ge=0, le=1000)
    max_load: int | None = Field(None, ge=1, le=1000)
    one_per_employer: bool = True


class RoundOut(Schema):
    assignments: list[AssignmentOut]
    loads: dict[str, int]
    total: float
    seconds: float
    conflicts: int
    debarred: dict[str, str]


@router.post(f"{CALL}/assign", response={200: RoundOut, **WRITE})
def assign(request, id: int, payload: AssignIn):
    user = writer(request)
    r = services.assign(user, app_selectors.call_get(user, id), payload.k, payload.min_load, payload.max_load, payload.one_per_employer)
    return {**r.__dict__, "assignments": [_assignment(a) for a in r.assignments]}


@router.get("/projects/review/assignments", response=list[AssignmentOut])
@paged
def assignment_list(request, call: Id | None = None):
    qs = selectors.assignment_list(caller(request))
    return [_assignment(a) for a in (qs.filter(call_id=call) if call else qs)]


class ReasonIn(Schema):
    reason: Reason


@router.post(f"{ASSIGNMENT}/decline", response={200: AssignmentOut, **WRITE})
def decline(request, id: int, payload: ReasonIn):
    user = writer(request)
    return _assignment(services.decline(user, selectors.assignment_get(user, id), payload.reason))


class ReassignIn(Schema):
    max_load: int | None = Field(None, ge=1, le=1000)
    one_per_employer: bool = True


@router.post(f"{ASSIGNMENT}/reassign", response={200: AssignmentOut, **WRITE})
def reassign(request, id: int, payload: ReassignIn):
    user = writer(request)
    return _assignment(services.reassign(user, selectors.assignment_get(user, id), payload.max_load, payload.one_per_employer))


class SheetIn(Schema):
    marks: dict  # {criterion: value or {"value", "comment"}}
    comments: str = Field("", max_length=services.MAX_COMMENTS)


class SheetOut(Schema):
    assignment: int
    marks: dict
    comments: str
    score: float
    submitted_at: dt.datetime


@router.post(f"{ASSIGNMENT}/sheet", response={200: SheetOut, **WRITE})
def submit_sheet(request, id: int, payload: SheetIn):
    user = writer(request)
    s = services.submit_sheet(user, selectors.assignment_get(user, id), payload.marks, payload.comments)
    return {"assignment": s.assignment_id, "marks": s.marks, "comments": s.comments, "score": s.score, "submitted_at": s.submitted_at}


class DeclarationIn(Schema):
    reason: Reason
    application: Id | None = None
    organization: Id | None = None
    person: Id | None = None


@router.post("/projects/review/declarations", response={201: dict, **WRITE})
def declare(request, payload: DeclarationIn):
    user = writer(request)
    d = services.declare_conflict(
        user,
        payload.reason,
        application=visible(Application, user, payload.application, "application"),
        organization=visible(Organization, user, payload.organization, "organization"),
        person=visible(Person, user, payload.person, "person"),
    )
    return Status(201, {"id": d.pk})


class AvoidanceIn(Schema):
    name: str = Field(max_length=services.MAX_NAMED)
    employer: str = Field(max_length=services.MAX_EMPLOYER)
    reason: Reason


@router.post("/projects/applications/{int:id}/avoidance", response={201: dict, **WRITE})
def avoidance(request, id: int, payload: AvoidanceIn):
    user = writer(request)
    d = services.request_avoidance(user, app_selectors.application_get(user, id), payload.name, payload.employer, payload.reason)
    return Status(201, {"id": d.pk})


@router.post(f"{CALL}/finish", response={200: dict, **WRITE})
def finish(request, id: int):
    user = writer(request)
    done, waiting = services.finish_review(user, app_selectors.call_get(user, id))
    return {"reviewed": [a.pk for a in done], "waiting": [a.pk for a in waiting]}


class ResultRow(Schema):
    application: int
    number: str | None
    title: str
    rank: int
    tied: bool
    score: float
    mean: float
    trimmed_mean: float
    median: float
    scores: dict[str, float]
    low_agreement: bool
    agreement: str


class ReviewerRow(Schema):
    expert: int
    reviews: int
    z: float | None
    flagged: bool
    zh: str
    en: str


class DecisionRow(Schema):
    application: int
    rank: int
    amount: Decimal
    funded: bool
    zh: str
    en: str


class ResultsOut(Schema):
    method: str
    alpha: float | None
    rows: list[ResultRow]
    reviewers: list[ReviewerRow]
    proposal: list[DecisionRow]
    quota: dict | None


@router.get(f"{CALL}/results", response={200: ResultsOut, 403: Message, **READ})
def results(request, id: int):
    user = caller(request)
    call = app_selectors.call_get(user, id)
    bureau_only(user)
    r = selectors.results(call)
    rows = [
        {
            "application": x.application.pk,
            "number": x.application.number,
            "title": x.application.title,
            "rank": k.rank,
            "tied": k.tied,
            "score": k.score,
            "mean": x.mean,
            "trimmed_mean": x.trimmed_mean,
            "median": x.median,
            "scores": x.scores,
            "low_agreement": bool(x.agreement and x.agreement.flagged),
            "agreement": f"{x.agreement.zh} / {x.agreement.en}" if x.agreement else "",
        }
        for x, k in zip(r.rows, r.ranking)
    ]
    reviewers = [
        {"expert": int(d.reviewer_id), "reviews": d.reviews, "z": d.z, "flagged": d.flagged, "zh": d.zh, "en": d.en} for d in r.reviewers
    ]
    proposal = [
        {"application": int(d.proposal_id), "rank": d.rank, "amount": d.amount, "funded": d.funded, "zh": d.zh, "en": d.en}
        for d in (r.plan.decisions if r.plan else ())
    ]
    q = r.quota
    quota = None if q is None else {"holds": q.holds, "blocks": q.blocks, "required": q.required, "young": q.young, "zh": q.zh, "en": q.en}
    return {"method": r.method, "alpha": r.alpha, "rows": rows, "reviewers": reviewers, "proposal": proposal, "quota": quota}


class PanelIn(Schema):
    held_on: dt.date
    note: str = Field("", max_length=10000)


@router.post(f"{CALL}/panels", response={201: dict, **WRITE})
def panel(request, id: int, payload: PanelIn):
    user = writer(request)
    p = services.panel_record(user, app_selectors.call_get(user, id), payload.held_on, payload.note)
    return Status(201, {"id": p.pk, "held_on": p.held_on, "ranking": p.ranking})


class DecisionsIn(Schema):
    funded: list[Id] = Field(max_length=5000)
    reasons: dict[int, Reason] = Field(default_factory=dict, max_length=5000)


@router.post(f"{CALL}/decisions", response={200: dict, **WRITE})
def decide(request, id: int, payload: DecisionsIn):
    user = writer(request)
    d = services.decide(user, app_selectors.call_get(user, id), payload.funded, payload.reasons)
    warning = None if d.quota is None else {"zh": d.quota.zh, "en": d.quota.en}
    return {"funded": [a.pk for a in d.funded], "declined": [a.pk for a in d.declined], "quota_warning": warning}
