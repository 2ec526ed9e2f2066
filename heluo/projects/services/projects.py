"""Writes of funded projects: the project made when its application is funded or its 揭榜挂帅/赛马制 bid awarded (and a
race's stopped team's project ended at the checkpoint), the contract (任务书) and its signing,
the workflow's steps (data/workflows/project.json), milestones, payments (never above the funding, never for a
milestone not accepted but the initial tranche), progress reports, change requests (an approved one applied and
recorded), the acceptance by a panel of experts without conflicts, the performance evaluation and the results.
The applicant writes reports, evidence and change requests; the bureau approves, pays and accepts."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from heluo.core import audit
from heluo.core.i18n import Bilingual, Refusal
from heluo.core.models import Role
from heluo.core.permissions import VIEW, action_rule, scope_for
from heluo.core.workflow import load as load_workflow
from heluo.people.models import Expert, Person

from ..engine import performance
from ..engine import programmes as engine
from ..models import (
    Acceptance,
    AcceptanceExpert,
    Application,
    Bid,
    ChallengeMode,
    ChangeRequest,
    Indicator,
    Milestone,
    MilestoneStatus,
    Payment,
    PerformanceEvaluation,
    ProgressReport,
    Project,
    ProjectContract,
    ProjectEvent,
    ProjectResult,
    ProjectStatus,
)
from ..selectors import applications as app_selectors
from ..selectors import projects as selectors
from ..selectors import review as review_selectors

APPLICANT, OFFICER = "applicant", "officer"
CHALLENGE_PROGRAMME = "challenge"  # data/programmes.json: the projects of awarded 揭榜挂帅 / 赛马制 bids
ACTIVE = (ProjectStatus.RUNNING, ProjectStatus.MID_TERM, ProjectStatus.ACCEPTING)
AMOUNT_MAX = Decimal("100000000000.00")


def workflow():
    return load_workflow(engine.DATA / "workflows" / "project.json")


def _max_rows() -> int:
    return int(selectors.rules()["max_rows"]["value"])


def _text(value, field: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None or (required and not value):
        raise Refusal("required", "此项必填", "This is required.", 422, field)
    if len(value) > limit:
        raise Refusal("too_long", f"不能超过{limit}字", f"At most {limit} characters.", 422, field)
    return value


def _amount(value, field: str, allow_zero: bool = False) -> Decimal:
    try:
        v = Decimal(str(value)[:24])
    except (InvalidOperation, TypeError):
        v = None
    if v is None or not v.is_finite() or v < 0 or (v == 0 and not allow_zero) or v > AMOUNT_MAX or v != v.quantize(Decimal("0.01")):
        raise Refusal(
            "bad_amount",
            "金额须为正数（元，至多两位小数）",
            "The amount must be a positive number of yuan (two decimals at most).",
            422,
            field,
        )
    return v


def _date(value, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise Refusal("bad_date", "日期格式应为YYYY-MM-DD", "A date is written YYYY-MM-DD.", 422, field) from None


def parties(user, p: Project) -> frozenset[str]:
    scope = scope_for(user)
    roles = set()
    if scope.is_bureau:
        roles.add(OFFICER)
    if scope.role == Role.ORG_USER and scope.organization_id == p.applicant_id:
        roles.add(APPLICANT)
    return frozenset(roles)


def _require(user, p: Project, party: str):
    if party not in parties(user, p):
        zh, en = workflow().parties[party]
        raise PermissionDenied(Bilingual(f"只有{zh}可以这样做", f"Only {en} may do this.").both)


def _require_state(p: Project, states, zh: str, en: str):
    if p.status not in states:
        raise Refusal("wrong_state", zh, en, 409)


def _locked(user, p: Project | int) -> Project:
    pk = p.pk if isinstance(p, Project) else p
    return Project.objects.restrict(user, VIEW).select_for_update(of=("self",)).get(pk=pk)


def _event(user, p: Project, action: str, before: str = "", after: str = "", reason: str = "", **detail):
    ProjectEvent.objects.create(
        project=p, action=action, from_status=before, to_status=after, reason=reason[:2000], detail=detail, **ProjectEvent.by(user)
    )


@action_rule(Project)
def project_actions(user, p, base):
    return [t.name for t in workflow().available(p.status, parties(user, p))]


# --- funding makes the project ------------------------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def create_project_for(user, application: Application) -> Project:
    """The funded application's project, in contracting (made once: a second call returns it)."""
    existing = Project.objects.filter(application=application).first()
    if existing is not None:
        return existing
    programme = engine.programme(application.call.programme)
    start = timezone.localdate()
    p = Project.objects.create(
        application=application,
        programme=application.call.programme,
        number=f"XM-{application.number or application.pk}",
        title=application.title,
        applicant_id=application.applicant_id,
        pi_id=application.pi_id,
        starts_on=start,
        ends_on=_add_months(start, int(selectors.rules()["duration_months"]["value"])),
        funding=application.requested,
        lump_sum=bool(programme and programme.lump_sum),
    )
    _event(user, p, "create", "", p.status, "立项 / funded")
    return p


