"""Writes of the evaluation rounds: the bureau opens a round and takes its steps (workflow as data), the hosts
report their figures, the experts mark what they were assigned; grading applies the scheme file; the consequences
go into each platform's status history (heluo.platforms.services.platform_record_status) with their reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from heluo.core.i18n import Bilingual, Refusal
from heluo.core.models import Role
from heluo.core.permissions import CHANGE, require_bureau, scope_for
from heluo.people.models import Expert
from heluo.platforms.models import Platform, PlatformStatus
from heluo.platforms.services import platform_record_status

from ..engine import scoring
from ..models import Consequence, Evaluation, EvaluationEvent, EvaluationRound, ExpertAssignment
from ..selectors.schemes import grade_label, recompute, round_workflow, rules, schemes


class Problems(Refusal):
    """Figures refused with every problem, one per indicator (`details()`)."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        super().__init__(
            "figures_invalid",
            "年度数据有误：" + "；".join(p[1] for p in problems),
            "The figures are wrong: " + "; ".join(p[2] for p in problems),
            422,
        )

    def details(self) -> list[dict]:
        return [{"field": code, "zh": zh, "en": en} for code, zh, en in self.problems]


def _event(user, round_, action, evaluation=None, note=""):
    EvaluationEvent.objects.create(round=round_, evaluation=evaluation, action=action, note=note[:500], **EvaluationEvent.by(user))


def round_create(user, *, year: int, title: str, kinds: list[str], due_on: dt.date, platforms=None) -> EvaluationRound:
    """A round over every approved platform of the kinds (each kind needs a scheme), or over those of them named in
    `platforms` (ids: the ones due this year, where a kind is evaluated every few years)."""
    require_bureau(user)
    unknown = sorted(set(kinds) - set(schemes()))
    if not kinds or unknown:
        raise Refusal(
            "kinds_unknown",
            f"没有这些平台类型的评价方案：{'、'.join(unknown)}",
            f"No evaluation scheme for: {', '.join(unknown)}",
            422,
            "kinds",
        )
    if EvaluationRound.objects.filter(title=title).exists():
        raise Refusal("round_exists", "已有同名的评价", "A round with this title exists.", 409, "title")
    with transaction.atomic():
        r = EvaluationRound.objects.create(year=year, title=title, kinds=sorted(set(kinds)), due_on=due_on)
        chosen = Platform.objects.filter(kind__in=r.kinds, status=PlatformStatus.APPROVED).order_by("pk")
        if platforms is not None:
            chosen = chosen.filter(pk__in=list(platforms))
            if len(chosen) != len(set(platforms)):
                raise Refusal(
                    "platforms_unknown",
                    "所列平台须为所选类型中处于认定状态的平台",
                    "The platforms named must be approved ones of the kinds chosen.",
                    422,
                    "platforms",
                )
        platforms = list(chosen)
        Evaluation.objects.bulk_create([Evaluation(round=r, platform=p) for p in platforms])
        _event(user, r, "create", note=f"{len(platforms)}")
    return r


def _status(evaluation) -> str:
    """The round's state as stored now (the record in hand may have been read before a step)."""
    return EvaluationRound.objects.filter(pk=evaluation.round_id).values_list("status", flat=True).get()


def _open_for_figures(evaluation):
    if _status(evaluation) != "open":
        raise Refusal("round_closed", "本轮评价已截止报送数据", "This round no longer takes figures.", 409)


def normalise(evaluation: Evaluation, figures: dict) -> dict[str, str]:
    """The figures checked against the platform kind's scheme (every problem at once) and kept as exact text."""
    scheme = schemes()[evaluation.platform.kind]
    problems = scoring.check_figures(scheme, figures)
    if problems:
        raise Problems(problems)
    return {code: format(Decimal(str(figures[code])).normalize(), "f") for code in (i.code for i in scheme.figures)}


def figures_submit(user, evaluation: Evaluation, figures: dict) -> Evaluation:
    """The host (or the bureau) reports the platform's annual figures; the automatic score follows at once."""
    if not Evaluation.objects.restrict(user, CHANGE).filter(pk=evaluation.pk).exists():
        raise PermissionDenied(
            Bilingual("只有平台依托单位或科技局可以报送该平台的数据", "Only the platform's host or the bureau may report its figures.").both
        )
    _open_for_figures(evaluation)
    clean = normalise(evaluation, figures)
    if clean == evaluation.figures and evaluation.submitted_at:
        return evaluation  # the same figures again: nothing changes
    with transaction.atomic():
        evaluation.figures = clean
        evaluation.submitted_at = timezone.now()
        evaluation.figures_score = recompute(evaluation).figures_score
        evaluation.save(update_fields=["figures", "submitted_at", "figures_score"])
        _event(user, evaluation.round, "submit", evaluation)
    return evaluation


def experts_assign(user, evaluation: Evaluation, experts: list[Expert]) -> list[ExpertAssignment]:
    """The bureau names the experts who mark a platform (only where its scheme asks for an expert review)."""
    require_bureau(user)
    if _status(evaluation) not in ("open", "scoring"):
        raise Refusal("round_graded", "本轮评价已评定等次", "This round has been graded.", 409)
    if not schemes()[evaluation.platform.kind].needs_experts:
        raise Refusal("no_expert_review", "该类平台的评价方案不含专家评议", "This kind's scheme has no expert review.", 422)
    inactive = [e for e in experts if not e.active]
    if inactive:
        raise Refusal("expert_inactive", "专家不在库（已停用）", "An expert is no longer in the pool.", 422, "experts")
    with transaction.atomic():
        made = [ExpertAssignment.objects.get_or_create(evaluation=evaluation, expert=e)[0] for e in experts]
        _event(user, evaluation.round, "assign", evaluation, "、".join(str(e.pk) for e in experts))
    return made


