"""The demo's innovation carriers: the 2025 evaluation of the approved platforms of every kind with a scheme —
graded, its consequences applied (some 优秀 rewarded, some warned, one revoked) and its results published —, a 2026
round of the pilot bases and institutes still taking figures (the ``host`` account reports its base's), a 2026 round
of the labs and centres in expert review (the ``expert`` account has platforms to mark), and the pilot bases'
service list.

Seeded. The rounds, their steps and the consequences go through the services; the figures and the experts' marks
are written in bulk, each as the services would have them (checked against the scheme, the figures' score computed
by the engine). Built once (skipped when the 2025 round exists); ``reset_demo_carriers`` removes it.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from heluo.carriers.engine import scoring
from heluo.carriers.models import Evaluation, EvaluationRound, ExpertAssignment, PilotService
from heluo.carriers.selectors.schemes import rules, schemes
from heluo.carriers.services import evaluation as services
from heluo.core.middleware import acting_as
from heluo.core.models import UserProfile
from heluo.people.models import Expert
from heluo.platforms.models import Platform, PlatformHost, PlatformStatus

MARK = "（演示）"
GRADED = f"2025年度创新平台绩效评价{MARK}"
OPEN = f"2026年度中试基地与产业研究院绩效评价{MARK}"
REVIEWING = f"2026年度实验室与研究中心绩效评价{MARK}"
OPEN_KINDS = ["pilot_base", "industry_research_institute"]
REVIEW_KINDS = ["key_lab", "engineering_tech_center", "new_type_rd_institution"]
PER_KIND = {"small": 4}  # platforms evaluated per kind in 2025 (the tests' small demo); otherwise all
# (share of the platforms, where their figures and marks fall between a scheme's zero and full): the profile of a
# year's results; the one far below is revoked
PROFILES = [(0.2, 0.95, 92), (0.35, 0.8, 80), (0.3, 0.65, 70), (0.15, 0.55, 55)]
SERVICES = [
    ("{cluster}新工艺中试放大", "小试成果到批量生产的工艺放大、参数优化与稳定性验证", "中试放大、工艺优化", "每月2批次", "3万元/批次", 20),
    ("{cluster}样品试制与检测", "按客户图纸或配方试制样品，出具性能检测报告", "样品试制、性能检测", "每周5个样品", "0.5万元/样品起", 10),
    ("{cluster}小批量试生产", "在中试线上小批量试生产，验证良率与成本", "小批量试产、良率验证", "每季度1条线", "面议", 45),
]


def build_demo_carriers(log=print, seed: int = 2024, size: str = "city") -> int:
    """Returns the number of platforms evaluated (0: already there, or no platforms to evaluate)."""
    if EvaluationRound.objects.filter(title=GRADED).exists():
        return 0
    staff = get_user_model().objects.filter(username="staff").first()
    experts = list(Expert.objects.filter(active=True, person__is_synthetic=True).order_by("pk")[:40])
    if staff is None or len(experts) < 3:
        return 0
    rng, started = random.Random(seed), time.monotonic()
    expert_person = UserProfile.objects.filter(user__username="expert").values_list("person_id", flat=True).first()
    mine = next((e for e in experts if e.person_id == expert_person), None) or Expert.objects.filter(person_id=expert_person).first()
    host_org = UserProfile.objects.filter(user__username="host").values_list("organization_id", flat=True).first()
    with acting_as(staff, "demo"):
        due = _due(list(schemes()), PER_KIND.get(size))
        graded = services.round_create(staff, year=2025, title=GRADED, kinds=list(schemes()), due_on=dt.date(2026, 3, 31), platforms=due)
        evaluations = _evaluations(graded)
        if not evaluations:
            graded.delete()
            return 0
        hosted = set(PlatformHost.objects.filter(organization_id=host_org).values_list("platform_id", flat=True))
        protected = {e.pk for e in evaluations if e.platform_id in hosted}
        with transaction.atomic():
            _figures_and_marks(rng, evaluations, experts, protected)
            for step in ("start_scoring", "grade"):
                services.round_step(staff, graded, step)
        services.round_step(staff, graded, "apply", today=dt.date(2026, 4, 30))
        services.round_publish(staff, graded)
        reporting = services.round_create(
            staff, year=2026, title=OPEN, kinds=OPEN_KINDS, due_on=dt.date(2027, 3, 31), platforms=_due(OPEN_KINDS, PER_KIND.get(size))
        )
        _figures_and_marks(rng, [e for e in _evaluations(reporting) if e.platform_id not in hosted][::2], experts, set(), marks=False)
        reviewing = services.round_create(
            staff,
            year=2026,
            title=REVIEWING,
            kinds=REVIEW_KINDS,
            due_on=dt.date(2027, 3, 31),
            platforms=_due(REVIEW_KINDS, PER_KIND.get(size)),
        )
        pending = _evaluations(reviewing)
        _figures_and_marks(rng, pending, experts, set(), unmarked=mine)
        services.round_step(staff, reviewing, "start_scoring")
        offered = _pilot_services(rng)
    counts = dict(Evaluation.objects.filter(round=graded).values_list("consequence").annotate(n=Count("pk")).order_by())
    log(
        f"  创新平台载体 / carriers: {len(evaluations)} platforms evaluated {counts}, {offered} pilot services ({time.monotonic() - started:.1f} s)"
    )
    return len(evaluations)


def _due(kinds, per_kind):
    """The platforms due this year: all of them, or at a small size the first few approved of each kind."""
    if per_kind is None:
        return None
    due = []
    for kind in kinds:
        due += Platform.objects.filter(kind=kind, status=PlatformStatus.APPROVED).order_by("pk").values_list("pk", flat=True)[:per_kind]
    return due


def _evaluations(r):
    return list(Evaluation.objects.filter(round=r).select_related("platform").order_by("platform__kind", "platform_id"))


def _figure(i: scoring.Indicator, level: float, rng) -> Decimal:
    """A figure that earns about `level` of the indicator's points."""
    level = min(1.0, max(0.0, level + rng.uniform(-0.08, 0.08)))
    if i.method == "linear":
        return (i.zero + (i.full - i.zero) * Decimal(str(round(level, 2)))).quantize(Decimal(1))
    return min(i.bands, key=lambda band: abs(band[1] - Decimal(100 * level)))[0]