def create_project_for_bid(user, bid: Bid, on: dt.date | None = None) -> Project:
    """An awarded bid's project, in contracting (made once), from the award date to the challenge's deadline. The
    awarding service calls it inside its transaction: a refusal here undoes the award."""
    existing = Project.objects.filter(bid=bid).first()
    if existing is not None:
        return existing
    challenge, start = bid.challenge, on or timezone.localdate()
    if challenge.deadline <= start:
        raise Refusal(
            "award_deadline", "榜单完成期限已过，无法立项", "The challenge's deadline has passed: no project can run until it.", 409
        )
    programme = engine.programme(CHALLENGE_PROGRAMME)
    p = Project.objects.create(
        bid=bid,
        programme=CHALLENGE_PROGRAMME,
        number=f"JB-{challenge.pk}-{bid.pk}",
        title=challenge.title[:200],
        applicant_id=bid.organization_id,
        pi_id=bid.leader_id,
        starts_on=start,
        ends_on=challenge.deadline,
        funding=bid.requested,
        lump_sum=bool(programme and programme.lump_sum),
    )
    why = "赛马制授榜 / awarded (horse race)" if challenge.mode == ChallengeMode.RACE else "揭榜挂帅授榜 / awarded"
    _event(user, p, "create", "", p.status, why, challenge=challenge.pk, bid=bid.pk)
    return p


def stop_at_checkpoint(user, bid: Bid, reason: str) -> Project | None:
    """A race's stopped team: its project is terminated through the workflow with the checkpoint's reason (unless it
    has already ended); the caller's transaction holds it with the checkpoint decision."""
    p = Project.objects.filter(bid=bid).first()
    if p is None or p.status not in workflow().transitions["terminate"].sources:
        return p
    return project_transition(user, p, "terminate", f"赛马制节点评估未获继续支持 / stopped at the race's checkpoint: {reason}")


# --- the workflow ---------------------------------------------------------------------------------------------


def project_transition(user, p: Project | int, action: str, reason: str = "") -> Project:
    reason = (reason or "").strip()[:2000]
    wf = workflow()
    with transaction.atomic():
        p = _locked(user, p)
        denial = wf.check(p.status, action, parties(user, p), reason)
        if denial is not None and denial.code == "not_allowed":
            raise PermissionDenied(Bilingual(denial.zh, denial.en).both)
        if denial is not None:
            status = 422 if denial.code in ("reason_required", "unknown_transition") else 409
            raise Refusal(denial.code, denial.zh, denial.en, status, "reason" if denial.code == "reason_required" else None)
        step = wf.transitions[action]
        if step.extra.get("needs_signed_contract"):
            contract = ProjectContract.objects.filter(project=p).first()
            if contract is None or not contract.signed:
                raise Refusal("contract_unsigned", "任务书须由双方签订后方可启动", "The contract must be signed by both sides first.", 409)
        if step.extra.get("needs_result"):
            acc = Acceptance.objects.filter(project=p).first()
            if acc is None or acc.open or acc.result not in step.extra["needs_result"]:
                raise Refusal(
                    "acceptance_result",
                    "验收结论与该操作不符或验收尚未结束",
                    "The acceptance is not closed with a result that allows this.",
                    409,
                )
        audit.known_before(p)
        before, p.status = p.status, step.target
        p.save(update_fields=["status", "updated"])
        _event(user, p, action, before, p.status, reason)
    return p


