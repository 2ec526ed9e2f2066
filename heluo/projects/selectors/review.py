"""Reads of the review round: what a user may see of it (`restrict`), and the facts the services compute on — the
call's conflicts of interest (engine.conflicts over the records), the experts' affinity to each application (the
technology market's matching engine over the application's text and the expert pool's records) and the results
(engine.review over the submitted sheets, engine.quotas for the youth quota)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.db.models import Sum
from django.utils import timezone

from heluo.core.codes import birth_date_of
from heluo.core.permissions import VIEW
from heluo.market.selectors import matching  # the market's expert index: one pool of experts, one engine
from heluo.people.models import Expert

from ..engine import conflicts as conflict_engine
from ..engine import integrity, quotas
from ..engine import review as review_engine
from ..engine.rules import review_rules
from ..models import (
    Application,
    ApplicationAnswer,
    ApplicationStatus,
    AssignmentStatus,
    Call,
    ConflictDeclaration,
    IntegrityRecord,
    ReviewAssignment,
    ReviewSheet,
    Rubric,
)
from . import conflict_inputs
from .applications import _engine_record, reference_date

SETTINGS_FILE = Path(__file__).resolve().parent.parent / "data" / "review-round.json"
IN_ROUND = (ApplicationStatus.ACCEPTED, ApplicationStatus.IN_REVIEW)


@cache
def round_settings() -> dict:
    return json.loads(SETTINGS_FILE.read_text(encoding="utf-8"))


# --- scoped reads -----------------------------------------------------------------------------------------------


def assignment_list(user, call: Call | None = None):
    qs = ReviewAssignment.objects.restrict(user, VIEW).select_related("application", "expert__person", "call")
    return qs.filter(call=call) if call is not None else qs


def assignment_get(user, pk) -> ReviewAssignment:
    return assignment_list(user).get(pk=pk)


def sheet_list(user, call: Call | None = None):
    qs = ReviewSheet.objects.restrict(user, VIEW).select_related("assignment__application", "assignment__expert")
    return qs.filter(assignment__call=call) if call is not None else qs


def declaration_list(user):
    return ConflictDeclaration.objects.restrict(user, VIEW).select_related("expert__person", "application", "organization", "person")


def rubric_row(call: Call) -> Rubric | None:
    return Rubric.objects.filter(call=call).first()


def rubric_of(call: Call) -> review_engine.Rubric:
    row = rubric_row(call)
    return review_engine.parse_rubric(row.criteria if row else round_settings()["rubric"])


def method_of(call: Call) -> str:
    row = Rubric.objects.filter(call=call).first()
    return row.method if row else round_settings()["method"]["value"]


# --- the pool and the applications of a round ------------------------------------------------------------------


def round_applications(call: Call):
    return Application.objects.filter(call=call, status__in=IN_ROUND).select_related("pi").order_by("pk")


@dataclass(frozen=True)
class Pool:
    experts: dict[str, Expert]  # id → the active experts not debarred from reviewing
    debarred: dict[str, str]  # id → why (the integrity records, in Chinese and English)
    barred: dict[str, Expert] = field(default_factory=dict)  # id → the debarred expert
    until: dict[str, dt.date | None] = field(default_factory=dict)  # id → the last day debarred (None: until lifted)


def pool(on: dt.date | None = None) -> Pool:
    on = on or timezone.localdate()
    experts = {str(e.pk): e for e in Expert.objects.filter(active=True).select_related("person__employer").order_by("pk")}
    people = [e.person_id for e in experts.values()]
    records = [_engine_record(r) for r in IntegrityRecord.objects.filter(person_id__in=people).order_by("pk")]
    barred = integrity.debarred_subjects(records, "review", on)
    debarred, out, until = {}, {}, {}
    for pk, e in list(experts.items()):
        if (integrity.PERSON, str(e.person_id)) in barred:
            d = integrity.debarment(records, integrity.PERSON, str(e.person_id), "review", on)
            debarred[pk] = f"{d.zh} / {d.en}"
            ends = [r.end for r in d.records]
            until[pk] = None if None in ends else max(ends, default=None)
            out[pk] = experts.pop(pk)
    return Pool(experts, debarred, out, until)


# --- conflicts of interest --------------------------------------------------------------------------------------


def call_conflicts(
    call: Call, experts: dict[str, Expert], on: dt.date | None = None
) -> dict[tuple[str, str], list[conflict_engine.Conflict]]:
    """Every conflict of the call's round: {(application id, expert id): [Conflict, …]} (ids as strings)."""
    on = on or timezone.localdate()
    apps = list(round_applications(call))
    # every application of the call counts for "the expert's own application in the same call", not only those in review
    others = Application.objects.filter(call=call).exclude(status__in=(*IN_ROUND, ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN))
    years = review_rules().coauthor_years
    found = conflict_engine.call_conflicts(
        conflict_inputs.application_proposals([*apps, *others]),
        conflict_inputs.engine_experts(experts.values()),
        conflict_inputs.team_records(on, years),
        on,
        years,
    )
    in_round = {str(a.pk) for a in apps}
    return {pair: items for pair, items in found.items() if pair[0] in in_round}


