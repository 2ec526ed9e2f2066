"""The expert pool as the bureau sees it (issue: 专家库): the review round's pool (review.pool: active experts not
debarred, the debarred apart with the reason), each expert's fields, industries, employer, open load and history
counts, and one expert's review history per call with its performance in finished rounds — the outlier flag of
review.outlying over each call's sheets, and its mean deviation from the application's aggregated score.

The pool, its load and its history are the bureau's only: the pages and the API check bureau_only first. A list costs a fixed number of
queries whatever its length: the pool, the filter, fields and industries prefetched, and one grouped count each."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass

import django_filters as df
from django.db.models import Count, Max, Min, Q, prefetch_related_objects
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from heluo.core.permissions import VIEW
from heluo.people.models import Expert
from heluo.taxonomy.models import HitechField, Industry

from ..engine import review as review_engine
from ..engine.rules import review_rules
from ..models import (
    AcceptanceExpert,
    Application,
    AssignmentStatus,
    ConflictDeclaration,
    ReviewAssignment,
    ReviewPanel,
    ReviewSheet,
    Rubric,
)
from . import review

SUBMITTED, DECLINED, ASSIGNED = AssignmentStatus.SUBMITTED, AssignmentStatus.DECLINED, AssignmentStatus.ASSIGNED


class ExpertFilterSet(df.FilterSet):
    field = df.ModelChoiceFilter(field_name="hitech_fields", queryset=HitechField.objects.order_by("code"), label=_("Field"))
    industry = df.ModelChoiceFilter(field_name="industries", queryset=Industry.objects.order_by("code"), label=_("Industry"))
    employer = df.CharFilter(method="by_employer", label=_("Employer"))
    q = df.CharFilter(method="search", label=_("Specialty or keywords"))

    class Meta:
        model = Expert
        fields = ["field", "industry", "employer", "q"]

    def by_employer(self, qs, name, value):
        value = value.strip()[:100]
        return qs.filter(person__employer__name__icontains=value) if value else qs

    def search(self, qs, name, value):
        value = value.strip()[:100]
        return qs.filter(specialty__icontains=value) if value else qs


@dataclass
class Counts:
    assignments: int = 0
    submitted: int = 0
    declined: int = 0
    open: int = 0  # not yet submitted or declined, in a call whose round is still on
    conflicts: int = 0  # declared by the expert
    panels: int = 0  # acceptance (验收) panels served on


@dataclass
class Row:
    expert: Expert
    counts: Counts
    debarred: str = ""  # why, when debarred from reviewing
    until: dt.date | None = None  # the last day debarred (None and debarred: until lifted)


@dataclass
class Pool:
    rows: list[Row]  # the pool: active, not debarred
    debarred: list[Row]
    filterset: ExpertFilterSet


def counts(ids) -> dict[int, Counts]:
    """The history counts of the experts `ids`: three grouped queries."""
    out = {pk: Counts() for pk in ids}
    assignments = (
        ReviewAssignment.objects.filter(expert_id__in=ids)
        .values("expert_id")
        .annotate(
            n=Count("id"),
            submitted=Count("id", filter=Q(status=SUBMITTED)),
            declined=Count("id", filter=Q(status=DECLINED)),
            open=Count("id", filter=Q(status=ASSIGNED, application__status__in=review.IN_ROUND)),
        )
    )
    for r in assignments:
        c = out[r["expert_id"]]
        c.assignments, c.submitted, c.declined, c.open = r["n"], r["submitted"], r["declined"], r["open"]
    declared = ConflictDeclaration.objects.filter(kind=ConflictDeclaration.Kind.EXPERT, expert_id__in=ids)
    for pk, n in declared.values("expert_id").annotate(n=Count("id")).values_list("expert_id", "n"):
        out[pk].conflicts = n
    for pk, n in (
        AcceptanceExpert.objects.filter(expert_id__in=ids).values("expert_id").annotate(n=Count("id")).values_list("expert_id", "n")
    ):
        out[pk].panels = n
    return out


def pool(user, data) -> Pool:
    """The review round's pool, filtered by `data` (field, industry, employer, q); the debarred listed apart."""
    filterset = ExpertFilterSet(data, queryset=Expert.objects.restrict(user, VIEW).filter(active=True))
    p = review.pool()
    wanted = set(filterset.qs.values_list("pk", flat=True)) if filterset.is_valid() else set()
    experts = [e for pk, e in p.experts.items() if e.pk in wanted]
    barred = [e for pk, e in p.barred.items() if e.pk in wanted]
    prefetch_related_objects([*experts, *barred], "hitech_fields", "industries")
    c = counts([e.pk for e in (*experts, *barred)])
    return Pool(
        [Row(e, c[e.pk]) for e in experts],
        [Row(e, c[e.pk], p.debarred[str(e.pk)], p.until[str(e.pk)]) for e in barred],
        filterset,
    )