# --- the contract -----------------------------------------------------------------------------------------------


def _budget(p: Project, lines) -> dict:
    """{"lines": [{"year", "category", "amount"}]}: years within the project's period, the form's categories (none
    under 包干制, a total per year), the indirect share within its cap (not under 包干制), summing to the funding."""
    bad = Refusal("budget_invalid", "预算格式不正确", "The budget is not in the expected form.", 422, "budget")
    if not isinstance(lines, list) or not lines or len(lines) > _max_rows():
        raise bad
    categories = {c.code: c for c in selectors.budget_form(p).categories}
    out, seen, total, by_category = [], set(), Decimal(0), {}
    for line in lines:
        if not isinstance(line, dict):
            raise bad
        year, category = line.get("year"), line.get("category") or None
        if not isinstance(year, int) or not p.starts_on.year <= year <= p.ends_on.year:
            raise Refusal(
                "budget_year",
                f"预算年度须在{p.starts_on.year}至{p.ends_on.year}之间",
                f"Budget years run from {p.starts_on.year} to {p.ends_on.year}.",
                422,
                "budget",
            )
        if p.lump_sum and category is not None:
            raise Refusal(
                "lump_sum_total",
                "包干制项目只列各年度总额，不分科目",
                "A lump-sum project lists a total per year, no categories.",
                422,
                "budget",
            )
        if not p.lump_sum and category not in categories:
            raise Refusal("budget_category", "请使用申报书的预算科目", "Use the application form's budget categories.", 422, "budget")
        if (year, category) in seen:
            raise Refusal("budget_duplicate", "同一年度、科目只列一行", "One line per year and category.", 422, "budget")
        seen.add((year, category))
        amount = _amount(line.get("amount"), "budget")
        total += amount
        by_category[category] = by_category.get(category, Decimal(0)) + amount
        out.append({"year": year, "category": category, "amount": str(amount.quantize(Decimal("0.01")))})
    if total != p.funding:
        raise Refusal(
            "budget_total",
            f"预算合计{total:,.2f}元，应等于资助经费{p.funding:,.2f}元",
            f"The budget totals {total:,.2f} yuan; it must equal the funding, {p.funding:,.2f}.",
            422,
            "budget",
        )
    if not p.lump_sum:
        for code, c in categories.items():
            if c.max_share is not None and by_category.get(code, 0) > total * c.max_share:
                cap = f"{c.max_share:.0%}"
                raise Refusal("budget_cap", f"{c.label[0]}超过上限（{cap}）", f"{c.label[1]} is over its cap ({cap}).", 422, "budget")
    return {"lines": out}


def contract_save(user, p: Project, objectives: str, indicators: list, budget: list, milestones: list) -> ProjectContract:
    """The contract as drafted (by the applicant or the bureau) while contracting and before anyone signs; its
    indicators and milestones replace the earlier draft's."""
    scope_parties = parties(user, p)
    if not scope_parties:
        raise PermissionDenied(
            Bilingual("只有承担单位和科技局可以编制任务书", "Only the project's organization and the bureau draft the contract.").both
        )
    objectives = _text(objectives, "objectives", 10000)
    if not isinstance(indicators, list) or not indicators or len(indicators) > _max_rows():
        raise Refusal("indicators_invalid", "请列出考核指标", "List the contract's indicators.", 422, "indicators")
    if not isinstance(milestones, list) or not milestones or len(milestones) > _max_rows():
        raise Refusal("milestones_invalid", "请列出里程碑", "List the contract's milestones.", 422, "milestones")
    with transaction.atomic():
        p = _locked(user, p)
        _require_state(p, (ProjectStatus.CONTRACTING,), "只有签订任务书阶段可以修改任务书", "The contract changes only while contracting.")
        contract = ProjectContract.objects.filter(project=p).first() or ProjectContract(project=p)
        if contract.signed_by_applicant_on or contract.signed_by_bureau_on:
            raise Refusal("contract_signed", "任务书已签署，不能再修改", "The contract has been signed: it no longer changes.", 409)
        rows = [_indicator(p, i) for i in indicators]
        if len({r.name for r in rows}) != len(rows):
            raise Refusal("indicator_duplicate", "考核指标名称不能重复", "Each indicator once.", 422, "indicators")
        stones = [_milestone(p, m) for m in milestones]
        checkpoint = selectors.race_checkpoint(p)
        if checkpoint and p.starts_on <= checkpoint and not any(m.due_on <= checkpoint for m in stones):
            raise Refusal(
                "race_checkpoint",
                f"赛马制项目须有一个不晚于节点评估日期（{checkpoint:%Y-%m-%d}）的里程碑",
                f"A horse-race project needs a milestone due by its checkpoint, {checkpoint:%Y-%m-%d}.",
                422,
                "milestones",
            )
        if sum((m.tranche for m in stones), Decimal(0)) > p.funding:
            raise Refusal(
                "tranches_over", "各里程碑拨款合计超过资助经费", "The milestones' tranches exceed the funding.", 422, "milestones"
            )
        contract.objectives, contract.budget = objectives, _budget(p, budget)
        contract.save()
        Indicator.objects.filter(project=p).delete()
        Indicator.objects.bulk_create(rows)
        Milestone.objects.filter(project=p).delete()
        Milestone.objects.bulk_create(stones)
        _event(user, p, "contract_save")
    return contract


