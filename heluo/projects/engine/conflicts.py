"""Conflicts of interest between review experts and proposals (pure), each one explained with its evidence.

Kinds (an expert may have several with one proposal):

* ``same_employer`` — the expert's employer is the applicant organization;
* ``partner_employer`` — the expert's employer is one of the proposal's partner organizations;
* ``own_proposal`` — the expert is the PI or a team member of the proposal;
* ``applicant_in_call`` — the expert leads or works on another proposal in the same call (a competitor);
* ``co_applicant`` / ``co_author`` — the expert and the PI or a team member share a project team / an
  achievement team in the platform's records dated within the last N years (N = ``years``, from the rules);
* ``declared_by_expert`` — the expert declared a relationship with the proposal, its applicant or partner
  organization, or a person on its team;
* ``requested_by_applicant`` — the applicant asked for this expert to stay away (回避申请).

`call_conflicts` computes every conflicting pair of a whole call through indexes (employer → experts,
person → experts, record → people), so its cost follows the number of conflicts and records, not
proposals × experts; `conflicts` is the same computation for one expert and one proposal.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from heluo.projects.engine.rules import RuleError

PERSON, ORGANIZATION, PROPOSAL = "person", "organization", "proposal"
RECORD_KINDS = {"project": "co_applicant", "achievement": "co_author"}
SUBJECT_ZH = {PERSON: "人员", ORGANIZATION: "单位", PROPOSAL: "项目"}


@dataclass(frozen=True)
class Conflict:
    kind: str
    zh: str
    en: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Declaration:
    """A relationship an expert declares: with a person, an organization or a proposal (``subject_kind``)."""

    subject_kind: str
    subject_id: str
    reason: str = ""


@dataclass(frozen=True)
class Expert:
    id: str
    person_id: str
    employer_id: str | None = None
    declarations: tuple[Declaration, ...] = ()


@dataclass(frozen=True)
class Proposal:
    id: str
    call_id: str
    organization_id: str
    pi_id: str
    member_ids: tuple[str, ...] = ()
    partner_ids: tuple[str, ...] = ()
    avoid_expert_ids: tuple[str, ...] = ()  # 回避申请: experts the applicant asks to keep away

    @property
    def people(self) -> tuple[str, ...]:
        return (self.pi_id, *self.member_ids)


@dataclass(frozen=True)
class TeamRecord:
    """A project team (``project``) or an achievement's team (``achievement``) from the platform's records."""

    kind: str
    id: str
    on: dt.date
    person_ids: frozenset[str]
    title: str = ""


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 February → 28 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _role(proposal: Proposal, person: str) -> tuple[str, str]:
    return ("负责人", "the PI") if person == proposal.pi_id else ("项目组成员", "a team member")


def call_conflicts(
    proposals: Iterable[Proposal],
    experts: Iterable[Expert],
    records: Iterable[TeamRecord],
    on: dt.date,
    years: int,
) -> dict[tuple[str, str], list[Conflict]]:
    """Every conflict of the call: {(proposal id, expert id): [Conflict, …]}, pairs without conflict left out."""
    if years < 0:
        raise RuleError("回避年限不能为负数", "the number of years cannot be negative", "years")
    proposals, experts = list(proposals), list(experts)
    found: dict[tuple[str, str], list[Conflict]] = defaultdict(list)
    by_employer, by_person = defaultdict(list), defaultdict(list)
    for e in experts:
        if e.employer_id:
            by_employer[e.employer_id].append(e)
        by_person[e.person_id].append(e)

    # employers
    for p in proposals:
        for e in by_employer.get(p.organization_id, ()):
            found[p.id, e.id].append(
                Conflict(
                    "same_employer",
                    "专家与申报单位为同一单位",
                    "The expert works for the applicant organization",
                    (f"organization:{p.organization_id}",),
                )
            )
        for partner in dict.fromkeys(p.partner_ids):
            for e in by_employer.get(partner, ()):
                found[p.id, e.id].append(
                    Conflict(
                        "partner_employer",
                        "专家所在单位为项目合作单位",
                        "The expert works for a partner organization",
                        (f"organization:{partner}",),
                    )
                )

    # the expert's own applications: this proposal, and the others of the same call
    in_call: dict[str, list[Proposal]] = defaultdict(list)
    for p in proposals:
        in_call[p.call_id].append(p)
    for p in proposals:
        for person in dict.fromkeys(p.people):
            zh_role, en_role = _role(p, person)
            for e in by_person.get(person, ()):
                found[p.id, e.id].append(
                    Conflict("own_proposal", f"专家是本项目的{zh_role}", f"The expert is {en_role} of this proposal", (f"proposal:{p.id}",))
                )
                competing = Conflict(  # one value for every other proposal of the call
                    "applicant_in_call",
                    f"专家是同一指南下项目 {p.id} 的{zh_role}",
                    f"The expert is {en_role} of proposal {p.id} in the same call",
                    (f"proposal:{p.id}",),
                )
                for other in in_call[p.call_id]:
                    if other.id != p.id:
                        found[other.id, e.id].append(competing)

    # shared teams in the last N years: person → [(expert, record)] for every expert on a recent record
    since = years_before(on, years)
    shared: dict[str, list[tuple[Expert, TeamRecord]]] = defaultdict(list)
    for r in records:
        if not since <= r.on <= on or r.kind not in RECORD_KINDS:
            continue
        for expert_person in r.person_ids & by_person.keys():
            for e in by_person[expert_person]:
                for person in r.person_ids - {expert_person}:
                    shared[person].append((e, r))
    for p in proposals:
        seen = set()
        for person in dict.fromkeys(p.people):
            zh_role, en_role = _role(p, person)
            for e, r in shared.get(person, ()):
                if (e.id, r.id, person) in seen:
                    continue
                seen.add((e.id, r.id, person))
                what = ("项目", "project") if r.kind == "project" else ("成果", "achievement")
                found[p.id, e.id].append(
                    Conflict(
                        RECORD_KINDS[r.kind],
                        f"专家与本项目{zh_role}（{person}）于 {r.on} 同属{what[0]}“{r.title or r.id}”团队（近{years}年内）",
                        f"The expert and {en_role} ({person}) were on the team of {what[1]} “{r.title or r.id}” on {r.on} (within {years} years)",
                        (f"{r.kind}:{r.id}", f"person:{person}"),
                    )
                )

    # declared by the expert, requested by the applicant
    declared: dict[tuple[str, str], list[tuple[Expert, Declaration]]] = defaultdict(list)
    for e in experts:
        for d in e.declarations:
            declared[d.subject_kind, d.subject_id].append((e, d))
    experts_by_id = {e.id: e for e in experts}
    for p in proposals:
        subjects = [(PROPOSAL, p.id), (ORGANIZATION, p.organization_id)]
        subjects += [(ORGANIZATION, o) for o in p.partner_ids] + [(PERSON, person) for person in p.people]
        for kind, subject in dict.fromkeys(subjects):
            for e, d in declared.get((kind, subject), ()):
                because = f"：{d.reason}" if d.reason else ""
                found[p.id, e.id].append(
                    Conflict(
                        "declared_by_expert",
                        f"专家申明与{SUBJECT_ZH[kind]} {subject} 存在利害关系{because}",
                        f"The expert declared a relationship with {kind} {subject}" + (f": {d.reason}" if d.reason else ""),
                        (f"{kind}:{subject}",),
                    )
                )
        for expert_id in dict.fromkeys(p.avoid_expert_ids):
            if expert_id in experts_by_id:
                found[p.id, expert_id].append(
                    Conflict(
                        "requested_by_applicant",
                        "申报方申请该专家回避",
                        "The applicant asked for this expert to stay away",
                        (f"proposal:{p.id}",),
                    )
                )
    return dict(found)


def conflicts(
    expert: Expert, proposal: Proposal, records: Iterable[TeamRecord], on: dt.date, years: int, call_proposals: Iterable[Proposal] = ()
) -> list[Conflict]:
    """The conflicts of one expert with one proposal; `call_proposals` are the call's other proposals."""
    others = [p for p in call_proposals if p.id != proposal.id and p.call_id == proposal.call_id]
    return call_conflicts([proposal, *others], [expert], records, on, years).get((proposal.id, expert.id), [])


def conflict_pairs(found: dict[tuple[str, str], list[Conflict]]) -> list[tuple[str, str]]:
    """The conflicting (proposal, reviewer) pairs, sorted: what the assignment receives as `proposal,reviewer,-1`."""
    return sorted(pair for pair, items in found.items() if items)