def expert_row(user, pk) -> Row:
    """One expert of the registry (in the pool or not), with its availability and counts; DoesNotExist when none."""
    e = Expert.objects.restrict(user, VIEW).select_related("person__employer").prefetch_related("hitech_fields", "industries").get(pk=pk)
    p = review.pool()
    return Row(e, counts([e.pk])[e.pk], p.debarred.get(str(e.pk), ""), p.until.get(str(e.pk)))


@dataclass
class CallHistory:
    call_id: int
    code: str
    title: str
    applications: int
    submitted: int
    declined: int
    finished: bool  # no application of the call is still in the round
    on_time: bool | None  # every sheet in by the first 会评 (None: no panel held yet)
    flagged: bool | None  # an outlying reviewer in this call (None: round not finished or not judged)
    deviation: float | None  # mean of (its score − the application's aggregated score) in this call


@dataclass
class Performance:
    calls: list[CallHistory]
    judged_sheets: int  # its sheets in finished rounds
    flagged_sheets: int  # of those, in the rounds where it was flagged as outlying
    mean_deviation: float | None

    @property
    def flagged_share(self) -> float | None:
        return self.flagged_sheets / self.judged_sheets if self.judged_sheets else None


def history(user, expert: Expert) -> Performance:
    """The expert's calls and its performance over the finished ones: a fixed number of queries."""
    rows = list(
        ReviewAssignment.objects.restrict(user, VIEW)
        .filter(expert=expert)
        .values("call_id", "call__code", "call__title")
        .annotate(
            n=Count("id"),
            submitted=Count("id", filter=Q(status=SUBMITTED)),
            declined=Count("id", filter=Q(status=DECLINED)),
            last=Max(TruncDate("sheet__submitted_at")),
        )
        .order_by("-call_id")
    )
    ids = [r["call_id"] for r in rows]
    unfinished = set(Application.objects.filter(call_id__in=ids, status__in=review.IN_ROUND).values_list("call_id", flat=True))
    panels = dict(
        ReviewPanel.objects.filter(call_id__in=ids).values("call_id").annotate(first=Min("held_on")).values_list("call_id", "first")
    )
    finished = [pk for pk in ids if pk not in unfinished]
    scores = defaultdict(dict)  # call → {(application, expert): score}
    sheets = ReviewSheet.objects.filter(assignment__call_id__in=finished, assignment__status=SUBMITTED)
    for call, app, who, score in sheets.values_list("assignment__call_id", "assignment__application_id", "assignment__expert_id", "score"):
        scores[call][str(app), str(who)] = score
    methods = dict(Rubric.objects.filter(call_id__in=finished).values_list("call_id", "method"))
    me, trim, default = str(expert.pk), review_rules().trim_share, review.round_settings()["method"]["value"]
    calls, judged, flagged, deviations = [], 0, 0, []
    for r in rows:
        pk, flag, dev = r["call_id"], None, None
        if pk in finished and r["submitted"]:
            mine = next((d for d in review.outlying(scores[pk]) if d.reviewer_id == me), None)
            flag = mine.flagged if mine and mine.z is not None else None
            judged += r["submitted"]
            flagged += r["submitted"] if flag else 0
            by_app = defaultdict(dict)
            for (app, who), s in scores[pk].items():
                by_app[app][who] = s
            own = [row[me] - review_engine.aggregate(row.values(), methods.get(pk, default), trim) for row in by_app.values() if me in row]
            deviations += own
            dev = statistics.fmean(own) if own else None
        first = panels.get(pk)
        on_time = None if first is None or not r["submitted"] else r["last"] <= first
        calls.append(
            CallHistory(pk, r["call__code"], r["call__title"], r["n"], r["submitted"], r["declined"], pk in finished, on_time, flag, dev)
        )
    return Performance(calls, judged, flagged, statistics.fmean(deviations) if deviations else None)