def _indicator(p: Project, row) -> Indicator:
    if not isinstance(row, dict):
        raise Refusal("indicators_invalid", "考核指标格式不正确", "An indicator is not in the expected form.", 422, "indicators")
    return Indicator(
        project=p,
        name=_text(row.get("name"), "indicators", 200),
        unit=_text(row.get("unit"), "indicators", 30, required=False),
        target=_amount(row.get("target"), "indicators", allow_zero=True),
    )


def _milestone(p: Project, row) -> Milestone:
    if not isinstance(row, dict):
        raise Refusal("milestones_invalid", "里程碑格式不正确", "A milestone is not in the expected form.", 422, "milestones")
    due = _date(row.get("due_on"), "milestones")
    if not p.starts_on <= due <= p.ends_on:
        raise Refusal("milestone_date", "里程碑日期须在实施期内", "A milestone falls within the project's period.", 422, "milestones")
    return Milestone(
        project=p,
        title=_text(row.get("title"), "milestones", 200),
        due_on=due,
        deliverables=_text(row.get("deliverables"), "milestones", 5000),
        tranche=_amount(row.get("tranche", 0), "milestones", allow_zero=True),
    )


def contract_sign(user, p: Project, on: dt.date | None = None) -> ProjectContract:
    """Each side signs for itself: the applicant organization, then (or before) the bureau."""
    on = on or timezone.localdate()
    with transaction.atomic():
        p = _locked(user, p)
        _require_state(p, (ProjectStatus.CONTRACTING,), "只有签订任务书阶段可以签署", "The contract is signed while contracting.")
        contract = ProjectContract.objects.select_for_update().filter(project=p).first()
        if contract is None:
            raise Refusal("no_contract", "任务书尚未编制", "The contract has not been drafted.", 409)
        sides = parties(user, p)
        if APPLICANT in sides:
            contract.signed_by_applicant_on = on
        elif OFFICER in sides:
            contract.signed_by_bureau_on = on
        else:
            raise PermissionDenied(Bilingual("只有承担单位和科技局签署任务书", "Only the organization and the bureau sign.").both)
        contract.save()
        _event(user, p, "contract_sign", signed_on=on.isoformat(), side=sorted(sides)[0])
    return contract


# --- milestones and payments -----------------------------------------------------------------------------------


def milestone_submit(user, m: Milestone, evidence: str) -> Milestone:
    with transaction.atomic():
        p = _locked(user, m.project_id)
        _require(user, p, APPLICANT)
        _require_state(p, ACTIVE, "项目实施期间才能提交里程碑", "Milestones are submitted while the project runs.")
        m = Milestone.objects.select_for_update().get(pk=m.pk, project=p)
        if m.status not in (MilestoneStatus.PENDING, MilestoneStatus.REJECTED):
            raise Refusal("milestone_done", "该里程碑已提交或已通过", "This milestone is already submitted or accepted.", 409)
        m.evidence, m.status = _text(evidence, "evidence", 5000), MilestoneStatus.SUBMITTED
        m.save(update_fields=["evidence", "status"])
        _event(user, p, "milestone_submit", milestone=m.pk)
    return m


