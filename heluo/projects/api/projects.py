"""立项项目 / funded projects, each from a funded application or an awarded 揭榜挂帅/赛马制 bid (``application_id`` or
``bid_id`` and ``challenge_id``; ``programme`` its type). Scope as on the pages (Project.scope_q): the bureau all, the applicant organization its
own, a district its area's (read), an expert only the projects whose acceptance panel it sits on while it is open
(the summary, indicators, milestones, reports and the acceptance). ``GET …/{id}`` returns everything the caller may
see of a project: contract, indicators, milestones, payments, reports, change requests, acceptance, evaluation and
results. Every step is a POST: the applicant writes reports, milestone evidence and change requests; the bureau
approves, pays and accepts; 403 to the other side, 409 when the project's state does not allow it, 422 with the
reason in both languages for bad input. Amounts are yuan strings with two decimals at most; dates YYYY-MM-DD."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Router, Schema
from ninja.responses import Status

from heluo.api.auth import caller, writer
from heluo.api.common import READ, WRITE, paged
from heluo.api.schemas import OrgRef, PersonRef
from heluo.core.permissions import VIEW, allowed_actions

from ..models import Acceptance, ChangeRequest, Milestone
from ..selectors import projects as selectors
from ..services import projects as services

router = Router(tags=["science projects: funded projects"])
ID = dict(ge=1, le=2**31 - 1)
AMOUNT = dict(max_length=24)


class ProjectOut(Schema):
    id: int
    programme: str  # a code of data/programmes.json
    application_id: int | None  # where it comes from: a funded application, or an awarded 揭榜挂帅/赛马制 bid
    bid_id: int | None
    challenge_id: int | None
    number: str
    title: str
    applicant: OrgRef
    pi: PersonRef
    starts_on: dt.date
    ends_on: dt.date
    funding: Decimal
    paid: Decimal
    lump_sum: bool
    status: str

    @staticmethod
    def resolve_challenge_id(obj):
        return obj.bid.challenge_id if obj.bid_id else None


class ProjectDetailOut(Schema):
    project: ProjectOut
    actions: list[str]
    contract: dict[str, Any] | None
    indicators: list[dict[str, Any]]
    milestones: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    reports: list[dict[str, Any]]
    changes: list[dict[str, Any]]
    acceptance: dict[str, Any] | None
    panel: list[dict[str, Any]]
    evaluation: dict[str, Any] | None
    results: list[dict[str, Any]]
    events: list[dict[str, Any]]


def _row(obj, *names) -> dict:
    out = {"id": obj.pk}
    for n in names:
        v = getattr(obj, n)
        out[n] = str(v) if isinstance(v, Decimal) else v.isoformat() if isinstance(v, dt.date) else v
    return out


def _detail(user, pk: int) -> dict:
    p = selectors.project_get(user, pk)
    d = selectors.page(user, p)
    c, a, e = d["contract"], d["acceptance"], d["evaluation"]
    return {
        "project": p,
        "actions": sorted(allowed_actions(user, p) - {VIEW}),
        "contract": c and _row(c, "objectives", "budget", "signed_by_applicant_on", "signed_by_bureau_on"),
        "indicators": [_row(i, "name", "unit", "target", "achieved") for i in d["indicators"]],
        "milestones": [_row(m, "title", "due_on", "deliverables", "tranche", "status", "evidence", "review_note") for m in d["milestones"]],
        "payments": [_row(x, "milestone_id", "amount", "paid_on", "reference") for x in d["payments"]],
        "reports": [_row(r, "period", "text", "indicator_progress", "submitted_at") for r in d["reports"]],
        "changes": [_row(x, "kind", "proposed", "before", "reason", "status", "decision_reason", "decided_at") for x in d["changes"]],
        "acceptance": a and _row(a, "held_on", "open", "result", "conclusion"),
        "panel": [{"expert": s.expert_id, "name": s.expert.person.name, "opinion": s.opinion, "verdict": s.verdict} for s in d["panel"]],
        "evaluation": e and _row(e, "scores", "total", "grade", "evaluated_on"),
        "results": [_row(r, "kind", "market_id", "title", "note") for r in d["results"]],
        "events": [_row(x, "action", "from_status", "to_status", "reason", "actor_name", "at") for x in d["events"]],
    }


@router.get("/projects/funded", response=list[ProjectOut])
@paged
def list_projects(request):
    return selectors.project_list(caller(request))


@router.get("/projects/funded/{int:id}", response={200: ProjectDetailOut, **READ})
def get_project(request, id: int):
    return _detail(caller(request), id)


class TransitionIn(Schema):
    action: str = Field(..., max_length=30)
    reason: str = Field("", max_length=2000)


@router.post("/projects/funded/{int:id}/transitions", response={200: ProjectDetailOut, **WRITE})
def transition(request, id: int, payload: TransitionIn):
    user = writer(request)
    services.project_transition(user, selectors.project_get(user, id), payload.action, payload.reason)
    return _detail(user, id)


class ContractIn(Schema):
    objectives: str = Field(..., max_length=10000)
    indicators: list[dict[str, Any]] = Field(..., max_length=50)
    budget: list[dict[str, Any]] = Field(..., max_length=50)
    milestones: list[dict[str, Any]] = Field(..., max_length=50)


@router.put("/projects/funded/{int:id}/contract", response={200: ProjectDetailOut, **WRITE})
def save_contract(request, id: int, payload: ContractIn):
    user = writer(request)
    services.contract_save(user, selectors.project_get(user, id), **payload.model_dump())
    return _detail(user, id)


class SignIn(Schema):
    signed_on: dt.date | None = None


@router.post("/projects/funded/{int:id}/contract/sign", response={200: ProjectDetailOut, **WRITE})
def sign_contract(request, id: int, payload: SignIn):
    user = writer(request)
    services.contract_sign(user, selectors.project_get(user, id), payload.signed_on)
    return _detail(user, id)


def _milestone(user, id: int, mid: int) -> Milestone:
    return Milestone.objects.restrict(user, VIEW).get(pk=mid, project=selectors.project_get(user, id))


class EvidenceIn(Schema):
    evidence: str = Field(..., max_length=5000)


@router.post("/projects/funded/{int:id}/milestones/{int:mid}/submit", response={200: ProjectDetailOut, **WRITE})
def submit_milestone(request, id: int, mid: int, payload: EvidenceIn):
    user = writer(request)
    services.milestone_submit(user, _milestone(user, id, mid), payload.evidence)
    return _detail(user, id)


class DecisionIn(Schema):
    approve: bool
    reason: str = Field("", max_length=1000)


@router.post("/projects/funded/{int:id}/milestones/{int:mid}/decision", response={200: ProjectDetailOut, **WRITE})
def decide_milestone(request, id: int, mid: int, payload: DecisionIn):
    user = writer(request)
    services.milestone_decide(user, _milestone(user, id, mid), payload.approve, payload.reason)
    return _detail(user, id)


class PaymentIn(Schema):
    amount: str = Field(..., **AMOUNT)
    paid_on: dt.date
    reference: str = Field(..., max_length=100)
    milestone: int | None = Field(None, **ID)  # none: the initial tranche


@router.post("/projects/funded/{int:id}/payments", response={201: ProjectDetailOut, **WRITE})
def record_payment(request, id: int, payload: PaymentIn):
    user = writer(request)
    m = _milestone(user, id, payload.milestone) if payload.milestone else None
    services.pay(user, selectors.project_get(user, id), payload.amount, payload.paid_on, payload.reference, m)
    return Status(201, _detail(user, id))


class ReportIn(Schema):
    period: str = Field(..., max_length=40)
    text: str = Field(..., max_length=20000)
    progress: dict[str, str] = Field(default_factory=dict, max_length=50)  # indicator id → value reached


@router.post("/projects/funded/{int:id}/reports", response={201: ProjectDetailOut, **WRITE})
def submit_report(request, id: int, payload: ReportIn):
    user = writer(request)
    services.report_submit(user, selectors.project_get(user, id), payload.period, payload.text, payload.progress)
    return Status(201, _detail(user, id))


class ChangeIn(Schema):
    kind: Literal["pi", "budget", "schedule", "other"]
    proposed: dict[str, Any]  # {"pi": person id} / {"lines": [...]} / {"ends_on": "YYYY-MM-DD"} / {"text": "…"}
    reason: str = Field(..., max_length=2000)


@router.post("/projects/funded/{int:id}/changes", response={201: ProjectDetailOut, **WRITE})
def request_change(request, id: int, payload: ChangeIn):
    user = writer(request)
    services.change_request(user, selectors.project_get(user, id), payload.kind, payload.proposed, payload.reason)
    return Status(201, _detail(user, id))


@router.post("/projects/funded/{int:id}/changes/{int:cid}/decision", response={200: ProjectDetailOut, **WRITE})
def decide_change(request, id: int, cid: int, payload: DecisionIn):
    user = writer(request)
    change = ChangeRequest.objects.restrict(user, VIEW).get(pk=cid, project=selectors.project_get(user, id))
    services.change_decide(user, change, payload.approve, payload.reason)
    return _detail(user, id)


class PanelIn(Schema):
    experts: list[int] = Field(..., max_length=50)
    held_on: dt.date


@router.post("/projects/funded/{int:id}/acceptance", response={201: ProjectDetailOut, **WRITE})
def open_acceptance(request, id: int, payload: PanelIn):
    user = writer(request)
    services.acceptance_open(user, selectors.project_get(user, id), payload.experts, payload.held_on)
    return Status(201, _detail(user, id))


def _acceptance(user, id: int) -> Acceptance:
    return Acceptance.objects.restrict(user, VIEW).get(project=selectors.project_get(user, id))


class OpinionIn(Schema):
    opinion: str = Field(..., max_length=5000)
    verdict: Literal["pass", "conditional", "fail"]


@router.post("/projects/funded/{int:id}/acceptance/opinion", response={200: ProjectDetailOut, **WRITE})
def give_opinion(request, id: int, payload: OpinionIn):
    user = writer(request)
    services.acceptance_opinion(user, _acceptance(user, id), payload.opinion, payload.verdict)
    return _detail(user, id)


class ResultIn(Schema):
    result: Literal["pass", "conditional", "fail"]
    conclusion: str = Field(..., max_length=5000)


@router.post("/projects/funded/{int:id}/acceptance/close", response={200: ProjectDetailOut, **WRITE})
def close_acceptance(request, id: int, payload: ResultIn):
    user = writer(request)
    services.acceptance_close(user, _acceptance(user, id), payload.result, payload.conclusion)
    return _detail(user, id)


class EvaluationIn(Schema):
    scores: dict[str, str] = Field(..., max_length=20)
    evaluated_on: dt.date | None = None


@router.post("/projects/funded/{int:id}/evaluation", response={200: ProjectDetailOut, **WRITE})
def evaluate(request, id: int, payload: EvaluationIn):
    user = writer(request)
    services.evaluate(user, selectors.project_get(user, id), payload.scores, payload.evaluated_on)
    return _detail(user, id)


class OutcomeIn(Schema):
    kind: Literal["patent", "achievement", "contract", "other"]
    title: str = Field(..., max_length=300)
    market_id: int | None = Field(None, **ID)  # a technology-market achievement's or contract's id (copied, not linked)
    note: str = Field("", max_length=1000)


@router.post("/projects/funded/{int:id}/results", response={201: ProjectDetailOut, **WRITE})
def add_result(request, id: int, payload: OutcomeIn):
    user = writer(request)
    services.result_add(user, selectors.project_get(user, id), payload.kind, payload.title, payload.market_id, payload.note)
    return Status(201, _detail(user, id))
