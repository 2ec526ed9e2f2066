"""The demo's science projects: a year of calls (one of each programme type) at different stages, about 800
applications from the demo's enterprises, universities and institutes, a finished review round with its decisions,
a round in review (the ``expert`` account has sheets to fill), a call in its formal check, open calls the ``org``
account can apply to, and integrity records.

Seeded. The calls, the review round (assignment, sheets, results, decisions) and the integrity records go through
the services; the applications, their answers, budgets, teams, attachments and steps are inserted in bulk, each valid
as the services would have it (typed answers, budgets adding up, PIs employed by the applicant). Built once (skipped
when the demo's major call exists); ``reset_demo_projects`` removes it (``heluo demo --reset``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from heluo.core import audit, uploads
from heluo.core.codes import birth_date_of
from heluo.core.middleware import acting_as
from heluo.core.models import Role
from heluo.core.permissions import Scope
from heluo.demo import project_stages
from heluo.demo.challenges import build_demo_challenges
from heluo.orgs.models import OrganizationKind
from heluo.people.models import Expert, Person
from heluo.projects.engine import forms
from heluo.projects.engine import programmes as engine
from heluo.projects.models import (
    Application,
    ApplicationAnswer,
    ApplicationAttachment,
    ApplicationEvent,
    BudgetLine,
    Call,
    IntegrityRecord,
    Participant,
    Project,
)
from heluo.projects.selectors import applications as selectors
from heluo.projects.selectors import review as review_selectors
from heluo.projects.services import applications as application_services
from heluo.projects.services import calls as call_services
from heluo.projects.services import review as review_services

MARK = "（演示）"
YEAR = 2026
PAST_YEAR = YEAR - 3  # an earlier call, whose projects have gone through every stage since
# (programme, year, title, applications, stage)
CALLS = [
    ("major", PAST_YEAR, "2023年洛阳市重大科技创新专项", 60, "decided"),
    ("major", YEAR, "2026年洛阳市重大科技创新专项", 220, "decided"),
    ("natural_science", YEAR, "2026年洛阳市自然科学研究项目", 180, "in_review"),
    ("soft_science", YEAR, "2026年洛阳市软科学研究项目", 140, "formal_check"),
    ("youth", YEAR, "2026年洛阳市青年科技专项", 150, "open"),
    ("challenge", YEAR, "2026年洛阳市“揭榜挂帅”重大科技创新项目", 110, "open"),
]
BUDGETS = {"major": 300, "natural_science": 60, "soft_science": 20, "youth": 50, "challenge": 800}  # 万元 at most per project
FUNDED_SHARE = 0.35  # a call's budget funds about this share of its applications at the most per project
TOPICS = ["关键技术研究与产业化", "工艺优化与质量提升", "智能化改造关键技术", "检测与评价方法研究", "国产化替代关键技术", "应用示范"]
KINDS = (OrganizationKind.ENTERPRISE, OrganizationKind.UNIVERSITY, OrganizationKind.RESEARCH_INSTITUTE)
PDF = b"%PDF-1.4\n% heluo demo\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


SCALE = {"small": 0.1, "city": 1.0, "province": 1.0}


def build_demo_projects(log=print, seed: int = 2024, size: str = "city") -> int:
    """Returns the number of applications made (0: already there, or no demo people to lead them)."""
    if Call.objects.filter(title__endswith=MARK).exists():
        return 0
    staff = get_user_model().objects.filter(username="staff").first()
    org_user_org = get_user_model().objects.filter(username="org").values_list("profile__organization_id", flat=True).first()
    people = list(
        Person.objects.filter(employer__kind__in=KINDS, employer__is_published=True, id_number__isnull=False, expert__isnull=True)
        .select_related("employer")
        .order_by("pk")
    )
    if staff is None or len(people) < 10:  # the pool's experts review; they lead none of the demo's applications
        return 0
    rng, now, started = random.Random(seed), timezone.now(), time.monotonic()
    proposal_sha = _stored(PDF)
    made = 0
    with acting_as(staff, "demo"):
        if org_user_org and not Person.objects.filter(employer_id=org_user_org).exists():
            Person.objects.create(name="周明远", employer_id=org_user_org, is_synthetic=True, title="技术总监")
        for programme, year, title, count, stage in CALLS:
            count = max(5, round(count * SCALE.get(size, 1.0)))
            call = _call(staff, programme, year, title, stage, now, count)
            with transaction.atomic():
                apps = _applications(rng, call, count, people, stage, now, proposal_sha, staff)
            made += len(apps)
            if stage in ("decided", "in_review"):
                with transaction.atomic():  # one commit for the round's many service steps, not one each
                    _review_round(staff, call, rng, finish=stage == "decided")
        with transaction.atomic():
            stages = _project_stages(staff, rng)
        challenges = build_demo_challenges(staff, rng, MARK, org_user_org)
        drawn = project_stages.inspect(staff, seed + YEAR)
        _integrity(staff, people, rng)
    log(
        f"  科技项目 / science projects: {len(CALLS)} calls, {made} applications, projects {stages}, {challenges} challenges, {drawn} inspected ({time.monotonic() - started:.1f} s)"
    )
    return made


def _stored(content: bytes) -> str:
    sha = hashlib.sha256(content).hexdigest()
    uploads.store(ContentFile(content, name="demo.pdf"), application_services.STORAGE_PREFIX, sha)
    return sha


def _call(staff, programme, year, title, stage, now, applications: int) -> Call:
    past = stage in ("decided", "in_review", "formal_check")
    opens = now - dt.timedelta(days=120 if past else 10) - dt.timedelta(days=365 * (YEAR - year))
    closes = now - dt.timedelta(days=60) if past else now + dt.timedelta(days=45)
    closes -= dt.timedelta(days=365 * (YEAR - year))
    per_project = BUDGETS[programme]
    call = call_services.call_save(
        staff,
        Call(
            code=f"{year}-{programme}",
            title=title + MARK,
            programme=programme,
            year=year,
            description=f"{title}申报指南（演示数据）。围绕洛阳市九大产业集群和四大未来产业，支持企业、高校院所开展关键技术攻关。",
            budget=Decimal(per_project * max(2, round(applications * FUNDED_SHARE))) * 10000,
            max_per_project=Decimal(per_project) * 10000,
            opens_at=opens,
            closes_at=closes,
        ),
    )
    call = call_services.call_status(staff, call, "published")
    if past:
        call = call_services.call_status(staff, call, "closed")
    return call


# (status, the workflow's steps to reach it) for each stage of a call
CHAINS = {
    "decided": [
        ("accepted", ["submit", "recommend", "accept"], 88),
        ("rejected", ["submit", "recommend", "reject"], 8),
        ("withdrawn", ["withdraw"], 4),
    ],
    "in_review": [("accepted", ["submit", "recommend", "accept"], 90), ("rejected", ["submit", "recommend", "reject"], 10)],
    "formal_check": [("recommended", ["submit", "recommend"], 60), ("submitted", ["submit"], 25), ("returned", ["submit", "return"], 15)],
    "open": [("draft", [], 40), ("submitted", ["submit"], 45), ("recommended", ["submit", "recommend"], 15)],
}
REASONS = {"reject": "申报材料不符合指南要求（演示）", "return": "预算说明不完整，请补充（演示）", "withdraw": "单位决定暂不申报（演示）"}


def _weighted(rng, options):
    return rng.choices(options, weights=[o[-1] for o in options])[0]


def _answers(rng, spec: forms.FormSpec, requested: Decimal) -> dict:
    values = {}
    for key, f in spec.fields.items():
        if f.type == "text":
            values[key] = f"{f.label[0]}（演示）：围绕项目目标开展研究，形成可验证的技术方案与阶段成果。"
        elif f.type == "integer":
            low, high = int(f.min or 0), int(f.max if f.max is not None else 20)
            values[key] = rng.randint(low, min(high, low + 36))
        elif f.type == "money":
            values[key] = (requested * Decimal(rng.choice([1, 2, 3]))).quantize(Decimal("0.01"))
        elif f.type == "date":
            values[key] = dt.date(YEAR + 1, rng.randint(1, 6), 1)
        elif f.type == "boolean":
            values[key] = rng.random() < 0.6
        elif f.type == "choice":
            values[key] = rng.choice(list(f.choices))
        else:
            values[key] = sorted(rng.sample(list(f.choices), 2), key=list(f.choices).index)
    return values


def _budget(rng, spec: forms.FormSpec, requested: Decimal) -> dict:
    """Lines adding up to the amount requested, each category within its share."""
    cats = list(spec.categories)
    capped = {c.code: c.max_share for c in cats if c.max_share is not None}
    lines, left = {}, requested
    for c in cats:
        if c.code in capped:
            amount = (requested * capped[c.code] * Decimal("0.5")).quantize(Decimal("0.01"))
            lines[c.code], left = amount, left - amount
    free = [c.code for c in cats if c.code not in capped]
    weights = [rng.randint(1, 5) for _ in free]
    for i, code in enumerate(free):
        amount = left if i == len(free) - 1 else (left * weights[i] / sum(weights[i:])).quantize(Decimal("0.01"))
        lines[code], left = amount, left - amount
    return {k: v for k, v in lines.items() if v > 0}


def _applications(rng, call, count, people, stage, now, sha, staff) -> list[Application]:
    spec = selectors.form_of(call)
    wf = engine.workflow(call.workflow_code)
    per_project = call.max_per_project
    young_only = engine.programme(call.programme).young_pi_only
    pool = [p for p in people if not young_only or _young(p, call)]
    apps, plans, taken = [], [], set()
    for _ in range(count * 3):
        if len(apps) == count:
            break
        pi = rng.choice(pool)
        title = f"{(pi.employer.name[2:6] if len(pi.employer.name) > 6 else '')}{rng.choice(TOPICS)}"
        if (pi.employer_id, title) in taken:
            continue
        taken.add((pi.employer_id, title))
        status, chain, _ = _weighted(rng, CHAINS[stage])
        requested = (per_project * Decimal(rng.choice([40, 60, 80, 100])) / 100).quantize(Decimal("0.01"))
        created = call.opens_at + dt.timedelta(days=rng.randint(0, 8), hours=rng.randint(8, 18))
        submitted = created + dt.timedelta(days=rng.randint(1, 5)) if chain and chain[0] == "submit" else None
        apps.append(
            Application(
                call=call,
                applicant_id=pi.employer_id,
                pi=pi,
                title=title,
                abstract=f"项目面向{pi.employer.name}所在产业的技术需求，开展{title}，形成可推广的技术成果（演示）。",
                keywords="、".join(rng.sample(["智能制造", "新材料", "检测", "工艺", "装备", "数字化", "节能", "可靠性"], 3)),
                requested=requested,
                status=status,
                number=f"{call.code}-{len(apps) + 1:04d}" if submitted else None,
                commitment_signed_at=submitted,
                submitted_at=submitted,
            )
        )
        plans.append((created, chain))
    Application.objects.bulk_create(apps, batch_size=500)
    answers, budgets, members, files, events = [], [], [], [], []
    colleagues: dict[int, list[int]] = {}
    for p in people:
        colleagues.setdefault(p.employer_id, []).append(p.pk)
    fields = spec.fields
    for a, (created, chain) in zip(apps, plans):
        for key, value in _answers(rng, spec, a.requested).items():
            answers.append(ApplicationAnswer(application=a, key=key, **forms.storage(fields[key], value)))
        for code, amount in _budget(rng, spec, a.requested).items():
            budgets.append(BudgetLine(application=a, category=code, amount=amount))
        team = {a.pi_id, *rng.sample(colleagues[a.applicant_id], min(2, len(colleagues[a.applicant_id])))}
        members += [Participant(application=a, kind=Participant.Kind.MEMBER, person_id=pk) for pk in sorted(team)]
        files += [
            ApplicationAttachment(
                application=a, kind=kind, name=f"{kind}.pdf", sha256=sha, size=len(PDF), uploaded_by=staff, uploaded_at=created
            )
            for kind in ("proposal", "commitment")
        ]
        events.append(
            ApplicationEvent(application=a, transition="create", to_status="draft", actor=staff, actor_name="demo", via="demo", at=created)
        )
        state, at = "draft", created
        for action in chain:
            step = wf.transitions[action]
            at += dt.timedelta(days=rng.randint(1, 4))
            reason = REASONS.get(action, "")
            events.append(
                ApplicationEvent(
                    application=a,
                    transition=action,
                    from_status=state,
                    to_status=step.target,
                    actor=staff,
                    actor_name="demo",
                    via="demo",
                    at=at,
                    reason=reason,
                )
            )
            state = step.target
    ApplicationAnswer.objects.bulk_create(answers, batch_size=2000)
    BudgetLine.objects.bulk_create(budgets, batch_size=2000)
    Participant.objects.bulk_create(members, batch_size=2000)
    ApplicationAttachment.objects.bulk_create(files, batch_size=2000)
    ApplicationEvent.objects.bulk_create(events, batch_size=2000)
    audit.record_changes(Application, [(a.pk, a.title, "create", None, audit.serialize(a)) for a in apps])
    return apps


def _young(person: Person, call: Call) -> bool:
    born = birth_date_of(person.id_number or "")
    if born is None:
        return False
    limit, included = engine.youth_age_limit()
    age = engine.age_on(born, selectors.reference_date(call))
    return age < limit or included and age == limit


def _review_round(staff, call: Call, rng, finish: bool):
    """The review round through the services: the exact assignment, then (finished rounds) every sheet, the results
    and the decisions within the budget; a round in review keeps about half its sheets to fill."""
    review_services.rubric_save(staff, call)
    experts = Expert.objects.filter(active=True).count()
    small = experts < 4 * call.reviewers_per_proposal  # the small demo's pool: fewer reviewers, employers may repeat
    k = min(call.reviewers_per_proposal, max(1, experts // 8))
    round_ = review_services.assign(staff, call, k=k, min_load=0, one_per_employer=not small)
    criteria = review_selectors.rubric_of(call).criteria
    merit: dict[int, float] = {}  # an application's own quality, which its reviewers see alike (give or take)
    for ra in round_.assignments:
        if not finish and rng.random() < 0.5:
            continue
        quality = merit.setdefault(ra.application_id, rng.gauss(7, 1.2))
        marks = {c.code: int(max(c.low, min(c.high, round(quality + rng.gauss(0, 0.8))))) for c in criteria}
        # each expert marks its own (most of the pool has no account in the demo: its scope stands for it)
        expert = Scope(role=Role.EXPERT, person_id=ra.expert.person_id)
        review_services.submit_sheet(expert, ra, marks, "总体可行，建议加强产业化路径论证（演示）。")
    if finish:
        review_services.finish_review(staff, call)
        plan = review_selectors.results(call).plan
        review_services.decide(staff, call, [int(i) for i in plan.funded] if plan else [], {})


def _project_stages(staff, rng) -> dict[str, int]:
    """The funded projects: the earlier call's at every stage since, this year's being contracted."""
    expert_person = get_user_model().objects.filter(username="expert").values_list("profile__person_id", flat=True).first()
    counts = {}
    for year, walk in ((PAST_YEAR, "past"), (YEAR, "current")):
        projects = list(
            Project.objects.filter(application__call__code=f"{year}-major", application__call__title__endswith=MARK).order_by("pk")
        )
        if walk == "past":
            counts.update(project_stages.walk_past(staff, projects, year, rng, expert_person))
        else:
            counts.update(project_stages.walk_current(staff, projects, rng))
    return counts


def _integrity(staff, people, rng):
    from heluo.projects.services.integrity import integrity_save

    for person in rng.sample(people, 3):
        integrity_save(
            staff,
            IntegrityRecord(
                person=person,
                finding="项目申报材料中存在数据不实（演示）",
                sanction="取消市级科技计划项目申报资格两年",
                scope="applications",
                starts_on=dt.date(YEAR - 1, 6, 1),
                ends_on=dt.date(YEAR + 1, 5, 31),
                source="洛科信〔2025〕演示1号",
            ),
        )


def reset_demo_projects():
    """The demo's calls and challenges and everything made in them, and the demo's integrity records."""
    calls = Call.objects.filter(title__endswith=MARK)
    from heluo.projects.models import Award, Bid, Challenge, InspectionDraw, Payment, ReviewAssignment, ReviewPanel, ReviewSheet, Rubric

    challenges = Challenge.objects.filter(title__endswith=MARK)
    projects = Project.objects.filter(Q(application__call__in=calls) | Q(bid__challenge__in=challenges))
    InspectionDraw.objects.filter(period__endswith=MARK).delete()  # its items name the projects
    Payment.objects.filter(project__in=projects).delete()
    projects.delete()  # funding the demo's applications and awarding its bids made them
    Award.objects.filter(challenge__in=challenges).delete()
    Bid.objects.filter(challenge__in=challenges).delete()
    challenges.delete()
    ReviewSheet.objects.filter(assignment__call__in=calls).delete()
    ReviewAssignment.objects.filter(call__in=calls).delete()
    ReviewPanel.objects.filter(call__in=calls).delete()
    Rubric.objects.filter(call__in=calls).delete()
    Application.objects.filter(call__in=calls).delete()
    calls.delete()
    IntegrityRecord.objects.filter(source__contains="演示").delete()
