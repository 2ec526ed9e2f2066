"""Reads of 双随机 inspections: scoped lists, and the facts a draw is made on — the projects under way in scope, their
past inspections, and the inspectors (the active experts not debarred from expert duties) with their conflicts
(engine.conflicts over the platform's records, through selectors.conflict_inputs)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict

from django.utils import timezone

from heluo.core.permissions import VIEW

from ..engine import conflicts as conflict_engine
from ..engine import inspection
from ..engine.rules import review_rules
from ..models import InspectionDraw, InspectionItem, Project
from . import conflict_inputs
from .review import pool


def draw_list(user):
    return InspectionDraw.objects.restrict(user, VIEW).select_related("call", "drawn_by")


def draw_get(user, pk) -> InspectionDraw:
    return draw_list(user).get(pk=pk)


def item_list(user, draw: InspectionDraw | None = None):
    qs = InspectionItem.objects.restrict(user, VIEW).select_related("project__applicant", "draw").prefetch_related("inspectors__person")
    return qs.filter(draw=draw) if draw is not None else qs


def item_get(user, pk) -> InspectionItem:
    return item_list(user).get(pk=pk)


def project_items(user, project: Project):
    """A project's inspections the user may see: the published results, the bureau every item."""
    return item_list(user).filter(project=project).order_by("-draw__drawn_at", "-pk")


def published_draws():
    return InspectionDraw.objects.filter(items__published=True).distinct().order_by("-drawn_at", "-id")


def cycle_of(project: Project) -> str:
    """A project's inspection cycle: its period, named by its number and start (a schedule change moves the end only)."""
    return f"{project.number}/{project.starts_on.isoformat()}"


def in_scope(programmes=(), call=None):
    """The projects a draw may take: under way (the rules' statuses), of the programme types or the call given (a
    project from an awarded bid has no call)."""
    qs = Project.objects.filter(status__in=review_rules().inspected_statuses)
    if programmes:
        qs = qs.filter(programme__in=list(programmes))
    if call is not None:
        qs = qs.filter(application__call=call)
    return qs.order_by("pk")


def lock_population(programmes=(), call=None) -> None:
    """Lock the rows of the projects in scope, in id order, until the transaction ends: two draws at once over
    the same projects take turns, and the second sees the first one's items (最多查一次 holds)."""
    list(Project.objects.select_for_update().filter(pk__in=in_scope(programmes, call).values("pk")).order_by("pk").values_list("pk"))


def draw_inputs(programmes=(), call=None, on: dt.date | None = None) -> tuple[list[inspection.Project], list[inspection.Inspector], dict]:
    """The engine's projects and inspectors for a draw in this scope, and the experts left out as debarred."""
    on = on or timezone.localdate()
    projects = list(in_scope(programmes, call).select_related("application", "bid"))
    past = defaultdict(list)
    for project_id, cycle in InspectionItem.objects.filter(project__in=[p.pk for p in projects]).values_list("project_id", "cycle"):
        past[project_id].append(cycle)
    units = [inspection.Project(str(p.pk), cycle_of(p), str(p.applicant_id), tuple(sorted(past[p.pk]))) for p in projects]
    experts_pool = pool(on)
    years = review_rules().coauthor_years
    proposals = conflict_inputs.project_proposals(projects, own_call=True)  # competitors are no conflict for an inspection
    project_of = {x.id: str(p.pk) for x, p in zip(proposals, projects, strict=True)}
    found = conflict_engine.call_conflicts(
        proposals, conflict_inputs.engine_experts(experts_pool.experts.values()), conflict_inputs.team_records(on, years), on, years
    )
    clashes = defaultdict(set)
    for (proposal_id, expert_id), items in found.items():
        if items:
            clashes[expert_id].add(project_of[proposal_id])
    inspectors = [
        inspection.Inspector(pk, str(e.person.employer_id) if e.person.employer_id else None, frozenset(clashes[pk]))
        for pk, e in experts_pool.experts.items()
    ]
    return units, inspectors, experts_pool.debarred


def serialize_inputs(projects, inspectors) -> dict:
    return {
        "projects": [
            {"id": p.id, "cycle": p.cycle_id, "organization": p.organization_id, "inspected": list(p.inspected_cycles)}
            for p in sorted(projects, key=lambda p: p.id)
        ],
        "inspectors": [
            {"id": i.id, "employer": i.employer_id, "conflicts": sorted(i.conflicts)} for i in sorted(inspectors, key=lambda i: i.id)
        ],
    }


def parse_inputs(data: dict) -> tuple[list[inspection.Project], list[inspection.Inspector]]:
    projects = [inspection.Project(p["id"], p["cycle"], p["organization"], tuple(p["inspected"])) for p in data.get("projects", [])]
    inspectors = [inspection.Inspector(i["id"], i["employer"], frozenset(i["conflicts"])) for i in data.get("inspectors", [])]
    return projects, inspectors


def fingerprint(data: dict) -> str:
    """SHA-256 of the inputs written canonically (sorted keys, no spaces, UTF-8): what a re-run checks first."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
