"""The demo's funded projects at every stage of their workflow, walked through the project services by the parties
who take each step: the bureau (``staff``) and the project's organization (its scope standing for its account).

The projects of an earlier year's call started three years ago: most are accepted (evaluated, with results traced to
the technology market), some wait for or sit in their acceptance (one panel has the ``expert`` account on it), some
are in their mid-term check or running with an approved extension, one failed and one was terminated. This year's
projects are being contracted: drafted, signed, started with the first tranche paid. A service dates a step today;
the demo then dates it in the project's past (its period, payments' and events' dates), as history would have it.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from heluo.core.models import Role
from heluo.core.permissions import Scope
from heluo.market.models import Achievement
from heluo.projects.models import Acceptance, Application, Milestone, ProgressReport, Project, ProjectEvent, ProjectResult
from heluo.projects.selectors import projects as project_selectors
from heluo.projects.selectors import review as review_selectors
from heluo.projects.services import inspections
from heluo.projects.services import projects as services

CENT = Decimal("0.01")
YEAR_OF_DRAW = 2026
# (stage, share of an earlier call's projects); the last takes the rest
PAST_STAGES = [("accepted", 0.5), ("accepting", 0.15), ("failed", 0.03), ("terminated", 0.03), ("mid_term", 0.1), ("running", 1.0)]
CURRENT_STAGES = [("drafted", 0.3), ("signed", 0.2), ("started", 1.0)]
INDICATORS = [("发明专利申请", "件", (3, 8)), ("新产品、新工艺、新装备", "项", (1, 4)), ("新增销售收入", "万元", (500, 5000))]


def _applicant(p: Project) -> Scope:
    return Scope(role=Role.ORG_USER, organization_id=p.applicant_id)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)


def dated(p: Project, day: dt.date, count: int = 1, action: str | None = None) -> None:
    """The project's last `count` events (of the action) happened on `day` (the services wrote them today)."""
    at = _at(day)
    events = ProjectEvent.objects.filter(project=p, **({"action": action} if action else {}))
    ids = list(events.order_by("-id").values_list("pk", flat=True)[:count])
    ProjectEvent.objects.filter(pk__in=ids).update(at=at)  # the demo's history, not a change of an event's content


def _split(total: Decimal, shares) -> list[Decimal]:
    parts = [(total * Decimal(s)).quantize(CENT) for s in shares[:-1]]
    return [*parts, total - sum(parts)]