def milestone_decide(user, m: Milestone, accept: bool, note: str = "") -> Milestone:
    with transaction.atomic():
        p = _locked(user, m.project_id)
        _require(user, p, OFFICER)
        m = Milestone.objects.select_for_update().get(pk=m.pk, project=p)
        if m.status != MilestoneStatus.SUBMITTED:
            raise Refusal("milestone_not_submitted", "该里程碑未提交，不能审核", "Only a submitted milestone is decided.", 409)
        note = _text(note, "note", 1000, required=not accept)
        m.status, m.review_note = (MilestoneStatus.ACCEPTED if accept else MilestoneStatus.REJECTED), note
        m.save(update_fields=["status", "review_note"])
        _event(user, p, "milestone_accept" if accept else "milestone_reject", reason=note, milestone=m.pk)
    return m


def pay(user, p: Project, amount, paid_on, reference: str, milestone: Milestone | None = None) -> Payment:
    """A payment: the initial tranche once the contract is signed, or a milestone's once it is accepted (at most its
    tranche); never above what is left of the funding (the project row locked, its paid total checked by the DB)."""
    amount, paid_on, reference = _amount(amount, "amount"), _date(paid_on, "paid_on"), _text(reference, "reference", 100)
    with transaction.atomic():
        p = _locked(user, p)
        _require(user, p, OFFICER)
        contract = ProjectContract.objects.filter(project=p).first()
        if contract is None or not contract.signed or p.status in (ProjectStatus.FAILED, ProjectStatus.TERMINATED):
            raise Refusal(
                "not_payable", "任务书签订后、项目终止前方可拨款", "Payments follow the signed contract, until the project ends.", 409
            )
        if milestone is None:
            if Payment.objects.filter(project=p, milestone__isnull=True).exists():
                raise Refusal("initial_paid", "首笔拨款已拨付", "The initial tranche has been paid.", 409, "milestone")
        else:
            m = Milestone.objects.filter(pk=milestone.pk, project=p).first()
            if m is None or m.status != MilestoneStatus.ACCEPTED:
                raise Refusal(
                    "milestone_not_accepted", "里程碑通过审核后方可拨付", "A milestone is paid once it is accepted.", 409, "milestone"
                )
            if Payment.objects.filter(milestone=m).exists():
                raise Refusal("milestone_paid", "该里程碑已拨付", "This milestone has been paid.", 409, "milestone")
            if amount > m.tranche:
                raise Refusal(
                    "over_tranche",
                    f"拨款超过该里程碑的额度{m.tranche:,.2f}元",
                    f"The payment exceeds the milestone's tranche, {m.tranche:,.2f} yuan.",
                    422,
                    "amount",
                )
        if p.paid + amount > p.funding:
            left = p.funding - p.paid
            raise Refusal(
                "over_funding",
                f"拨款累计将超过资助经费，尚可拨付{left:,.2f}元",
                f"Payments would exceed the funding: {left:,.2f} yuan is left.",
                409,
                "amount",
            )
        payment = Payment.objects.create(
            project=p,
            milestone=milestone,
            amount=amount,
            paid_on=paid_on,
            reference=reference,
            recorded_by=user if getattr(user, "pk", None) else None,
        )
        audit.known_before(p)
        p.paid += amount
        p.save(update_fields=["paid", "updated"])
        _event(user, p, "pay", payment=payment.pk, amount=str(amount))
    return payment


# --- reports and changes ----------------------------------------------------------------------------------------


