"""Reads of funded projects: what a user may see (`restrict`), a project's page data (everything that came of it),
the project rules (data/project-rules.json) and the conflicts of an acceptance panel (engine.conflicts over the
records, as in the review round)."""

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
    ConflictDeclaration,
    Indicator,
    Milestone,
    Participant,
    Payment,
    PerformanceEvaluation,
    ProgressReport,
    Project,
    ProjectContract,
    ProjectEvent,
    ProjectResult,
)
from .applications import form_of
from .avoidance import avoided_expert_ids
from .review import _team_records

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
    }


def panel_conflicts(p: Project, experts: list[Expert], on: dt.date | None = None) -> dict[str, list[conflict_engine.Conflict]]:
    """{expert id: [Conflict, …]} for the project's application (its team, partners, applicant's 回避 requests and the
    experts' own declarations), as the review round checks them."""
    on = on or timezone.localdate()
    a = p.application  # None for a bid's project: its team is the leader (the PI) and its organization
    members, partners = [], []
    team = Participant.objects.filter(application=a) if a else Participant.objects.none()
    for kind, person_id, org_id in team.values_list("kind", "person_id", "organization_id"):
        if kind == Participant.Kind.MEMBER and person_id != p.pi_id:
            members.append(str(person_id))
        elif kind == Participant.Kind.PARTNER:
            partners.append(str(org_id))
    ids = [e.pk for e in experts]
    avoid = avoided_expert_ids([a.pk]).get(a.pk, ()) if a else ()
    declared: dict[int, list] = {}
    for d in ConflictDeclaration.objects.filter(kind=ConflictDeclaration.Kind.EXPERT, expert_id__in=ids):
        subject = (
            (conflict_engine.PROPOSAL, d.application_id)
            if d.application_id
            else (conflict_engine.ORGANIZATION, d.organization_id)
            if d.organization_id
            else (conflict_engine.PERSON, d.person_id)
        )
        declared.setdefault(d.expert_id, []).append(conflict_engine.Declaration(subject[0], str(subject[1]), d.reason))
    # the PI as it is now (a change request may have changed it) and the organization that holds the project
    pid, call = (str(a.pk), str(a.call_id)) if a else (f"bid-{p.bid_id}", f"challenge-{p.bid.challenge_id}")
    proposal = conflict_engine.Proposal(pid, call, str(p.applicant_id), str(p.pi_id), tuple(members), tuple(partners), avoid)
    engine_experts = [
        conflict_engine.Expert(
            str(e.pk), str(e.person_id), str(e.person.employer_id) if e.person.employer_id else None, tuple(declared.get(e.pk, ()))
        )
        for e in experts
    ]
    years = review_rules().coauthor_years
    found = conflict_engine.call_conflicts([proposal], engine_experts, _team_records(on, years), on, years)
    return {e: items for (_, e), items in found.items() if items}
