"""Suggestions (issue 12, matching): demand → achievements, demand → experts and achievement → enterprises likely to
need it, on the matching engine (engine/matching.py).

One MatchIndex per kind per process, built on first use from the database and kept. Each use checks the tables it
reads with heluo.core.figures.stamp (one query); when the stamp has changed, the records are read again and only the
changed ones go through the engine's upsert path (removed ones are masked); a new index is built only when the change
is larger than the engine's delta limit. Comparing records, not trusting the stamp alone, keeps the index right after
a rolled-back transaction too.

Scope: the engine's result ids are filtered through restrict(user, VIEW), so a user is only ever suggested what it may
see. The indexed texts are those of published achievements, of the expert pool (with its past work: the achievements
its members lead or work on, the public demands they have brokered) and of enterprises (their industry,
field, clusters and the text of their published *public* demands only: a confidential demand's text is never indexed,
so it never appears in another party's explanation); a demand is otherwise only ever the query, on its own page.
Enterprises are suggested to the bureau's and districts' staff and to the achievement's own organization only.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import cache

from heluo.core.figures import stamp
from heluo.core.permissions import VIEW, scope_for
from heluo.orgs.models import Organization, OrganizationKind
from heluo.people.models import Expert, Person

from ..engine.dictionary import taxonomy_words
from ..engine.matching import Match, MatchIndex, Record
from ..engine.settings import MatchSettings
from ..models import Achievement, AchievementStatus, Brokering, BrokeringStatus, Confidentiality, Demand, DemandStatus
from ..models.achievements import TRL_MAX, TRL_MIN

KINDS = ("achievements", "experts")  # for a demand; "enterprises" for an achievement
SNIPPET_CONTEXT = 40  # characters either side of the first shared term in a long field


@cache
def settings() -> MatchSettings:
    return MatchSettings.load()


@cache
def words() -> tuple[str, ...]:
    from heluo.taxonomy.reference import HITECH_FILE, INDUSTRY_FILE

    return tuple(taxonomy_words(json.loads(p.read_text(encoding="utf-8")) for p in (INDUSTRY_FILE, HITECH_FILE)))


def _ids(*values) -> list[str]:
    return [str(v) for v in values if v is not None]


# --- records from the database ---------------------------------------------------------------------------------


def achievement_records() -> list[Record]:
    qs = Achievement.objects.filter(status=AchievementStatus.PUBLISHED).select_related("hitech_field", "organization__area").order_by("pk")
    return [
        Record(
            str(a.pk),
            {"title": a.title, "abstract": a.abstract, "keywords": a.keywords},
            {
                "field": _ids(a.hitech_field_id, a.hitech_field.parent_id if a.hitech_field else None),
                "cluster": _ids(a.cluster_id),
                "area": _ids(a.organization.area_id, a.organization.area.parent_id),
                "maturity": _ids(a.trl),
            },
        )
        for a in qs
    ]


def expert_past_work() -> dict[int, list[str]]:
    """An expert's past work, by expert id: the published achievements its person leads or is in the team of (at
    its employer: a name alone is no identity), and the public demands it has negotiated or signed a contract on."""
    people = {
        (org, name): pk for pk, org, name in Expert.objects.filter(active=True).values_list("pk", "person__employer_id", "person__name")
    }
    work: dict[int, list[str]] = {}
    published = Achievement.objects.filter(status=AchievementStatus.PUBLISHED, organization_id__in={org for org, _ in people}).order_by(
        "pk"
    )
    for org, leader, team, title in published.values_list("organization_id", "leader", "team", "title"):
        for name in {leader, *team.split("、")}:  # stored as the service wrote it: names joined by 、
            pk = people.get((org, name))
            if pk is not None:
                work.setdefault(pk, []).append(title)
    brokered = Brokering.objects.filter(
        expert__isnull=False,
        status__in=(BrokeringStatus.NEGOTIATING, BrokeringStatus.SIGNED),
        demand__status=DemandStatus.PUBLISHED,
        demand__confidentiality=Confidentiality.PUBLIC,
    ).order_by("pk")
    for pk, title in brokered.values_list("expert_id", "demand__title"):
        work.setdefault(pk, []).append(title)
    return work


def expert_records() -> list[Record]:
    qs = (
        Expert.objects.filter(active=True)
        .select_related("person__employer__area")
        .prefetch_related("hitech_fields", "industries")
        .order_by("pk")
    )
    past = expert_past_work()
    out = []
    for e in qs:
        fields = list(e.hitech_fields.all())
        industries = list(e.industries.all())
        employer = e.person.employer
        out.append(
            Record(
                str(e.pk),
                {
                    "title": e.specialty,
                    "abstract": "；".join([*(x.name_zh for x in [*fields, *industries]), *past.get(e.pk, [])]),
                    "keywords": "、".join([e.specialty, *(f.name_zh for f in fields)]) if e.specialty else "",
                },
                {
                    "field": sorted({*_ids(*(f.pk for f in fields)), *_ids(*(f.parent_id for f in fields))}),
                    "area": _ids(employer.area_id, employer.area.parent_id) if employer else [],
                },
            )
        )
    return out


def enterprise_records() -> list[Record]:
    public = Demand.objects.filter(status=DemandStatus.PUBLISHED, confidentiality=Confidentiality.PUBLIC).order_by("pk")
    demands: dict[int, list[str]] = {}
    for enterprise_id, title, problem in public.values_list("enterprise_id", "title", "problem"):
        demands.setdefault(enterprise_id, []).append(f"{title}：{problem}")
    qs = (
        Organization.objects.filter(kind=OrganizationKind.ENTERPRISE)
        .select_related("area", "industry", "hitech_field")
        .prefetch_related("clusters")
        .order_by("pk")
    )
    out = []
    for o in qs:
        clusters = list(o.clusters.all())
        named = [x.name_zh for x in (o.industry, o.hitech_field) if x is not None]
        out.append(
            Record(
                str(o.pk),
                {
                    "title": "；".join(named),
                    "keywords": "、".join([*named, *(c.name_zh for c in clusters)]),
                    "abstract": "\n".join(demands.get(o.pk, [])),
                },
                {
                    "field": _ids(o.hitech_field_id, o.hitech_field.parent_id if o.hitech_field else None),
                    "cluster": _ids(*(c.pk for c in clusters)),
                    "area": _ids(o.area_id, o.area.parent_id),
                },
            )
        )
    return out


SOURCES = {
    "achievements": (achievement_records, (Achievement, Organization), Achievement),
    "experts": (expert_records, (Expert, Person, Organization, Achievement, Brokering, Demand), Expert),
    "enterprises": (enterprise_records, (Organization, Demand), Organization),
}


# --- the kept indexes ------------------------------------------------------------------------------------------


@dataclass
class Kept:
    stamp: str
    index: MatchIndex
    records: dict[str, Record]
    rebuilds: int = 1
    upserts: int = 0


_kept: dict[str, Kept] = {}
_lock = threading.Lock()


def index_for(kind: str) -> MatchIndex:
    """The kind's index, brought up to date with the database."""
    read, tables, _model = SOURCES[kind]
    now = stamp(audited=tables)
    with _lock:
        kept = _kept.get(kind)
        if kept is not None and kept.stamp == now:
            return kept.index
        records = {r.id: r for r in read()}
        if kept is None:
            _kept[kind] = Kept(now, MatchIndex(records.values(), settings(), words()), records)
            return _kept[kind].index
        changed = [r for rid, r in records.items() if kept.records.get(rid) != r]
        gone = [rid for rid in kept.records if rid not in records]
        if len(changed) + len(gone) > settings().delta_limit(len(kept.records)):
            kept.index = MatchIndex(records.values(), settings(), words())
            kept.rebuilds += 1
        else:
            kept.index.remove(gone)
            kept.index.upsert(changed)
            kept.upserts += len(changed) + len(gone)
        kept.stamp, kept.records = now, records
        return kept.index