def report_submit(user, p: Project, period: str, text: str, progress: dict | None = None) -> ProgressReport:
    """A progress report; its indicator progress ({indicator id: value}) updates what each indicator has achieved."""
    period, text, progress = _text(period, "period", 40), _text(text, "text", 20000), progress or {}
    if not isinstance(progress, dict) or len(progress) > _max_rows():
        raise Refusal("progress_invalid", "指标进展格式不正确", "The indicator progress is not in the expected form.", 422, "progress")
    with transaction.atomic():
        p = _locked(user, p)
        _require(user, p, APPLICANT)
        _require_state(p, ACTIVE, "项目实施期间才能提交进展报告", "Reports are submitted while the project runs.")
        if ProgressReport.objects.filter(project=p, period=period).exists():
            raise Refusal("report_exists", "该期的进展报告已提交", "This period's report has been submitted.", 409, "period")
        indicators = {str(i.pk): i for i in Indicator.objects.filter(project=p)}
        values = {}
        for key, value in progress.items():
            if str(key) not in indicators:
                raise Refusal("unknown_indicator", "不是本项目的考核指标", "Not one of the project's indicators.", 422, "progress")
            values[str(key)] = _amount(value, "progress", allow_zero=True)
        report = ProgressReport.objects.create(
            project=p, period=period, text=text, indicator_progress={k: str(v) for k, v in values.items()}
        )
        for key, value in values.items():
            Indicator.objects.filter(pk=int(key)).update(achieved=value)
        _event(user, p, "report", report=report.pk)
    return report


def change_request(user, p: Project, kind: str, proposed: dict, reason: str) -> ChangeRequest:
    if kind not in ChangeRequest.Kind.values:
        raise Refusal("unknown_kind", "未知的变更类型", "Unknown kind of change.", 422, "kind")
    reason = _text(reason, "reason", 2000)
    with transaction.atomic():
        p = _locked(user, p)
        _require(user, p, APPLICANT)
        _require_state(p, (ProjectStatus.CONTRACTING, *ACTIVE), "项目已结束，不能申请变更", "The project has ended: no more changes.")
        if ChangeRequest.objects.filter(project=p, kind=kind, status=ChangeRequest.Status.PENDING).exists():
            raise Refusal("change_pending", "同类变更申请尚在审核中", "A change of this kind is waiting for a decision.", 409, "kind")
        clean = _proposed(p, kind, proposed)
        change = ChangeRequest.objects.create(project=p, kind=kind, proposed=clean, reason=reason)
        _event(user, p, "change_request", change=change.pk, kind=kind)
    return change


def _proposed(p: Project, kind: str, proposed) -> dict:
    if not isinstance(proposed, dict):
        raise Refusal("proposed_invalid", "变更内容格式不正确", "The proposed change is not in the expected form.", 422, "proposed")
    if kind == ChangeRequest.Kind.PI:
        person = Person.objects.filter(pk=proposed.get("pi") if isinstance(proposed.get("pi"), int) else None).first()
        if person is None or person.pk == p.pi_id:
            raise Refusal(
                "pi_invalid", "请指定另一位人员作为项目负责人", "Name another person as the principal investigator.", 422, "proposed"
            )
        barred = app_selectors.debarment("person", person.pk, "apply")
        if barred.debarred:
            raise Refusal("pi_debarred", barred.zh, barred.en, 409, "proposed")
        return {"pi": person.pk}
    if kind == ChangeRequest.Kind.BUDGET:
        return _budget(p, proposed.get("lines"))
    if kind == ChangeRequest.Kind.SCHEDULE:
        ends = _date(proposed.get("ends_on"), "proposed")
        if ends <= p.starts_on:
            raise Refusal("schedule_invalid", "结束日期须晚于开始日期", "The end date must come after the start.", 422, "proposed")
        return {"ends_on": ends.isoformat()}
    return {"text": _text(proposed.get("text"), "proposed", 2000)}


def change_decide(user, change: ChangeRequest, approve: bool, reason: str) -> ChangeRequest:
    """The bureau's decision; an approved change is applied (the values before kept with it)."""
    reason = _text(reason, "reason", 1000)
    with transaction.atomic():
        p = _locked(user, change.project_id)
        _require(user, p, OFFICER)
        c = ChangeRequest.objects.select_for_update().get(pk=change.pk, project=p)
        if c.status != ChangeRequest.Status.PENDING:
            raise Refusal("change_decided", "该变更申请已处理", "This change has already been decided.", 409)
        if approve:
            c.before = _apply(p, c)
        c.status = ChangeRequest.Status.APPROVED if approve else ChangeRequest.Status.REFUSED
        c.decision_reason, c.decided_at = reason, timezone.now()
        c.save()
        _event(user, p, "change_approve" if approve else "change_refuse", reason=reason, change=c.pk, kind=c.kind, values_before=c.before)
    return c


