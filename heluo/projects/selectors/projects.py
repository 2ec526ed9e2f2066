"""Reads of funded projects: what a user may see (`restrict`), a project's page data (everything that came of it, its
双随机 inspections too), the project rules (data/project-rules.json) and the conflicts of an acceptance panel
(engine.conflicts over the records through selectors.conflict_inputs, as in the review round)."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path

from django.utils import timezone

from heluo.core.permissions import VIEW
from heluo.people.models import Expert

from ..engine import conflicts as conflict_engine
from ..engine import forms
from ..engine import programmes as programme_engine
from ..engine.rules import review_rules
from ..models import (
    Acceptance,
    AcceptanceExpert,
    ChallengeMode,
    ChangeRequest,
    Indicator,
    Milestone,
    Payment,
    PerformanceEvaluation,
    ProgressReport,
    Project,
    ProjectContract,
    ProjectEvent,
    ProjectResult,
)
from . import conflict_inputs
from . import inspections as inspection_selectors
from .applications import form_of

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "project-rules.json"


@cache
def rules() -> dict:
    return json.loads(RULES_FILE.read_text(encoding="utf-8"))


def project_list(user):
    return Project.objects.restrict(user, VIEW).select_related("applicant", "pi", "application__call", "bid__challenge")


def budget_form(p: Project) -> forms.FormSpec:
    """The form whose budget categories the contract uses: the application's call's copy, or for a bid's project (no
    application) its programme's form (data/programmes.json)."""
    if p.application_id:
        return form_of(p.application.call)
    return programme_engine.form(programme_engine.programme(p.programme).form)


def race_checkpoint(p: Project) -> dt.date | None:
    """A 赛马制 project's checkpoint date (when one of the two teams continues), None for any other project."""
    if p.bid_id and p.bid.challenge.mode == ChallengeMode.RACE:
        return p.bid.challenge.checkpoint_on
    return None


def project_get(user, pk) -> Project:
    return project_list(user).get(pk=pk)


def page(user, p: Project) -> dict:
    """Everything of a project the user may see (each part through its own scope), for its page and the API."""

    def rows(model):
        return list(model.objects.restrict(user, VIEW).filter(project=p))

    def one(model):
        return model.objects.restrict(user, VIEW).filter(project=p).first()

    return {
        "project": p,
        "contract": one(ProjectContract),
        "indicators": rows(Indicator),
        "milestones": rows(Milestone),
        "payments": rows(Payment),
        "reports": rows(ProgressReport),
        "changes": rows(ChangeRequest),
        "acceptance": one(Acceptance),
        "panel": list(AcceptanceExpert.objects.restrict(user, VIEW).filter(acceptance__project=p).select_related("expert__person")),
        "evaluation": one(PerformanceEvaluation),
        "results": rows(ProjectResult),
        "events": rows(ProjectEvent),
        "inspections": list(inspection_selectors.project_items(user, p)),
    }


def panel_conflicts(p: Project, experts: list[Expert], on: dt.date | None = None) -> dict[str, list[conflict_engine.Conflict]]:
    """{expert id: [Conflict, …]} for the project as it stands (its PI and organization now; its application's team,
    partners and 回避 requests, or its bid's leader) and the experts' own declarations, as the review round checks them."""
    on = on or timezone.localdate()
    years = review_rules().coauthor_years
    found = conflict_engine.call_conflicts(
        conflict_inputs.project_proposals([p]), conflict_inputs.engine_experts(experts), conflict_inputs.team_records(on, years), on, years
    )
    return {e: items for (_, e), items in found.items() if items}