# --- affinity ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Affinity:
    score: float
    terms: tuple[str, ...]

    @property
    def reason(self) -> str:
        if not self.terms:
            return "无共同关键词（匹配分0） / no shared terms (affinity 0)"
        shown = "、".join(self.terms[:8])
        return f"匹配分 {self.score:.3f}，共同词：{shown} / affinity {self.score:.3f}, shared terms: {', '.join(self.terms[:8])}"


def application_texts(applications) -> dict[int, str]:
    """What an application says about itself: keywords, title, abstract and the text of its answers (one query)."""
    answers = defaultdict(list)
    rows = ApplicationAnswer.objects.filter(application__in=[a.pk for a in applications]).exclude(value_text="").order_by("pk")
    for app_id, text in rows.values_list("application_id", "value_text"):
        answers[app_id].append(text)
    return {a.pk: " ".join([a.keywords, a.title, a.abstract, *answers[a.pk]]) for a in applications}


def affinity(applications, expert_ids: set[str], top: int | None = None) -> dict[tuple[str, str], Affinity]:
    """The matching engine's best `top` experts (of `expert_ids`) for each application: {(application, expert): Affinity}."""
    top = top or int(round_settings()["affinity_top"]["value"])
    index = matching.index_for("experts")
    out, texts = {}, application_texts(applications)
    for a in applications:
        found = [m for m in index.search(texts[a.pk], top + max(0, len(index) - len(expert_ids))) if m.id in expert_ids]
        for m in found[:top]:
            out[str(a.pk), m.id] = Affinity(float(m.score), tuple(m.terms))
    return out


# --- results ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationResult:
    application: Application
    scores: dict[str, float]  # expert id → weighted score
    mean: float
    trimmed_mean: float
    median: float
    score: float  # by the rubric's method
    agreement: review_engine.Agreement | None


@dataclass(frozen=True)
class Results:
    call: Call
    method: str
    rows: list[ApplicationResult]  # ranked
    ranking: list[review_engine.Ranked]
    reviewers: list[review_engine.ReviewerDeviation]
    alpha: float | None
    plan: review_engine.FundingPlan | None  # within the budget, over the reviewed applications
    quota: quotas.QuotaCheck | None


def quota_of(call: Call):
    return review_rules().quotas.get(call.programme)


def candidates(call: Call, apps, ranks: dict[str, int]) -> dict[str, quotas.Candidate]:
    return {
        str(a.pk): quotas.Candidate(str(a.pk), str(a.pi_id), birth_date_of(a.pi.id_number or ""), ranks.get(str(a.pk), 0), a.requested)
        for a in apps
    }


def results(call: Call) -> Results:
    """Scores, flags, agreement and ranking of the call's submitted sheets; the funding proposal over those reviewed."""
    rules, method = review_rules(), method_of(call)
    sheets = ReviewSheet.objects.filter(assignment__call=call, assignment__status=AssignmentStatus.SUBMITTED)
    scores = {(str(a), str(e)): s for a, e, s in sheets.values_list("assignment__application_id", "assignment__expert_id", "score")}
    apps = {str(a.pk): a for a in Application.objects.filter(pk__in={int(a) for a, _ in scores}).select_related("pi")}
    by_app = defaultdict(dict)
    for (a, e), s in scores.items():
        by_app[a][e] = s
    agreement = {x.proposal_id: x for x in review_engine.low_agreement(scores, rules.low_agreement_spread)}
    combined = {a: review_engine.aggregate(row.values(), method, rules.trim_share) for a, row in by_app.items()}
    ranking = review_engine.rank(combined)
    rows = [
        ApplicationResult(
            apps[r.proposal_id],
            by_app[r.proposal_id],
            review_engine.aggregate(by_app[r.proposal_id].values(), "mean"),
            review_engine.aggregate(by_app[r.proposal_id].values(), "trimmed_mean", rules.trim_share),
            review_engine.aggregate(by_app[r.proposal_id].values(), "median"),
            combined[r.proposal_id],
            agreement.get(r.proposal_id),
        )
        for r in ranking
    ]
    reviewers = outlying(scores)
    reviewed = [r for r in ranking if apps[r.proposal_id].status == ApplicationStatus.REVIEWED]
    plan = quota = None
    if reviewed:
        ranks = {r.proposal_id: r.rank for r in reviewed}
        pool_ = candidates(call, [apps[p] for p in ranks], ranks)
        left = call.budget - funded_amount(call)
        q = quota_of(call)
        hook = quotas.quota_hook(q, reference_date(call), pool_, left) if q else None
        plan = review_engine.fund(reviewed, {p: apps[p].requested for p in ranks}, left, hook)
        quota = plan.quota
    return Results(call, method, rows, ranking, reviewers, review_engine.krippendorff_alpha(scores), plan, quota)


def outlying(scores: dict[tuple[str, str], float]) -> list[review_engine.ReviewerDeviation]:
    """The reviewers of one call's sheets {(application, expert): score} who deviate systematically (the rules' z)."""
    rules = review_rules()
    return review_engine.outlying_reviewers(scores, rules.outlier_z, rules.outlier_min_reviews)


def funded_amount(call: Call):
    return Application.objects.filter(call=call, status=ApplicationStatus.FUNDED).aggregate(s=Sum("requested"))["s"] or 0
