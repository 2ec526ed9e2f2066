"""Writes of 双随机 inspections, the bureau's alone: a draw (engine.inspection over the projects under way in scope and
the inspectors without conflicts or debarments, with a recorded seed and the inputs' fingerprint), its verification
(the same engine re-run on the stored inputs and seed), the results, their publication."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from fractions import Fraction

from django.db import transaction
from django.utils import timezone

from heluo.core.i18n import Refusal
from heluo.people.models import Expert

from ..engine import inspection
from ..engine import programmes as programme_engine
from ..engine.rules import RuleError, review_rules
from ..models import Call, InspectionDraw, InspectionItem, InspectionResult, Project
from ..selectors import inspections as selectors
from .calls import bureau_only

SEED_MAX = 2**128  # the seed field keeps 40 digits
COUNT_MAX = 100_000
PER_PROJECT_MAX = 15  # as many as a call's reviewers per proposal


def new_seed() -> int:
    return int.from_bytes(os.urandom(8), "big")


def _engine_draw(inputs: dict, seed: int, count, share, per_project: int) -> inspection.Draw:
    projects, inspectors = selectors.parse_inputs(inputs)
    return inspection.draw(
        projects,
        inspectors,
        seed,
        count=count,
        share=share or None,
        per_project=per_project,
        per_cycle=review_rules().inspections_per_cycle,
    )


def draw(
    user,
    period: str,
    *,
    programmes=(),
    call: Call | None = None,
    count: int | None = None,
    share: str | None = None,
    per_project: int | None = None,
    seed: int | None = None,
    on: dt.date | None = None,
) -> InspectionDraw:
    bureau_only(user)
    period = (period or "").strip()
    if not period or len(period) > 40:
        raise Refusal("inspection_period", "请填写检查期次（40字以内）", "Give the period (at most 40 characters).", 422, "period")
    rules = review_rules()
    per_project = rules.inspectors_per_project if per_project is None else per_project
    if not 1 <= per_project <= PER_PROJECT_MAX:
        raise Refusal(
            "inspection_per_project",
            f"每个项目的检查人员数应在1到{PER_PROJECT_MAX}之间",
            f"Inspectors per project must lie between 1 and {PER_PROJECT_MAX}.",
            422,
            "per_project",
        )
    if count is None and not share:
        share = str(rules.inspection_share)
    if count is not None and not 0 <= count <= COUNT_MAX:
        raise Refusal("inspection_count", "抽取数量超出范围", f"The sample size must lie between 0 and {COUNT_MAX}.", 422, "count")
    if share:
        try:
            Fraction(str(share))
        except (ValueError, ZeroDivisionError):
            raise Refusal(
                "inspection_share", "抽取比例应为0到1之间的数", "The share must be a number between 0 and 1.", 422, "share"
            ) from None
    programmes = sorted(set(programmes))
    if unknown := [p for p in programmes if programme_engine.programme(p) is None]:
        raise Refusal("unknown_programme", f"未知的项目类型“{unknown[0]}”", f"Unknown programme type '{unknown[0]}'.", 422, "programmes")
    chosen = seed is not None
    seed = new_seed() if seed is None else seed
    if not 0 <= seed < SEED_MAX:
        raise Refusal(
            "inspection_seed", "随机种子应为小于2^128的非负整数", "The seed must be a non-negative integer below 2**128.", 422, "seed"
        )
    with transaction.atomic():
        # the population's rows stay locked until the items are written: a concurrent draw waits, then sees them
        selectors.lock_population(programmes, call)
        projects, inspectors, _debarred = selectors.draw_inputs(programmes, call, on)
        inputs = selectors.serialize_inputs(projects, inspectors)
        try:
            result = _engine_draw(inputs, seed, count, share if count is None else None, per_project)
        except RuleError as e:
            raise Refusal("inspection_draw", e.zh, e.en, 422, e.field) from None
        chosen_projects = Project.objects.in_bulk([int(p.project_id) for p in result.picks])
        experts = Expert.objects.in_bulk([int(i) for p in result.picks for i in p.inspector_ids])
        d = InspectionDraw.objects.create(
            period=period,
            programmes=programmes,
            call=call,
            count=count,
            share=share if count is None else "",
            per_project=per_project,
            seed=str(seed),
            seed_chosen=chosen,
            inputs=inputs,
            fingerprint=selectors.fingerprint(inputs),
            algorithm=result.algorithm,
            excluded=[{"project": x.project_id, "zh": x.zh, "en": x.en} for x in result.excluded],
            drawn_by=user if getattr(user, "pk", None) else None,
        )
        for n, pick in enumerate(result.picks, 1):
            project = chosen_projects[int(pick.project_id)]
            item = InspectionItem.objects.create(
                draw=d, position=n, project=project, cycle=selectors.cycle_of(project), note=f"{pick.zh} / {pick.en}"[:300]
            )
            item.inspectors.set([experts[int(i)] for i in pick.inspector_ids])
    return d


@dataclass(frozen=True)
class Verification:
    reproduced: bool
    fingerprint_ok: bool
    zh: str
    en: str


def verify(draw: InspectionDraw) -> Verification:
    """Re-run the engine from the stored seed and inputs: the fingerprint must match the inputs, and the list the
    stored items (projects in order, each with its inspectors)."""
    ok_print = selectors.fingerprint(draw.inputs) == draw.fingerprint
    if not ok_print:
        return Verification(
            False, False, "输入数据与指纹不符：输入已被改动", "The inputs do not match their fingerprint: they were changed"
        )
    result = _engine_draw(draw.inputs, int(draw.seed), draw.count, draw.share or None, draw.per_project)
    expected = [(p.project_id, sorted(p.inspector_ids)) for p in result.picks]
    stored = [
        (str(item.project_id), sorted(str(e.pk) for e in item.inspectors.all()))
        for item in draw.items.order_by("position").prefetch_related("inspectors")
    ]
    if result.algorithm != draw.algorithm or expected != stored:
        return Verification(False, True, "重新抽取的结果与记录不一致", "Re-running the draw gives a different list than the one recorded")
    return Verification(
        True, True, "以记录的种子和输入重新抽取，结果一致", "Re-running the draw on the recorded seed and inputs gives the same list"
    )


def record_result(user, item: InspectionItem, result: str, findings: str = "", report_date: dt.date | None = None) -> InspectionItem:
    bureau_only(user)
    if result not in InspectionResult.values:
        raise Refusal("inspection_result", "未知的检查结果", "Unknown inspection result.", 422, "result")
    findings = (findings or "").strip()
    if len(findings) > 5000:
        raise Refusal("inspection_findings", "检查意见不超过5000字", "The findings take at most 5,000 characters.", 422, "findings")
    if result in (InspectionResult.ISSUES, InspectionResult.REFERRED) and not findings:
        raise Refusal(
            "inspection_findings", "发现问题或移交处理时须写明情况", "Describe the issues found or the referral.", 422, "findings"
        )
    if InspectionItem.objects.filter(pk=item.pk, published=True).exists():  # the stored state, not a stale copy
        raise Refusal("inspection_published", "结果已公开，不能再修改", "The result is published and can no longer change.", 409)
    item.result, item.findings = result, findings
    item.report_date = report_date or (timezone.localdate() if result != InspectionResult.PENDING else None)
    item.save(update_fields=["result", "findings", "report_date"])
    return item


def publish(user, draw: InspectionDraw) -> int:
    """Publish the items with a result; the pending ones wait. Returns how many were published."""
    bureau_only(user)
    done = draw.items.exclude(result=InspectionResult.PENDING).filter(published=False)
    if not done.exists():
        raise Refusal("inspection_nothing", "没有可公开的检查结果", "No result is ready to publish.", 409)
    return done.update(published=True)
