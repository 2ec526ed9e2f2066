"""Reads of 双随机 inspections: scoped lists, and the facts a draw is made on — the funded applications in scope (the
inspected unit until the Project record replaces it), their past inspections, and the inspectors (the active experts
not debarred from expert duties) with their conflicts (engine.conflicts over the platform's records)."""

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
from ..models import Application, ApplicationStatus, ConflictDeclaration, InspectionDraw, InspectionItem, Participant
from .avoidance import avoided_expert_ids
from .review import _team_records, pool


def draw_list(user):
    return InspectionDraw.objects.restrict(user, VIEW).select_related("call", "drawn_by")


def draw_get(user, pk) -> InspectionDraw:
    return draw_list(user).get(pk=pk)


def item_list(user, draw: InspectionDraw | None = None):
    qs = InspectionItem.objects.restrict(user, VIEW).select_related("application__applicant", "draw").prefetch_related("inspectors__person")
    return qs.filter(draw=draw) if draw is not None else qs


def item_get(user, pk) -> InspectionItem:
    return item_list(user).get(pk=pk)


def published_draws():
    return InspectionDraw.objects.filter(items__published=True).distinct().order_by("-drawn_at", "-id")


def cycle_of(application: Application) -> str:
    """A project's inspection cycle: its period — for a funded application, the year of its call."""
    return str(application.call.year)


def funded_in_scope(programmes=(), call=None):
    qs = Application.objects.filter(status=ApplicationStatus.FUNDED).select_related("call")
    if programmes:
        qs = qs.filter(call__programme__in=list(programmes))
    if call is not None:
        qs = qs.filter(call=call)
    return qs.order_by("pk")


def _proposals(apps) -> list[conflict_engine.Proposal]:
    parts, avoid = defaultdict(lambda: ([], [])), avoided_expert_ids([a.pk for a in apps])
    rows = Participant.objects.filter(application__in=[a.pk for a in apps]).values_list(
        "application_id", "kind", "person_id", "organization_id"
    )
    for app_id, kind, person_id, org_id in rows:
        member = kind == Participant.Kind.MEMBER
        parts[app_id][0 if member else 1].append(str(person_id if member else org_id))
    return [
        conflict_engine.Proposal(
            str(a.pk),
            f"inspection-{a.pk}",  # one proposal per "call": competitors in a call are no conflict for an inspection
            str(a.applicant_id),
            str(a.pi_id),
            tuple(p for p in parts[a.pk][0] if p != str(a.pi_id)),
            tuple(parts[a.pk][1]),
            avoid.get(a.pk, ()),
        )
        for a in apps
    ]


def _declarations(expert_ids) -> dict[int, list[conflict_engine.Declaration]]:
    out = defaultdict(list)
    for d in ConflictDeclaration.objects.filter(kind=ConflictDeclaration.Kind.EXPERT, expert_id__in=expert_ids).order_by("pk"):
        if d.application_id:
            out[d.expert_id].append(conflict_engine.Declaration(conflict_engine.PROPOSAL, str(d.application_id), d.reason))
        elif d.organization_id:
            out[d.expert_id].append(conflict_engine.Declaration(conflict_engine.ORGANIZATION, str(d.organization_id), d.reason))
        else:
            out[d.expert_id].append(conflict_engine.Declaration(conflict_engine.PERSON, str(d.person_id), d.reason))
    return out


def draw_inputs(programmes=(), call=None, on: dt.date | None = None) -> tuple[list[inspection.Project], list[inspection.Inspector], dict]:
    """The engine's projects and inspectors for a draw in this scope, and the experts left out as debarred."""
    on = on or timezone.localdate()
    apps = list(funded_in_scope(programmes, call))
    past = defaultdict(list)
    for app_id, cycle in InspectionItem.objects.filter(application__in=[a.pk for a in apps]).values_list("application_id", "cycle"):
        past[app_id].append(cycle)
    projects = [inspection.Project(str(a.pk), cycle_of(a), str(a.applicant_id), tuple(sorted(past[a.pk]))) for a in apps]
    experts_pool = pool(on)
    experts = experts_pool.experts
    declared = _declarations([int(pk) for pk in experts])
    engine_experts = [
        conflict_engine.Expert(pk, str(e.person_id), str(e.person.employer_id) if e.person.employer_id else None, tuple(declared[e.pk]))
        for pk, e in experts.items()
    ]
    years = review_rules().coauthor_years
    found = conflict_engine.call_conflicts(_proposals(apps), engine_experts, _team_records(on, years), on, years)
    clashes = defaultdict(set)
    for (app_id, expert_id), items in found.items():
        if items:
            clashes[expert_id].add(app_id)
    inspectors = [
        inspection.Inspector(pk, str(e.person.employer_id) if e.person.employer_id else None, frozenset(clashes[pk]))
        for pk, e in experts.items()
    ]
    return projects, inspectors, experts_pool.debarred


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