def contract(p: Project, rng: random.Random) -> None:
    """The applicant drafts the contract: a budget per year (or the application's categories), three indicators,
    three milestones paying 60 % in all (a race's first one at its checkpoint)."""
    years = list(range(p.starts_on.year, p.ends_on.year + 1))
    budget = [{"year": y, "category": None, "amount": str(a)} for y, a in zip(years, _split(p.funding, [1 / len(years)] * len(years)))]
    if not p.lump_sum:  # a categorised budget: the application's own lines, all in the first year
        budget = [{"year": years[0], "category": b.category, "amount": str(b.amount)} for b in p.application.budget.all()] or budget
    span = (p.ends_on - p.starts_on).days
    checkpoint = project_selectors.race_checkpoint(p)
    tranches = _split(p.funding * Decimal("0.6"), [1 / 3, 1 / 3, 1 / 3])
    milestones = [
        {
            "title": title,
            "due_on": (checkpoint if checkpoint and n == 0 else p.starts_on + dt.timedelta(days=span * share // 100)).isoformat(),
            "deliverables": deliverables,
            "tranche": str(tranche),
        }
        for n, ((title, deliverables, share), tranche) in enumerate(
            zip(
                [
                    ("关键技术方案确定", "技术方案报告、试验大纲", 30),
                    ("样机（样品）研制完成", "样机、第三方检测报告", 65),
                    ("示范应用与总结", "应用证明、总结报告", 95),
                ],
                tranches,
            )
        )
    ]
    indicators = [{"name": n, "unit": u, "target": str(rng.randint(*r))} for n, u, r in INDICATORS]
    objectives = f"围绕“{p.title}”突破关键技术，形成样机和示范应用，支撑洛阳市相关产业集群发展（演示）。"
    services.contract_save(_applicant(p), p, objectives, indicators, budget, milestones)


def start(staff, p: Project, signed_on: dt.date) -> None:
    """Both sides sign, the bureau starts the project and pays the first tranche ten days on."""
    services.contract_sign(_applicant(p), p, signed_on)
    services.contract_sign(staff, p, signed_on + dt.timedelta(days=3))
    dated(p, signed_on, 2)
    services.project_transition(staff, p, "start")
    services.pay(staff, p, (p.funding * Decimal("0.4")).quantize(CENT), signed_on + dt.timedelta(days=10), f"{p.number}-首拨")
    dated(p, signed_on + dt.timedelta(days=10), 2)


def milestone_done(staff, p: Project, m: Milestone) -> None:
    services.milestone_submit(_applicant(p), m, f"已完成：{m.deliverables}（演示）")
    services.milestone_decide(staff, m, True, "材料齐全，同意通过")
    services.pay(staff, p, m.tranche, m.due_on + dt.timedelta(days=20), f"{p.number}-M{m.pk}", milestone=m)
    dated(p, m.due_on + dt.timedelta(days=20), 3)


def _report(p: Project, year: int, rng: random.Random, share: float) -> None:
    progress = {str(i.pk): str((i.target * Decimal(share)).quantize(Decimal(1))) for i in p.indicators.all()}
    services.report_submit(_applicant(p), p, f"{year}年度", f"{year}年度项目进展顺利，按任务书开展研究（演示）。", progress)
    dated(p, dt.date(year, 12, 20))
    ProgressReport.objects.filter(project=p, period=f"{year}年度").update(submitted_at=_at(dt.date(year, 12, 20)))


def _panel(p: Project, pool, on: dt.date, prefer=None) -> list[int]:
    """Three experts without a conflict with the project (the preferred expert first if it has none)."""
    others = [e for e in pool.experts.values() if e.person.employer_id != p.applicant_id]
    candidates = ([prefer] if prefer is not None else []) + others[(p.pk * 7) % max(1, len(others) - 8) :][:8]
    conflicted = project_selectors.panel_conflicts(p, candidates, on)
    return [e.pk for e in candidates if str(e.pk) not in conflicted][:3]


def _acceptance(staff, p: Project, pool, held_on: dt.date, result: str | None, prefer=None) -> None:
    services.project_transition(_applicant(p), p, "request_acceptance", "任务书规定的研究任务已完成，申请验收")
    acc = services.acceptance_open(staff, p, _panel(p, pool, held_on, prefer), held_on)
    dated(p, held_on - dt.timedelta(days=30), 2)
    if result is None:  # the panel is meeting: the first experts have given their opinion
        seats = list(acc.panel.select_related("expert__person"))[1:]
    else:
        seats = list(acc.panel.select_related("expert__person"))
    for seat in seats:
        verdict = result or "pass"
        expert = Scope(role=Role.EXPERT, person_id=seat.expert.person_id)
        services.acceptance_opinion(expert, acc, "完成了任务书规定的主要指标，资料齐全（演示）。", verdict)
    if result is None:
        return
    conclusion = "专家组一致同意通过验收" if result == "pass" else "主要考核指标未完成，专家组意见为不通过"
    services.acceptance_close(staff, acc, result, conclusion)
    if result == Acceptance.Result.FAIL:
        services.project_transition(staff, p, "fail", conclusion)
    else:
        services.project_transition(staff, p, "accept", conclusion)
    dated(p, held_on, 2)


def _results(staff, p: Project, rng: random.Random, achievements: dict[int, list[tuple[int, str]]]) -> None:
    services.result_add(_applicant(p), p, "patent", f"一种{p.title[-8:]}方法及装置（发明专利申请，演示）")
    own = achievements.get(p.applicant_id) or []
    if own:
        market_id, title = own[p.pk % len(own)]
        services.result_add(_applicant(p), p, "achievement", title, market_id, "成果已在技术市场发布")
    score = {"objectives": 80 + rng.randint(0, 18), "outputs": 70 + rng.randint(0, 25), "impact": 65 + rng.randint(0, 30)}
    services.evaluate(staff, p, {**score, "management": 75 + rng.randint(0, 20)}, p.ends_on + dt.timedelta(days=60))
    dated(p, p.ends_on + dt.timedelta(days=60), 3 if own else 2)
    ProjectResult.objects.filter(project=p).update(recorded_at=_at(p.ends_on + dt.timedelta(days=50)))


def _stage_of(n: int, total: int, stages) -> str:
    edge = 0.0
    for stage, share in stages:
        edge += share * total
        if n < round(edge) or share >= 1.0:
            return stage
    return stages[-1][0]


def walk_past(staff, projects: list[Project], year: int, rng: random.Random, expert_person_id: int | None) -> dict[str, int]:
    """An earlier call's projects, three years on: every stage from running to accepted."""
    starts, counts = dt.date(year, 7, 1), {}
    ends = dt.date(year + 3, 6, 30)
    # funded in the spring of that year: the project, its application's decision and the first event dated then
    funded = _at(starts - dt.timedelta(days=30))
    Project.objects.filter(pk__in=[p.pk for p in projects]).update(starts_on=starts, ends_on=ends, created=funded)
    Application.objects.filter(project__in=projects).update(decided_at=funded)
    ProjectEvent.objects.filter(project__in=projects, action="create").update(at=funded)
    pool = review_selectors.pool()
    prefer = next((e for e in pool.experts.values() if e.person_id == expert_person_id), None)
    achievements: dict[int, list[tuple[int, str]]] = {}
    for pk, org, title in Achievement.objects.order_by("pk").values_list("pk", "organization_id", "title"):
        achievements.setdefault(org, []).append((pk, title))
    for n, p in enumerate(projects):
        p.refresh_from_db()
        stage = _stage_of(n, len(projects), PAST_STAGES)
        counts[stage] = counts.get(stage, 0) + 1
        contract(p, rng)
        signed_on = starts + dt.timedelta(days=rng.randint(10, 40))
        dated(p, signed_on - dt.timedelta(days=7))
        start(staff, p, signed_on)
        stones = list(Milestone.objects.filter(project=p).order_by("due_on"))
        if stage == "terminated":
            services.project_transition(staff, p, "terminate", "承担单位主要研究人员调离，项目无法继续实施")
            dated(p, dt.date(year + 1, 5, 10))
            continue
        milestone_done(staff, p, stones[0])
        _report(p, year + 1, rng, 0.4)
        services.project_transition(staff, p, "mid_term")
        dated(p, dt.date(year + 1, 12, 1))
        if stage == "mid_term":
            continue
        services.project_transition(staff, p, "mid_term_pass", "中期检查合格")
        dated(p, dt.date(year + 2, 1, 15))
        milestone_done(staff, p, stones[1])
        _report(p, year + 2, rng, 0.8)
        if stage == "running":  # late: the schedule extended by six months, approved
            services.change_request(_applicant(p), p, "schedule", {"ends_on": dt.date(year + 3, 12, 31).isoformat()}, "样机测试周期延长")
            change = p.changes.get(status="pending")
            services.change_decide(staff, change, True, "理由充分，同意延期")
            dated(p, dt.date(year + 3, 3, 1), 2)
            continue
        milestone_done(staff, p, stones[2])
        held_on = ends + dt.timedelta(days=45)
        result = {"accepted": "pass", "failed": "fail"}.get(stage)
        _acceptance(staff, p, pool, held_on, result, prefer if stage == "accepting" and counts[stage] == 1 else None)
        if stage == "accepted":
            _results(staff, p, rng, achievements)
        elif stage == "failed":
            failing = {"objectives": 45, "outputs": 50, "impact": 50, "management": 70}
            services.evaluate(staff, p, failing, held_on + dt.timedelta(days=60))
            dated(p, held_on + dt.timedelta(days=60))
    return counts


def inspect(staff, seed: int) -> int:
    """One 双随机 draw over the projects under way, with a seed the bureau chose (anyone can re-run it); the first
    results recorded and published, the rest pending. Returns the number of projects drawn."""
    d = inspections.draw(staff, "2026年下半年（演示）", count=min(12, max(2, Project.objects.count() // 12)), seed=seed)
    items = list(d.items.order_by("position"))
    for n, item in enumerate(items[: len(items) // 2]):
        result, findings = ("issues", "部分经费支出凭证不完整，已要求限期整改") if n % 4 == 3 else ("no_issues", "")
        inspections.record_result(staff, item, result, findings, dt.date(YEAR_OF_DRAW, 11, 20))
    if len(items) > 1:
        inspections.publish(staff, d)
    return len(items)


def walk_current(staff, projects: list[Project], rng: random.Random) -> dict[str, int]:
    """This year's funded projects, being contracted."""
    counts = {}
    for n, p in enumerate(projects):
        stage = _stage_of(n, len(projects), CURRENT_STAGES)
        counts[stage] = counts.get(stage, 0) + 1
        contract(p, rng)
        if stage == "signed":
            services.contract_sign(_applicant(p), p, p.starts_on)
        elif stage == "started":
            p.refresh_from_db()
            start(staff, p, p.starts_on - dt.timedelta(days=13))
    return counts
