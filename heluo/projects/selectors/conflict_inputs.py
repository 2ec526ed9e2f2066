"""The conflict engine's inputs from the platform's records, in one place for the review round, an acceptance panel
and the 双随机 inspections: the teams on record (co-applicants), the experts with their own declarations, and the
proposal an application or a project stands for (its organization, PI, team, partners and 回避 requests).

A proposal's id is its application's (the experts declare conflicts with applications); a project from an awarded
揭榜挂帅 bid has none and is ``bid-<id>``, in the "call" ``challenge-<id>``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone

from heluo.market.selectors import achievements as achievement_selectors
from heluo.people.models import Expert, Person

from ..engine import conflicts as conflict_engine
from ..models import Application, ApplicationStatus, ConflictDeclaration, Participant, Project
from .avoidance import avoided_expert_ids

TEAM_STATUSES = (ApplicationStatus.ACCEPTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.REVIEWED, ApplicationStatus.FUNDED)


def team_records(on: dt.date, years: int) -> list[conflict_engine.TeamRecord]:
    """The teams on record within the years: the platform's applications (passed the formal check or beyond) and
    the technology market's published achievements (co-authors)."""
    since = conflict_engine.years_before(on, years)
    apps = Application.objects.filter(status__in=TEAM_STATUSES, submitted_at__date__gte=since).values_list("pk", "submitted_at", "title")
    apps = {pk: (at, title) for pk, at, title in apps}
    members = defaultdict(set)
    rows = Participant.objects.filter(application_id__in=list(apps), kind=Participant.Kind.MEMBER).values_list(
        "application_id", "person_id"
    )
    for app_id, person_id in rows:
        members[app_id].add(str(person_id))
    records = [
        conflict_engine.TeamRecord("project", str(pk), timezone.localtime(at).date(), frozenset(members[pk]), title)
        for pk, (at, title) in apps.items()
        if len(members[pk]) > 1
    ]
    return records + achievement_teams(since)


def achievement_teams(since: dt.date) -> list[conflict_engine.TeamRecord]:
    """Published achievements' teams, their names read as people of the registry: a name is the one person of the
    registry with that name, or, when several share it, the one of them working at the achievement's organization;
    a name that fits nobody, or several, is left out rather than guessed."""
    teams = achievement_selectors.published_teams(since)
    if not teams:
        return []
    named = defaultdict(list)
    names = {n for _pk, _on, _org, team, _title in teams for n in team}
    for pk, name, employer in Person.objects.filter(name__in=names).values_list("pk", "name", "employer_id"):
        named[name].append((str(pk), employer))

    def person(name: str, org: int) -> str | None:
        found = named[name] if len(named[name]) == 1 else [p for p in named[name] if p[1] == org]
        return found[0][0] if len(found) == 1 else None

    out = []
    for pk, on, org, team, title in teams:
        ids = frozenset(filter(None, (person(n, org) for n in team)))
        if len(ids) > 1:
            out.append(conflict_engine.TeamRecord("achievement", str(pk), on, ids, title))
    return out


def declarations(expert_ids: Iterable[int]) -> dict[int, list[conflict_engine.Declaration]]:
    """{expert id: the relationships the expert declared}, with an application, an organization or a person."""
    out = defaultdict(list)
    rows = ConflictDeclaration.objects.filter(kind=ConflictDeclaration.Kind.EXPERT, expert_id__in=list(expert_ids)).order_by("pk")
    for d in rows:
        if d.application_id:
            out[d.expert_id].append(conflict_engine.Declaration(conflict_engine.PROPOSAL, str(d.application_id), d.reason))
        elif d.organization_id:
            out[d.expert_id].append(conflict_engine.Declaration(conflict_engine.ORGANIZATION, str(d.organization_id), d.reason))
        else:
            out[d.expert_id].append(conflict_engine.Declaration(conflict_engine.PERSON, str(d.person_id), d.reason))
    return out


def engine_experts(experts: Iterable[Expert]) -> list[conflict_engine.Expert]:
    """The engine's experts (person and employer loaded), each with its declarations."""
    experts = list(experts)
    declared = declarations(e.pk for e in experts)
    return [
        conflict_engine.Expert(
            str(e.pk), str(e.person_id), str(e.person.employer_id) if e.person.employer_id else None, tuple(declared[e.pk])
        )
        for e in experts
    ]


def _teams(application_ids) -> tuple[dict, dict, dict]:
    """{application id: member person ids}, {…: partner organization ids}, {…: experts asked to stay away}."""
    members, partners, avoid = defaultdict(list), defaultdict(list), defaultdict(list)
    rows = Participant.objects.filter(application_id__in=application_ids).order_by("pk")
    for app_id, kind, person_id, org_id in rows.values_list("application_id", "kind", "person_id", "organization_id"):
        if kind == Participant.Kind.MEMBER:
            members[app_id].append(str(person_id))
        else:
            partners[app_id].append(str(org_id))
    avoid.update(avoided_expert_ids(application_ids))
    return members, partners, avoid


def application_proposals(apps: Iterable[Application], *, own_call: bool = False) -> list[conflict_engine.Proposal]:
    """One proposal per application, in its call (own_call: each alone in a call of its own — for an inspection,
    competitors are no conflict)."""
    apps = list(apps)
    members, partners, avoid = _teams([a.pk for a in apps])
    return [
        conflict_engine.Proposal(
            str(a.pk),
            f"own-{a.pk}" if own_call else str(a.call_id),
            str(a.applicant_id),
            str(a.pi_id),
            tuple(m for m in members[a.pk] if m != str(a.pi_id)),
            tuple(partners[a.pk]),
            tuple(avoid[a.pk]),
        )
        for a in apps
    ]


def project_proposals(projects: Iterable[Project], *, own_call: bool = False) -> list[conflict_engine.Proposal]:
    """One proposal per project, as it stands now (a change request may have changed its PI): the organization that
    holds it and its PI; the team, partners and 回避 requests of its application — a bid's project has its leader
    and no other member."""
    projects = list(projects)
    members, partners, avoid = _teams([p.application_id for p in projects if p.application_id])
    out = []
    for p in projects:
        pi = str(p.pi_id)
        if p.application_id:
            pid, call = str(p.application_id), str(p.application.call_id)
            team, with_, away = members[p.application_id], partners[p.application_id], avoid[p.application_id]
        else:
            pid, call = f"bid-{p.bid_id}", f"challenge-{p.bid.challenge_id}"
            team, with_, away = [str(p.bid.leader_id)], [], []
        out.append(
            conflict_engine.Proposal(
                pid,
                f"own-{pid}" if own_call else call,
                str(p.applicant_id),
                pi,
                tuple(m for m in team if m != pi),
                tuple(with_),
                tuple(away),
            )
        )
    return out