def warm() -> None:
    """Every kind's index, built now (a server process's warm-up)."""
    for kind in SOURCES:
        index_for(kind)


def kept_state(kind: str) -> Kept | None:
    return _kept.get(kind)


def forget() -> None:
    """Drop the kept indexes (tests; a demo reset)."""
    with _lock:
        _kept.clear()


# --- suggestions -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    id: int
    label: str
    obj: object
    match: Match
    fragments: dict[str, list[tuple[str, bool]]]  # field → (text, is shared term) pieces, for <mark>


def demand_query(demand: Demand) -> str:
    return f"{demand.title} {demand.problem}"


def achievement_query(achievement: Achievement) -> str:
    return f"{achievement.keywords} {achievement.title} {achievement.abstract}"


def may_see_enterprises(user, achievement: Achievement) -> bool:
    """Enterprises likely to need an achievement are not public: staff and the achievement's own organization."""
    scope = scope_for(user)
    return scope.is_staff or (scope.organization_id is not None and scope.organization_id == achievement.organization_id)


def filters_for(field=None, cluster=None, area=None, trl_min=None, trl_max=None) -> dict:
    """Engine filters from chosen rows (or ids) and a TRL range (bounded to the scale)."""
    out = {}
    for name, value in (("field", field), ("cluster", cluster), ("area", area)):
        if value is not None:
            out[name] = str(getattr(value, "pk", value))
    if trl_min is not None or trl_max is not None:
        low = max(TRL_MIN, trl_min or TRL_MIN)
        high = min(TRL_MAX, trl_max or TRL_MAX)
        out["maturity"] = [str(n) for n in range(low, high + 1)] or ["none"]
    return out