def _apply(p: Project, c: ChangeRequest) -> dict:
    audit.known_before(p)
    if c.kind == ChangeRequest.Kind.PI:
        before, p.pi_id = {"pi": p.pi_id}, c.proposed["pi"]
    elif c.kind == ChangeRequest.Kind.SCHEDULE:
        ends = dt.date.fromisoformat(c.proposed["ends_on"])
        if Milestone.objects.filter(project=p, due_on__gt=ends).exists():
            raise Refusal("schedule_milestones", "有里程碑晚于新的结束日期", "A milestone falls after the new end date.", 409)
        before, p.ends_on = {"ends_on": p.ends_on.isoformat()}, ends
    elif c.kind == ChangeRequest.Kind.BUDGET:
        contract = ProjectContract.objects.filter(project=p).first()
        if contract is None:
            raise Refusal("no_contract", "任务书尚未编制", "The contract has not been drafted.", 409)
        before, contract.budget = {"budget": contract.budget}, c.proposed
        contract.save(update_fields=["budget", "updated"])
        return before
    else:
        return {}
    p.save()
    return before


# --- acceptance, evaluation, results -----------------------------------------------------------------------------


def acceptance_open(user, p: Project, expert_ids, held_on) -> Acceptance:
    """The panel: active experts not debarred from expert duties, none with a conflict with the project (each named
    with its reason), within the panel's size."""
    held_on = _date(held_on, "held_on")
    rules = selectors.rules()["acceptance"]
    low, high = int(rules["min_panel"]["value"]), int(rules["max_panel"]["value"])
    if not isinstance(expert_ids, list) or not all(isinstance(i, int) for i in expert_ids) or not low <= len(set(expert_ids)) <= high:
        raise Refusal("panel_size", f"验收专家组须有{low}至{high}名专家", f"The panel has {low} to {high} experts.", 422, "experts")
    with transaction.atomic():
        p = _locked(user, p)
        _require(user, p, OFFICER)
        _require_state(p, (ProjectStatus.ACCEPTING,), "项目申请验收后方可组织验收", "The acceptance follows the project's request for it.")
        if Acceptance.objects.filter(project=p).exists():
            raise Refusal("acceptance_exists", "该项目已组织验收", "The acceptance has already been set up.", 409)
        pool = review_selectors.pool(held_on)
        experts = [pool.experts.get(str(i)) for i in sorted(set(expert_ids))]
        if None in experts:
            raise Refusal(
                "expert_unavailable",
                "所选专家不在专家库中、已停用或处于诚信限制期",
                "An expert chosen is not in the pool, inactive or debarred.",
                422,
                "experts",
            )
        found = selectors.panel_conflicts(p, experts, held_on)
        if found:
            names = {str(e.pk): e.person.name for e in experts}
            zh = "；".join(f"{names[e]}：{'、'.join(c.zh for c in cs)}" for e, cs in sorted(found.items()))
            en = "; ".join(f"{names[e]}: {', '.join(c.en for c in cs)}" for e, cs in sorted(found.items()))
            raise Refusal("panel_conflict", f"存在利益冲突的专家：{zh}", f"Experts with a conflict: {en}", 409, "experts")
        acc = Acceptance.objects.create(project=p, held_on=held_on)
        AcceptanceExpert.objects.bulk_create([AcceptanceExpert(acceptance=acc, expert=e) for e in experts])
        _event(user, p, "acceptance_open", experts=[e.pk for e in experts])
    return acc


