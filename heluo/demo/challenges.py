"""The demo's 揭榜挂帅 round: entries of the 关键核心技术攻关清单 compiled from the market demo's public demands, each at
a stage — awarded to one team, a 赛马制 race awarded to two (one past its checkpoint, where one team continued), one
closed with its bids shortlisted, one published for bids (the ``org`` account can bid on it) and one draft. Through
the challenge services, the bidders acting from their organizations' scopes; an award's projects come with it."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from heluo.core.models import Role
from heluo.core.permissions import Scope
from heluo.demo import project_stages
from heluo.people.models import Person
from heluo.projects.models import Award, Bid, Challenge, ChallengeEvent, ChallengeMode, Project, ProjectEvent
from heluo.projects.selectors import challenges as selectors
from heluo.projects.services import challenges as services

# (title, stage, mode, budget in 万元, bids)
ROUND = [
    ("高端轴承长寿命设计与制造关键技术", "awarded", ChallengeMode.SINGLE, 800, 3),
    ("大型矿山装备智能运维关键技术", "race", ChallengeMode.RACE, 1000, 3),
    ("新能源储能电池热管理关键技术", "race_decided", ChallengeMode.RACE, 600, 2),
    ("高性能钼钨材料制备关键技术", "closed", ChallengeMode.SINGLE, 500, 3),
    ("工业机器人高精度减速器国产化", "published", ChallengeMode.SINGLE, 500, 1),
    ("农机装备动力换挡变速箱关键技术", "draft", ChallengeMode.SINGLE, 400, 0),
]
PROBLEM = "洛阳市重点产业链企业提出的“卡脖子”技术难题：{t}。现有进口产品价格高、供货周期长，亟需实现自主可控（演示）。"
INDICATORS = "形成样机并通过第三方检测，主要性能指标达到国际同类产品水平；申请发明专利不少于3件；在榜单发布企业完成应用验证。"


def build_demo_challenges(staff, rng: random.Random, mark: str, org_account_organization: int | None = None) -> int:
    """The round; the ``org`` account's organization wins the first challenge (its project is the account's to run)."""
    demands = [pk for pk, _ in selectors.public_demand_choices(200)]
    leaders = _one_per_employer(40)
    own = Person.objects.filter(employer_id=org_account_organization).select_related("employer").order_by("pk").first()
    if len(demands) < 2 or len(leaders) < 12:
        return 0
    today = timezone.localdate()
    rng.shuffle(leaders)
    leaders = [p for p in leaders if own is None or p.employer_id != own.employer_id]
    made = 0
    for title, stage, mode, budget, bids in ROUND:
        checkpoint = {"race": today + dt.timedelta(days=200), "race_decided": today - dt.timedelta(days=20)}.get(stage)
        c = services.compile_challenge(
            staff,
            rng.sample(demands, 2),
            title=title + mark,
            problem=PROBLEM.format(t=title),
            indicators=INDICATORS,
            budget=Decimal(budget) * 10000,
            deadline=today + dt.timedelta(days=45 if stage == "published" else 720),
            mode=mode,
            checkpoint_on=checkpoint,
        )
        made += 1
        if stage == "draft":
            continue
        services.challenge_status(staff, c, "published")
        teams = [leaders.pop() for _ in range(bids)]
        if stage == "awarded" and own is not None and own.employer.is_published and bids:
            teams = [own, *[t for t in teams if t.employer_id != own.employer_id]][:bids]
        placed = [
            services.bid(
                Scope(role=Role.ORG_USER, organization_id=leader.employer_id),
                c,
                leader=leader,
                plan=f"{leader.employer.name}组建攻关团队，由{leader.name}牵头，分三阶段完成{title}（演示）。",
                requested=(c.budget * Decimal(rng.choice([70, 85, 100])) / 100).quantize(Decimal("0.01")),
            )
            for leader in teams
        ]
        if stage == "published":
            continue
        services.challenge_status(staff, c, "closed")
        for n, b in enumerate(placed):
            if n < (2 if mode == ChallengeMode.RACE else 1) or stage == "closed" and n < 2:
                services.review_bid(staff, b, "shortlisted", "技术路线可行，团队基础扎实")
            else:
                services.review_bid(staff, b, "rejected", "技术路线与榜单要求差距较大")
        if stage == "closed":
            continue
        winners = placed[: 2 if mode == ChallengeMode.RACE else 1]
        services.award(staff, c, winners, "专家评审综合排名靠前，经局务会研究同意授榜")
        if stage == "race_decided":
            _backdate(c, today - dt.timedelta(days=400))
        for p in Project.objects.filter(bid__in=winners).order_by("pk"):  # the award made them
            project_stages.contract(p, rng)
            project_stages.start(staff, p, p.starts_on)
            if stage == "race_decided":  # both teams reached the checkpoint's milestone
                project_stages.dated(p, p.starts_on, 1, action="contract_save")
                project_stages.milestone_done(staff, p, p.milestones.order_by("due_on").first())
        if stage == "race_decided":
            services.checkpoint(staff, c, winners[0], "节点考核：样机主要指标领先，继续支持", today)
    return made


def _backdate(c: Challenge, day: dt.date) -> None:
    """A race decided a year ago (the demo's history): its compilation, bids, award and projects dated then."""
    at = dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
    Project.objects.filter(bid__challenge=c).update(starts_on=day, created=at)
    ProjectEvent.objects.filter(project__bid__challenge=c, action="create").update(at=at)
    Challenge.objects.filter(pk=c.pk).update(created=at)
    Bid.objects.filter(challenge=c).update(created=at)
    Award.objects.filter(challenge=c).update(decided_at=at)
    ChallengeEvent.objects.filter(challenge=c).update(at=at)


def _one_per_employer(limit: int) -> list[Person]:
    """Team leaders at as many organizations (not the pool's experts, who review)."""
    kinds = ("enterprise", "university", "research_institute")
    people = Person.objects.filter(employer__is_published=True, employer__kind__in=kinds, expert__isnull=True).select_related("employer")
    seen, out = set(), []
    for p in people.order_by("pk").iterator(chunk_size=500):
        if p.employer_id not in seen:
            seen.add(p.employer_id)
            out.append(p)
            if len(out) == limit:
                break
    return out