def mark_submit(user, assignment: ExpertAssignment, mark, comment: str = "") -> ExpertAssignment:
    """An assigned expert's mark (0–100) while the round is in expert review."""
    scope = scope_for(user)
    if scope.role != Role.EXPERT or assignment.expert.person_id != scope.person_id:
        raise PermissionDenied(Bilingual("只有被指派的专家本人可以打分", "Only the assigned expert may mark.").both)
    if _status(assignment.evaluation) != "scoring":
        raise Refusal("not_scoring", "本轮评价不在专家评议阶段", "The round is not in expert review.", 409)
    try:
        value = Decimal(str(mark))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or not 0 <= value <= 100:
        raise Refusal("mark_range", "评分须在0到100之间", "The mark must be between 0 and 100.", 422, "mark")
    with transaction.atomic():
        assignment.mark, assignment.comment, assignment.marked_at = value.quantize(scoring.CENT), comment[:500], timezone.now()
        assignment.save(update_fields=["mark", "comment", "marked_at"])
        _event(user, assignment.evaluation.round, "mark", assignment.evaluation)
    return assignment


def round_step(user, round_: EvaluationRound, transition: str, today: dt.date | None = None) -> EvaluationRound:
    require_bureau(user)
    denial = round_workflow().check(round_.status, transition, {"officer"})
    if denial:
        raise Refusal(denial.code, denial.zh, denial.en, 409 if denial.code == "wrong_state" else 422)
    with transaction.atomic():
        if transition == "grade":
            _grade(round_)
        elif transition == "apply":
            _apply(user, round_, today or timezone.localdate())
        round_.status = round_workflow().transitions[transition].target
        round_.save(update_fields=["status"])
        _event(user, round_, transition)
    return round_


def _grade(round_: EvaluationRound):
    """Every platform's score, grade and consequence from the scheme file; refused while marks are missing."""
    missing = ExpertAssignment.objects.filter(evaluation__round=round_, mark__isnull=True).count()
    if missing:
        raise Refusal("marks_missing", f"还有{missing}份专家评分未提交", f"{missing} expert marks are still missing.", 409)
    unassigned = [
        e.platform.name
        for e in round_.evaluations.filter(assignments__isnull=True).select_related("platform")
        if schemes()[e.platform.kind].needs_experts
    ]
    if unassigned:
        names = "、".join(unassigned[:5])
        raise Refusal(
            "experts_missing",
            f"{len(unassigned)}个平台尚未指派评议专家（{names}）",
            f"{len(unassigned)} platforms have no experts assigned ({names}).",
            409,
        )
    warned = set(
        Evaluation.objects.filter(round__year=round_.year - 1, consequence=Consequence.WARNING, applied=True).values_list(
            "platform_id", flat=True
        )
    )
    evaluations = list(round_.evaluations.select_related("platform").prefetch_related("assignments"))
    for e in evaluations:
        result = recompute(e)
        e.figures_score, e.expert_score, e.total, e.points = (
            result.figures_score,
            result.expert_score,
            result.total,
            {k: str(v) for k, v in result.points.items()},
        )
        e.grade = result.grade
        e.consequence = scoring.consequence(result.grade, result.total, e.platform_id in warned, rules())
        e.reward_amount = schemes()[e.platform.kind].reward if e.consequence == Consequence.REWARD else None
    Evaluation.objects.bulk_update(
        evaluations, ["figures_score", "expert_score", "total", "points", "grade", "consequence", "reward_amount"]
    )


def consequence_note(e: Evaluation) -> str:
    zh, en = grade_label(e.grade)
    head = f"{e.round.title}：{zh}（{e.total}分）"
    if e.consequence == Consequence.REWARD:
        return f"{head}，列入免申即享奖励清单，奖励{e.reward_amount}元 / {en} ({e.total}), rewarded without application"
    if e.consequence == Consequence.WARNING:
        return f"{head}，予以警告、限期整改 / {en} ({e.total}): warned, to put right within the year"
    return f"{head}，撤销认定 / {en} ({e.total}): approval revoked"


def _apply(user, round_: EvaluationRound, today: dt.date):
    """Each reward, warning and revocation as a status change in the platform's history, its reason the note."""
    for e in round_.evaluations.select_related("platform", "round").exclude(consequence__in=["", Consequence.NONE]).filter(applied=False):
        status = PlatformStatus.REVOKED if e.consequence == Consequence.REVOCATION else PlatformStatus.APPROVED
        p = e.platform
        if p.status_since and not p.status_changes.exists():
            # a platform without history counts by its status since its date; the first recorded change would hide
            # that (a day before it would have no status), so the status it had is recorded first
            platform_record_status(
                user, p, status=p.status, date=p.status_since, note="评价前的认定状态（补记） / status before the evaluation"
            )
        platform_record_status(user, e.platform, status=status, date=today, document=round_.title[:200], note=consequence_note(e)[:300])
        e.applied = True
        e.save(update_fields=["applied"])
        _event(user, round_, e.consequence, e)


def round_publish(user, round_: EvaluationRound) -> EvaluationRound:
    require_bureau(user)
    if round_.status not in ("graded", "applied"):
        raise Refusal("not_graded", "评定等次后才能公布结果", "Results are published once graded.", 409)
    with transaction.atomic():
        round_.published = True
        round_.save(update_fields=["published"])
        _event(user, round_, "publish")
    return round_