def acceptance_opinion(user, acc: Acceptance, opinion: str, verdict: str) -> AcceptanceExpert:
    scope = scope_for(user)
    expert = Expert.objects.filter(person_id=scope.person_id).first() if scope.role == Role.EXPERT and scope.person_id else None
    seat = AcceptanceExpert.objects.filter(acceptance=acc, expert=expert).first() if expert else None
    if seat is None:
        raise PermissionDenied(Bilingual("只有验收专家组成员可以提交意见", "Only the panel's experts give opinions.").both)
    if verdict not in Acceptance.Result.values:
        raise Refusal(
            "bad_verdict", "请选择验收意见：通过、有条件通过或不通过", "Choose pass, pass with conditions or fail.", 422, "verdict"
        )
    opinion = _text(opinion, "opinion", 5000)
    with transaction.atomic():
        a = Acceptance.objects.select_for_update().get(pk=acc.pk)
        if not a.open:
            raise Refusal("acceptance_closed", "验收已结束", "The acceptance is closed.", 409)
        seat.opinion, seat.verdict = opinion, verdict
        seat.save(update_fields=["opinion", "verdict"])
    return seat


def acceptance_close(user, acc: Acceptance, result: str, conclusion: str) -> Acceptance:
    """The bureau's result, once every expert has given an opinion; the panel's view is kept with it."""
    if result not in Acceptance.Result.values:
        raise Refusal("bad_result", "请选择验收结论", "Choose the acceptance's result.", 422, "result")
    conclusion = _text(conclusion, "conclusion", 5000)
    with transaction.atomic():
        p = _locked(user, acc.project_id)
        _require(user, p, OFFICER)
        a = Acceptance.objects.select_for_update().get(pk=acc.pk)
        if not a.open:
            raise Refusal("acceptance_closed", "验收已结束", "The acceptance is closed.", 409)
        verdicts = list(AcceptanceExpert.objects.filter(acceptance=a).values_list("verdict", flat=True))
        if not all(verdicts):
            raise Refusal("opinions_missing", "尚有专家未提交验收意见", "Some experts have not given their opinion.", 409)
        a.open, a.result, a.conclusion = False, result, conclusion
        a.save(update_fields=["open", "result", "conclusion"])
        _event(user, p, "acceptance_close", reason=conclusion, result=result, verdicts=sorted(verdicts))
    return a


def evaluate(user, p: Project, scores: dict, on=None) -> PerformanceEvaluation:
    on = _date(on, "evaluated_on") if on else timezone.localdate()
    try:
        e = performance.evaluate(selectors.rules()["evaluation"], scores)
    except performance.ScoreError as exc:
        raise Refusal("scores_invalid", exc.zh, exc.en, 422, "scores") from exc
    with transaction.atomic():
        p = _locked(user, p)
        _require(user, p, OFFICER)
        _require_state(
            p, (ProjectStatus.ACCEPTED, ProjectStatus.FAILED), "验收结束后方可评价绩效", "Performance is evaluated after the acceptance."
        )
        row, _ = PerformanceEvaluation.objects.update_or_create(
            project=p, defaults={"scores": {k: str(v) for k, v in e.scores.items()}, "total": e.total, "grade": e.grade, "evaluated_on": on}
        )
        _event(user, p, "evaluate", total=str(e.total), grade=e.grade)
    return row


def result_add(user, p: Project, kind: str, title: str, market_id: int | None = None, note: str = "") -> ProjectResult:
    """A result of the project (either side records it): a market record's id and title are copied, not linked."""
    if kind not in ProjectResult.Kind.values:
        raise Refusal("unknown_kind", "未知的成果类型", "Unknown kind of result.", 422, "kind")
    if market_id is not None and (not isinstance(market_id, int) or not 1 <= market_id < 2**31 or kind not in ("achievement", "contract")):
        raise Refusal(
            "market_id", "只有成果和技术合同可以关联技术市场记录", "Only achievements and contracts name a market record.", 422, "market_id"
        )
    title, note = _text(title, "title", 300), _text(note, "note", 1000, required=False)
    with transaction.atomic():
        p = _locked(user, p)
        if not parties(user, p):
            raise PermissionDenied(
                Bilingual("只有承担单位和科技局登记项目成果", "Only the organization and the bureau record results.").both
            )
        if ProjectResult.objects.filter(project=p).count() >= _max_rows() * 4:
            raise Refusal("too_many", "成果条目过多", "Too many results.", 422)
        row = ProjectResult.objects.create(project=p, kind=kind, market_id=market_id, title=title, note=note)
        _event(user, p, "result", result=row.pk, kind=kind)
    return row
