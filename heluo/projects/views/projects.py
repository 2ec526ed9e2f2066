"""Pages of funded projects (立项项目): the list a user may see, and a project's page — its contract, indicators,
milestones, payments, reports, change requests, acceptance, evaluation and results — with a form for each step the
user may take. Reads through selectors.projects (Project.scope_q), every write through services.projects; a step
the user may not take is a 403 page, a refusal a message with its reason in both languages. The contract itself is
drafted through the API (PUT /api/v1/projects/funded/{id}/contract)."""

from __future__ import annotations

from decimal import Decimal

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from heluo.core.i18n import Refusal, is_chinese
from heluo.core.models import Role
from heluo.core.permissions import VIEW, allowed_actions, scope_for
from heluo.web.views.generic import act, ensure_login, get_or_404, paginate

from ..engine import programmes as programme_engine
from ..models import Acceptance, ChangeRequest, Milestone
from ..models.projects import RECORD_STEPS
from ..selectors import projects as selectors
from ..selectors import review as review_selectors
from ..services import projects as services

LIMIT = 20000  # no form field of these pages is longer


def project_list(request):
    if response := ensure_login(request):
        return response
    page = paginate(request, selectors.project_list(request.user))
    return render(request, "projects/project_list.html", {"page": page, "query": ""})


def project_detail(request, pk):
    if response := ensure_login(request):
        return response
    p = get_or_404(selectors.project_get, request.user, pk)
    sides = services.parties(request.user, p)
    pick = 0 if is_chinese() else 1
    wf = services.workflow()
    steps = [(t.name, t.label[pick], t.reason_required) for t in wf.available(p.status, sides)]
    data = selectors.page(request.user, p)
    scope = scope_for(request.user)
    seat = next((s for s in data["panel"] if scope.role == Role.EXPERT and s.expert.person_id == scope.person_id), None)
    rules = selectors.rules()
    labels = {c.code: c.label[pick] for c in selectors.budget_form(p).categories}
    lines = data["contract"].budget.get("lines", []) if data["contract"] else []
    programme = programme_engine.programme(p.programme)
    step_labels = {name: t.label[pick] for name, t in wf.transitions.items()}
    events = [(e, step_labels.get(e.action) or RECORD_STEPS.get(e.action, e.action)) for e in data["events"]]
    grades = {g["code"]: (g["zh"], g["en"])[pick] for g in rules["evaluation"]["grades"]}
    return render(
        request,
        "projects/project_detail.html",
        {
            **data,
            "p": p,
            "status_label": wf.state_label(p.status)[pick],
            "steps": steps,
            "budget_lines": [(x["year"], labels.get(x["category"], x["category"]), Decimal(x["amount"])) for x in lines],
            "is_applicant": services.APPLICANT in sides,
            "is_officer": services.OFFICER in sides,
            "seat": seat,
            "criteria": [(c["code"], (c["zh"], c["en"])[pick], c["weight"]) for c in rules["evaluation"]["criteria"]],
            "pool": list(review_selectors.pool().experts.values()) if services.OFFICER in sides and p.status == "accepting" else [],
            "actions": allowed_actions(request.user, p),
            "programme_label": programme.label[pick] if programme else p.programme,
            "checkpoint": selectors.race_checkpoint(p),
            "events": events,
            "grade_label": grades.get(data["evaluation"].grade, data["evaluation"].grade) if data["evaluation"] else "",
        },
    )


def _field(request, name: str) -> str:
    return request.POST.get(name, "")[:LIMIT]


def _ids(request, name: str) -> list[int]:
    return [int(v) for v in request.POST.getlist(name)[:50] if v.isdigit() and len(v) < 10]


def _int(request, name: str) -> int | None:
    v = request.POST.get(name, "")
    return int(v) if v.isdigit() and len(v) < 10 else None


def _one(qs):
    row = qs.first()
    if row is None:
        raise Refusal("not_found", "找不到该记录", "No such record.", 404)
    return row


def _steps(request, p):
    """The step a form names, as a call of the service with the form's values."""
    user, post = request.user, _field
    milestone = lambda: _one(Milestone.objects.restrict(user, VIEW).filter(pk=_int(request, "milestone") or 0, project=p))  # noqa: E731
    change = lambda: _one(ChangeRequest.objects.restrict(user, VIEW).filter(pk=_int(request, "change") or 0, project=p))  # noqa: E731
    acceptance = lambda: _one(Acceptance.objects.restrict(user, VIEW).filter(project=p))  # noqa: E731
    return {
        "transition": lambda: services.project_transition(user, p, post(request, "action")[:30], post(request, "reason")),
        "sign": lambda: services.contract_sign(user, p),
        "milestone_submit": lambda: services.milestone_submit(user, milestone(), post(request, "evidence")),
        "milestone_decide": lambda: services.milestone_decide(user, milestone(), post(request, "approve") == "1", post(request, "reason")),
        "pay": lambda: services.pay(
            user,
            p,
            post(request, "amount")[:24],
            post(request, "paid_on")[:10],
            post(request, "reference"),
            milestone() if _int(request, "milestone") else None,
        ),
        "report": lambda: services.report_submit(user, p, post(request, "period"), post(request, "text")),
        "change": lambda: services.change_request(user, p, post(request, "kind")[:10], _proposed(request), post(request, "reason")),
        "change_decide": lambda: services.change_decide(user, change(), post(request, "approve") == "1", post(request, "reason")),
        "acceptance_open": lambda: services.acceptance_open(user, p, _ids(request, "experts"), post(request, "held_on")[:10]),
        "opinion": lambda: services.acceptance_opinion(user, acceptance(), post(request, "opinion"), post(request, "verdict")[:12]),
        "acceptance_close": lambda: services.acceptance_close(
            user, acceptance(), post(request, "result")[:12], post(request, "conclusion")
        ),
        "evaluate": lambda: services.evaluate(
            user, p, {c["code"]: post(request, f"score_{c['code']}")[:20] for c in selectors.rules()["evaluation"]["criteria"]}
        ),
        "result": lambda: services.result_add(
            user, p, post(request, "kind")[:12], post(request, "title"), _int(request, "market_id"), post(request, "note")
        ),
    }


def _proposed(request) -> dict:
    """A change's proposed values from the form: the new PI (a person id), the new end date, or a text."""
    kind = request.POST.get("kind")
    if kind == "pi":
        return {"pi": _int(request, "pi")}
    if kind == "schedule":
        return {"ends_on": _field(request, "ends_on")[:10]}
    return {"text": _field(request, "text")[:2000]}


@require_POST
def project_step(request, pk, what):
    if response := ensure_login(request):
        return response
    p = get_or_404(selectors.project_get, request.user, pk)
    step = _steps(request, p).get(what)
    if step is not None:
        act(request, step)
    return redirect("projects:project", pk)