def suggest(user, kind: str, query: str, filters: dict | None = None, limit: int = 10) -> list[Suggestion]:
    """The best ``limit`` records of the kind for the query that the user may see, each with its explanation."""
    if kind not in SOURCES:
        raise ValueError(f"unknown kind {kind!r}")
    limit = max(1, min(limit, settings().limits["top"]))
    index = index_for(kind)
    matches = index.search(query, settings().limits["top"], filters or {})
    if not matches:
        return []
    model = SOURCES[kind][2]
    qs = model.objects.restrict(user, VIEW).filter(pk__in=[int(m.id) for m in matches])
    if model is Expert:
        qs = qs.select_related("person")
    elif model is Achievement:
        qs = qs.select_related("organization")
    rows = {str(o.pk): o for o in qs}
    out = []
    for m in matches:
        obj = rows.get(m.id)
        if obj is None:
            continue
        record = index.records[index.position[m.id]]
        label = obj.title if model is Achievement else str(obj.person) if model is Expert else obj.name
        out.append(Suggestion(obj.pk, label, obj, m, _fragments(record, m)))
        if len(out) == limit:
            break
    return out


def _fragments(record: Record, match: Match) -> dict[str, list[tuple[str, bool]]]:
    """Each field with shared terms, cut into (text, is_match) pieces; long fields as a snippet around the first."""
    out = {}
    for name in ("title", "keywords", "abstract"):
        spans = sorted((s.start, s.end) for s in match.spans if s.field == name)
        if not spans:
            continue
        text = record.text(name)
        begin, end = 0, len(text)
        if name == "abstract":
            begin = max(0, spans[0][0] - SNIPPET_CONTEXT)
            end = min(len(text), spans[0][1] + 4 * SNIPPET_CONTEXT)
        pieces, at = [], begin
        if begin > 0:
            pieces.append(("…", False))
        for start, stop in spans:
            if start < at or stop > end:
                continue
            if start > at:
                pieces.append((text[at:start], False))
            pieces.append((text[start:stop], True))
            at = stop
        if at < end:
            pieces.append((text[at:end], False))
        if end < len(text):
            pieces.append(("…", False))
        out[name] = pieces
    return out