def _figures_and_marks(rng, evaluations, experts, protected, marks=True, unmarked=None):
    """Figures (and the experts' marks) by the year's profile; one platform far below is revoked. The host account's
    platforms do well (`protected`). `unmarked`: this expert's assignments are left for it to mark."""
    order = list(evaluations)
    rng.shuffle(order)
    levels, at = {}, 0
    for share, level, mark in PROFILES:
        n = round(share * len(order))
        for e in order[at : at + n]:
            levels[e.pk] = (level, mark)
        at += n
    if marks and len(order) > 3:
        victim = next(e for e in order if e.pk not in protected and e.platform.kind != "pilot_base")
        levels[victim.pk] = (0.1, 20)
    now, assignments = timezone.now(), []
    for e in evaluations:
        level, mark = (0.95, 92) if e.pk in protected else levels.get(e.pk, (0.8, 80))
        scheme = schemes()[e.platform.kind]
        e.figures = {i.code: format(_figure(i, level, rng), "f") for i in scheme.figures}
        e.submitted_at = now
        e.figures_score = scoring.score(scheme, e.figures, [], rules()).figures_score
        if scheme.needs_experts:
            for expert in rng.sample(experts, 2) + ([unmarked] if unmarked and rng.random() < 0.3 else []):
                leave = not marks or (unmarked is not None and expert.pk == unmarked.pk)
                value = None if leave else Decimal(max(0, min(100, mark + rng.randint(-5, 5))))
                assignments.append(ExpertAssignment(evaluation=e, expert=expert, mark=value, marked_at=None if leave else now))
    Evaluation.objects.bulk_update(evaluations, ["figures", "submitted_at", "figures_score"])
    ExpertAssignment.objects.bulk_create(assignments, ignore_conflicts=True)


def _pilot_services(rng) -> int:
    bases = Platform.objects.filter(kind="pilot_base").exclude(status=PlatformStatus.REVOKED).select_related("cluster").order_by("pk")
    made = []
    for p in bases:
        cluster = p.cluster.name_zh if p.cluster_id else "通用"
        for name, what, keywords, capacity, price, days in SERVICES:
            made.append(
                PilotService(
                    platform=p,
                    name=name.format(cluster=cluster),
                    description=f"{what}（{p.name}，{cluster}）",
                    keywords=f"{cluster}、{keywords}",
                    capacity=capacity,
                    price=price,
                    lead_time_days=days,
                )
            )
    PilotService.objects.bulk_create(made, ignore_conflicts=True)
    return len(made)


def reset_demo_carriers():
    """The demo's rounds (their evaluations, marks and events) and the pilot services; the status changes the
    rounds applied stay in the platforms' history (the platforms themselves go with the demo's)."""
    EvaluationRound.objects.filter(title__endswith=MARK).delete()
    PilotService.objects.filter(platform__is_synthetic=True).delete()
