"""Writes of the review round: the call's rubric, conflicts declared by experts and 回避 requested by applicants, the
assignment (engine.assignment over the matching engine's affinities, no conflict ever), an expert's decline and the
bureau's reassignment, the sheets, the end of the review, the panel's ranking and the funding decisions (each an
application's "fund" / "decline" step with its reason, within the budget and the youth quota)."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from heluo.core import audit
from heluo.core.i18n import Bilingual, Refusal
from heluo.core.models import Role
from heluo.core.permissions import scope_for
from heluo.people.models import Expert

from ..engine import assignment as assignment_engine
from ..engine import quotas
from ..engine import review as review_engine
from ..models import (
    AggregationMethod,
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Call,
    ConflictDeclaration,
    ReviewAssignment,
    ReviewPanel,
    ReviewSheet,
    Rubric,
)
from ..selectors import applications as app_selectors
from ..selectors import review as selectors
from .applications import application_transition
from .calls import bureau_only

MAX_REASON = 1000
MAX_NAMED, MAX_EMPLOYER = 100, 200  # ConflictDeclaration.named_person / named_employer
AVOIDANCE_OPEN = (ApplicationStatus.SUBMITTED, ApplicationStatus.RECOMMENDED, ApplicationStatus.ACCEPTED)


def _reason(text: str, field: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        raise Refusal("reason_required", "请填写理由", "A reason is required.", 422, field)
    if len(text) > MAX_REASON:
        raise Refusal("reason_too_long", f"理由不能超过{MAX_REASON}字", f"The reason is longer than {MAX_REASON} characters.", 422, field)
    return text


def _own_expert(user) -> Expert:
    scope = scope_for(user)
    expert = (
        Expert.objects.filter(person_id=scope.person_id, active=True).first() if scope.role == Role.EXPERT and scope.person_id else None
    )
    if expert is None:
        raise PermissionDenied(Bilingual("只有专家库中的专家本人可以这样做", "Only the expert in the pool may do this.").both)
    return expert


class Problems(Refusal):
    """A rubric or a sheet refused with every problem the engine found, each naming its criterion (`details()`: one
    entry per problem, its field the criterion's code or "#n" for the n-th one without a code)."""

    def __init__(self, code: str, exc: review_engine.RuleError):
        self.problems = getattr(exc, "problems", None) or [exc]
        super().__init__(code, exc.zh, exc.en, 422, getattr(exc, "field", None))

    def details(self) -> list[dict]:
        return [{"field": p.field, "message": f"{p.zh} / {p.en}", "code": self.reason_code, "zh": p.zh, "en": p.en} for p in self.problems]


def _problems(exc: review_engine.RubricError | review_engine.RuleError, code: str) -> Refusal:
    return Problems(code, exc)


# --- rubric and declarations ---------------------------------------------------------------------------------


def rubric_save(user, call: Call, criteria: dict | None = None, method: str = AggregationMethod.TRIMMED_MEAN) -> Rubric:
    """The call's rubric (the platform's default when none is given), checked by engine.review before it is kept."""
    bureau_only(user)
    criteria = criteria if criteria is not None else selectors.round_settings()["rubric"]
    try:
        review_engine.parse_rubric(criteria)
    except review_engine.RuleError as exc:
        raise _problems(exc, "rubric_invalid") from exc
    if method not in AggregationMethod.values:
        raise Refusal("unknown_method", "未知的汇总方法", "Unknown aggregation method.", 422, "method")
    if ReviewSheet.objects.filter(assignment__call=call).exists():
        raise Refusal(
            "rubric_in_use", "已有专家提交评分，评分表不能再修改", "Sheets have been submitted: the rubric can no longer change.", 409
        )
    row = Rubric.objects.filter(call=call).first() or Rubric(call=call)
    if row.pk:
        audit.known_before(row)
    row.criteria, row.method, row.updated_by = criteria, method, user if getattr(user, "pk", None) else None
    row.save()
    return row


def declare_conflict(user, reason: str, application: Application | None = None, organization=None, person=None) -> ConflictDeclaration:
    """An expert's own declaration of a relationship with one application, organization or person."""
    expert = _own_expert(user)
    if sum(x is not None for x in (application, organization, person)) != 1:
        raise Refusal("one_subject", "请指定一个项目、单位或人员", "Name one application, organization or person.", 422)
    return ConflictDeclaration.objects.create(
        kind=ConflictDeclaration.Kind.EXPERT,
        expert=expert,
        application=application,
        organization=organization,
        person=person,
        reason=_reason(reason),
        declared_by=user,
    )


def request_avoidance(user, application: Application, name: str, employer: str, reason: str) -> ConflictDeclaration:
    """回避申请: the applicant, before the review starts, names a person it asks to stay away (name and employer as it
    knows them). Always recorded alike, whether or not the pool holds such an expert: the applicant learns nothing of
    the pool; the bureau's side matches the request when it computes the conflicts (selectors.avoidance)."""
    scope = scope_for(user)
    if scope.role != Role.ORG_USER or scope.organization_id != application.applicant_id:
        raise PermissionDenied(Bilingual("回避申请由申报单位提出", "The applicant asks for an expert to stay away.").both)
    if application.status not in AVOIDANCE_OPEN:
        raise Refusal("avoidance_closed", "评审开始后不能再提出回避申请", "Avoidance can only be asked for before the review starts.", 409)
    name, employer = " ".join((name or "").split()), " ".join((employer or "").split())
    if not name or len(name) > MAX_NAMED:
        raise Refusal(
            "name_required",
            f"请填写专家姓名（不超过{MAX_NAMED}字）",
            f"Give the expert's name (at most {MAX_NAMED} characters).",
            422,
            "name",
        )
    if not employer or len(employer) > MAX_EMPLOYER:
        raise Refusal(
            "employer_required",
            f"请填写专家的工作单位（不超过{MAX_EMPLOYER}字）",
            f"Give the expert's employer (at most {MAX_EMPLOYER} characters).",
            422,
            "employer",
        )
    return ConflictDeclaration.objects.create(
        kind=ConflictDeclaration.Kind.APPLICANT,
        named_person=name,
        named_employer=employer,
        application=application,
        reason=_reason(reason),
        declared_by=user,
    )


# --- conflicts and assignment ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictReport:
    conflicts: dict[tuple[str, str], list]  # (application id, expert id) → [engine.conflicts.Conflict]
    debarred: dict[str, str]  # expert id → why it is left out of the pool


def conflicts(user, call: Call) -> ConflictReport:
    bureau_only(user)
    pool = selectors.pool()
    return ConflictReport(selectors.call_conflicts(call, pool.experts), pool.debarred)


@dataclass(frozen=True)
class RoundAssignment:
    assignments: list[ReviewAssignment]
    loads: dict[str, int]
    total: float
    seconds: float
    conflicts: int
    debarred: dict[str, str]


def _max_load(k: int, proposals: int, experts: int) -> int:
    return math.ceil(k * proposals / max(experts, 1)) + int(selectors.round_settings()["max_load_slack"]["value"])


def assign(
    user, call: Call, k: int | None = None, min_load: int = 0, max_load: int | None = None, one_per_employer: bool = True
) -> RoundAssignment:
    """Assign the call's accepted (and in-review) applications to experts: k each, loads within bounds, no conflict,
    at most one expert of an employer per application when asked, the best total affinity (exact). Assignments not
    yet submitted are replaced; submitted ones stay (and count); a declined pair is never made again."""
    bureau_only(user)
    k = k or call.reviewers_per_proposal
    with transaction.atomic():
        Call.objects.select_for_update().get(pk=call.pk)
        apps = list(selectors.round_applications(call))
        if not apps:
            raise Refusal("nothing_to_assign", "没有待评审的项目", "No application is waiting for review.", 409)
        pool = selectors.pool()
        found = selectors.call_conflicts(call, pool.experts)
        earlier = ReviewAssignment.objects.filter(call=call).exclude(status=AssignmentStatus.ASSIGNED)
        kept = {(str(a), str(e)) for a, e in earlier.filter(status=AssignmentStatus.SUBMITTED).values_list("application_id", "expert_id")}
        kept = {pair for pair in kept if pair[1] in pool.experts}
        banned = (set(found) | {(str(a), str(e)) for a, e in earlier.values_list("application_id", "expert_id")}) - kept
        affinity = selectors.affinity(apps, set(pool.experts))
        scores = {
            (str(a.pk), e): affinity[str(a.pk), e].score if (str(a.pk), e) in affinity else 0.0
            for a in apps
            for e in pool.experts
            if (str(a.pk), e) not in banned
        }
        # a submitted pair outweighs every other choice together, so the optimum keeps it whenever it can
        bonus = min((k * len(apps) + 1) * (max(scores.values(), default=0.0) + 1), assignment_engine.settings()["limits"]["abs_score"])
        for pair in kept:
            scores[pair] = bonus
        groups = {e: str(x.person.employer_id) for e, x in pool.experts.items() if x.person.employer_id} if one_per_employer else None
        max_load = max_load or _max_load(k, len(apps), len(pool.experts))
        try:
            result = assignment_engine.assign(
                scores,
                k,
                min_load,
                max_load,
                conflicts=sorted(banned),
                one_per_group=groups,
                proposals=[str(a.pk) for a in apps],
                reviewers=list(pool.experts),
            )
        except assignment_engine.AssignmentError as exc:
            raise Refusal("assignment_infeasible", f"无法分配：{exc.zh}", f"No assignment: {exc.en}", 409) from exc
        chosen = {(p.proposal, p.reviewer): p for p in result.pairs}
        lost = kept - set(chosen)
        if lost:
            raise Refusal(
                "submitted_lost",
                f"有{len(lost)}份已提交的评审无法保留在新的分配中",
                f"{len(lost)} submitted review(s) cannot be kept in a new assignment.",
                409,
            )
        assert not set(chosen) & banned  # the engine never assigns a conflict; checked again where it is stored
        ReviewAssignment.objects.filter(call=call, status=AssignmentStatus.ASSIGNED).delete()
        rows = [
            ReviewAssignment(
                call=call,
                application_id=int(p.proposal),
                expert_id=int(p.reviewer),
                affinity=p.score,
                reason=_pair_reason(p, affinity.get(pair)),
                assigned_by=user,
            )
            for pair, p in chosen.items()
            if pair not in kept
        ]
        ReviewAssignment.objects.bulk_create(rows)
        for a in apps:
            if a.status == ApplicationStatus.ACCEPTED:
                application_transition(user, a, "start_review")
    real = {pair: (affinity[pair].score if pair in affinity else 0.0) for pair in chosen}
    return RoundAssignment(
        list(ReviewAssignment.objects.filter(call=call).exclude(status=AssignmentStatus.DECLINED).select_related("expert__person")),
        {e: n for e, n in result.loads.items() if n},
        sum(real.values()),
        result.seconds,
        len(found),
        pool.debarred,
    )


def _pair_reason(pair: assignment_engine.Pair, affinity) -> str:
    shared = affinity.reason if affinity else "无共同关键词（匹配分0） / no shared terms (affinity 0)"
    return f"{shared}；{pair.reason_zh} / {pair.reason_en}"[:MAX_REASON]


def decline(user, assignment: ReviewAssignment, reason: str) -> ReviewAssignment:
    expert = _own_expert(user)
    with transaction.atomic():
        a = ReviewAssignment.objects.select_for_update().select_related("application").get(pk=assignment.pk)
        if a.expert_id != expert.pk:
            raise PermissionDenied(Bilingual("只能处理分配给本人的评审", "Only your own assignments.").both)
        if a.status != AssignmentStatus.ASSIGNED or a.application.status != ApplicationStatus.IN_REVIEW:
            raise Refusal("not_pending", "该评审任务已不能谢绝", "This assignment can no longer be declined.", 409)
        audit.known_before(a)
        a.status, a.decline_reason = AssignmentStatus.DECLINED, _reason(reason)
        a.save(update_fields=["status", "decline_reason", "updated"])
    return a


def reassign(user, declined: ReviewAssignment, max_load: int | None = None, one_per_employer: bool = True) -> ReviewAssignment:
    """After a decline: the best eligible expert for that one application — no conflict, never one who was on it,
    within the maximum load (default: the round's present highest load), another employer than its other reviewers."""
    bureau_only(user)
    with transaction.atomic():
        d = ReviewAssignment.objects.select_for_update().select_related("application", "call").get(pk=declined.pk)
        app, call = d.application, d.call
        if d.status != AssignmentStatus.DECLINED or d.replacement_id or app.status != ApplicationStatus.IN_REVIEW:
            raise Refusal(
                "not_declined",
                "只有被谢绝、尚未改派且仍在评审中的任务可以改派",
                "Only a declined assignment, not yet reassigned, still in review is reassigned.",
                409,
            )
        current = ReviewAssignment.objects.filter(application=app).exclude(status=AssignmentStatus.DECLINED)
        pool = selectors.pool()
        found = selectors.call_conflicts(call, pool.experts)
        loads = Counter(
            str(e)
            for e in ReviewAssignment.objects.filter(call=call)
            .exclude(status=AssignmentStatus.DECLINED)
            .values_list("expert_id", flat=True)
        )
        max_load = max_load or max(loads.values(), default=1)
        on_it = {str(e) for e in ReviewAssignment.objects.filter(application=app).values_list("expert_id", flat=True)}
        employers = {x.expert.person.employer_id for x in current.select_related("expert__person")} if one_per_employer else set()
        affinity = selectors.affinity([app], set(pool.experts))
        eligible = [
            e
            for e, x in pool.experts.items()
            if (str(app.pk), e) not in found
            and e not in on_it
            and loads[e] < max_load
            and (x.person.employer_id not in employers or not x.person.employer_id)
        ]
        if not eligible:
            raise Refusal(
                "no_eligible_expert",
                f"没有无利益冲突且工作量未满（最多{max_load}项）的专家可以改派",
                f"No expert without a conflict and under the maximum load ({max_load}) is left.",
                409,
            )
        score = {e: affinity[str(app.pk), e].score if (str(app.pk), e) in affinity else 0.0 for e in eligible}
        best = min(eligible, key=lambda e: (-score[e], loads[e], int(e)))
        why = affinity.get((str(app.pk), best))
        made = ReviewAssignment.objects.create(
            call=call,
            application=app,
            expert_id=int(best),
            affinity=score[best],
            reason=(
                f"{why.reason if why else '无共同关键词（匹配分0） / no shared terms (affinity 0)'}；改派（原专家谢绝） / reassigned after a decline"
            )[:MAX_REASON],
            assigned_by=user,
        )
        d.replacement = made
        d.save(update_fields=["replacement", "updated"])
    return made


# --- sheets -----------------------------------------------------------------------------------------------------

MAX_COMMENTS = 5000
MAX_MARK_CHARS = 20  # a mark is a number of a few digits: a longer one is a mistake, refused before it is parsed


def _marks(marks, comments: str) -> dict[str, review_engine.Mark]:
    """{criterion: value or {"value", "comment"}} as the engine's marks; a criterion's comment defaults to the sheet's."""
    bad = Refusal("marks_invalid", "评分格式不正确", "The marks are not in the expected form.", 422, "marks")
    if not isinstance(marks, Mapping) or len(marks) > review_engine.MAX_CRITERIA:
        raise bad
    out = {}
    for code, m in marks.items():
        value, comment = (m.get("value"), m.get("comment")) if isinstance(m, Mapping) else (m, None)
        if len(str(code)) > 40 or len(str(value)) > MAX_MARK_CHARS or len(str(comment or "")) > MAX_COMMENTS:
            raise bad
        out[str(code)] = review_engine.Mark(value, str(comment or "").strip() or comments)
    return out


def submit_sheet(user, assignment: ReviewAssignment, marks: Mapping, comments: str = "") -> ReviewSheet:
    """The expert's marks for its own assignment while the application is in review, checked against the rubric."""
    expert = _own_expert(user)
    comments = (comments or "").strip()
    marks = _marks(marks, comments)
    if len(comments) > MAX_COMMENTS:
        raise Refusal("comments_too_long", "评审意见不能超过5000字", "The comments are longer than 5,000 characters.", 422, "comments")
    with transaction.atomic():
        a = ReviewAssignment.objects.select_for_update().select_related("application", "call").get(pk=assignment.pk)
        if a.expert_id != expert.pk:
            raise PermissionDenied(Bilingual("只能为分配给本人的项目评分", "Only your own assignments can be marked.").both)
        if a.status != AssignmentStatus.ASSIGNED or a.application.status != ApplicationStatus.IN_REVIEW:
            raise Refusal("not_pending", "该评审任务当前不能提交评分", "This assignment cannot be marked now.", 409)
        barred = app_selectors.debarment("person", expert.person_id, "review")
        if barred.debarred:
            raise Refusal("expert_debarred", barred.zh, barred.en, 409)
        sheet = review_engine.Sheet(
            str(a.application_id),
            str(a.expert_id),
            marks,
        )
        rubric = selectors.rubric_of(a.call)
        try:
            score = review_engine.weighted_score(rubric, sheet)
        except review_engine.RuleError as exc:
            raise _problems(exc, "sheet_invalid") from exc
        stored = {code: {"value": str(m.value), "comment": m.comment} for code, m in sheet.marks.items()}
        row = ReviewSheet.objects.create(assignment=a, marks=stored, comments=comments, score=score, submitted_at=timezone.now())
        audit.known_before(a)
        a.status = AssignmentStatus.SUBMITTED
        a.save(update_fields=["status", "updated"])
    return row


# --- the end of the review, the panel and the decisions -----------------------------------------------------------


def finish_review(user, call: Call) -> tuple[list[Application], list[Application]]:
    """Applications whose reviewers have all submitted move on to "reviewed"; the others wait (both returned)."""
    bureau_only(user)
    done, waiting = [], []
    for app in Application.objects.filter(call=call, status=ApplicationStatus.IN_REVIEW).order_by("pk"):
        statuses = list(
            ReviewAssignment.objects.filter(application=app).exclude(status=AssignmentStatus.DECLINED).values_list("status", flat=True)
        )
        if statuses and all(s == AssignmentStatus.SUBMITTED for s in statuses):
            done.append(application_transition(user, app, "finish_review"))
        else:
            waiting.append(app)
    return done, waiting


def panel_record(user, call: Call, held_on: dt.date, note: str = "") -> ReviewPanel:
    """会评: the ranking as it stands, kept with the meeting's date and minutes."""
    bureau_only(user)
    results = selectors.results(call)
    if not results.rows:
        raise Refusal("no_scores", "尚无提交的评分，无法形成排名", "No sheet has been submitted: there is no ranking yet.", 409)
    ranking = [
        {
            "application": r.application.pk,
            "number": r.application.number,
            "title": r.application.title,
            "rank": rank.rank,
            "tied": rank.tied,
            "score": rank.score,
            "mean": round(r.mean, 2),
            "trimmed_mean": round(r.trimmed_mean, 2),
            "median": round(r.median, 2),
            "reviews": len(r.scores),
            "low_agreement": bool(r.agreement and r.agreement.flagged),
        }
        for r, rank in zip(results.rows, results.ranking)
    ]
    return ReviewPanel.objects.create(call=call, held_on=held_on, note=(note or "")[:10000], ranking=ranking, created_by=user)


@dataclass(frozen=True)
class Decisions:
    funded: list[Application]
    declined: list[Application]
    quota: quotas.QuotaCheck | None  # a warning when the quota is not met and only warns


def decide(user, call: Call, funded_ids, reasons: Mapping[int, str] | None = None) -> Decisions:
    """Fund the chosen reviewed applications and decline the other reviewed ones, each with its reason (given, or
    its rank and score); refused when it overspends the call's budget or breaks a quota that blocks."""
    bureau_only(user)
    reasons = reasons or {}
    with transaction.atomic():
        Call.objects.select_for_update().get(pk=call.pk)
        reviewed = {a.pk: a for a in Application.objects.filter(call=call, status=ApplicationStatus.REVIEWED).select_related("pi")}
        chosen = {int(i) for i in funded_ids}
        if not chosen <= set(reviewed):
            raise Refusal(
                "not_reviewed",
                "只能对评审完成的本指南项目作出立项决定",
                "Only this call's reviewed applications can be decided.",
                422,
                "funded",
            )
        spent = selectors.funded_amount(call) + sum((reviewed[i].requested for i in chosen), 0)
        if spent > call.budget:
            raise Refusal(
                "over_budget",
                f"拟立项经费合计 {spent:,.2f} 元，超过指南预算 {call.budget:,.2f} 元",
                f"The funding, {spent:,.2f} yuan in all, exceeds the call's budget of {call.budget:,.2f} yuan.",
                409,
                "funded",
            )
        results = selectors.results(call)
        ranks = {int(r.proposal_id): r for r in results.ranking}
        check = None
        quota = selectors.quota_of(call)
        if quota is not None:
            earlier = Application.objects.filter(call=call, status=ApplicationStatus.FUNDED).select_related("pi")
            order = {str(i): r.rank for i, r in ranks.items()}
            pool = selectors.candidates(call, [*earlier, *reviewed.values()], order)
            funded_now = [pool[str(a.pk)] for a in earlier] + [pool[str(i)] for i in sorted(chosen)]
            waiting = [pool[str(i)] for i in reviewed if i not in chosen]
            check = quotas.check_quota(quota, app_selectors.reference_date(call), funded_now, waiting, call.budget)
            if check.blocks:
                raise Refusal("quota_blocks", check.zh, check.en, 409, "funded")
        funded, declined = [], []
        for pk, app in sorted(reviewed.items(), key=lambda kv: (ranks[kv[0]].rank if kv[0] in ranks else math.inf, kv[0])):
            r = ranks.get(pk)
            position = f"会评排名第{r.rank}名（{r.score}分） / ranked {r.rank} ({r.score})" if r else "无评分 / not scored"
            if pk in chosen:
                funded.append(application_transition(user, app, "fund", reasons.get(pk) or f"{position}，予以立项 / funded"))
            else:
                declined.append(application_transition(user, app, "decline", reasons.get(pk) or f"{position}，不予立项 / not funded"))
    return Decisions(funded, declined, check if check is not None and not check.holds else None)
