"""The demo's incubation chain and mentors (issue 14): the approved synthetic 众创空间, 孵化器, 科技产业社区 and 大学科技园
put on the chain at a stage their kind may serve (data/chain.json; one incubator in four as an accelerator); young
synthetic enterprises entering at a maker space or an incubator and graduating, moving on or leaving as the graduation
criteria (data/graduation.json), checked by the engine on the registry's qualifications and annual data, allow —
in bulk; the mentor pool's profiles, pairings with sessions reported by both sides (the `mentor` account's among
them, made through the services), and a 导师县区行 per district and a 园区行 per park.

``build_demo_incubation`` adds them once; ``reset_demo_incubation`` removes them (``heluo demo --reset``)."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction

from heluo.core.middleware import acting_as
from heluo.core.models import DomainEvent
from heluo.geo.models import Area
from heluo.incubation.engine import graduation as engine
from heluo.incubation.models import (
    Availability,
    Carrier,
    Incubation,
    IncubationEvent,
    IncubationStatus,
    MentorEvent,
    MentorProfile,
    Pairing,
    Session,
    SessionReport,
    Side,
)
from heluo.incubation.services import mentors as mentor_services
from heluo.orgs.models import EnterpriseAnnual, Organization, OrganizationKind, Qualification
from heluo.people.models import Mentor
from heluo.platforms.models import Platform, PlatformStatus
from heluo.taxonomy.models import HitechField, Industry

MARK = "（演示）"
SCALE = {"small": 0.15, "city": 1.0, "province": 1.0}
FIRMS = 400  # firms entering the chain since 2018 (city size)
TODAY = dt.date(2025, 6, 30)  # the demo's "now" for graduations: after the latest annual data (2024)
TOPICS = ("商业计划书打磨", "股权结构设计", "融资路演辅导", "知识产权布局", "高企认定准备", "市场拓展", "财务规范", "团队建设")
OUTCOMES = (
    "完成商业计划书修改",
    "明确了下一轮融资方案",
    "提交了2件发明专利申请",
    "梳理了高企认定材料",
    "对接了两家潜在客户",
    "建立了财务制度",
)


def build_demo_incubation(log=print, seed: int = 2024, size: str = "city") -> int:
    """Returns the number of incubations made (0: already there, or no carriers to put on the chain)."""
    if Carrier.objects.filter(note__endswith=MARK).exists():
        return 0
    started, rng = time.monotonic(), random.Random(seed)
    carriers = _carriers(rng)
    if not carriers:
        return 0
    staff = get_user_model().objects.filter(username="staff").first()
    with transaction.atomic(), acting_as(staff, "demo"):
        incubations = _incubations(rng, carriers, max(10, round(FIRMS * SCALE.get(size, 1.0))))
        profiles = _profiles(rng)
        sessions = _pairings(rng, incubations, staff)
        events = _events(rng, carriers)
        _showcase(rng, incubations)
    graduated = sum(i.status in (IncubationStatus.GRADUATED, IncubationStatus.MOVED_ON) for i in incubations)
    log(
        f"  孵化链条与导师 / incubation and mentors: {len(carriers)} carriers, {len(incubations)} incubations ({graduated} graduated), "
        f"{profiles} mentor profiles, {sessions} sessions, {events} events ({time.monotonic() - started:.1f} s)"
    )
    return len(incubations)


def _carriers(rng) -> list[Carrier]:
    spec = {s.code: s for s in engine.stages()}
    platforms = Platform.objects.filter(
        is_synthetic=True,
        status=PlatformStatus.APPROVED,
        kind__in=("maker_space", "incubator", "tech_industry_community", "university_science_park"),
    ).order_by("pk")
    rows = []
    for i, p in enumerate(platforms):
        stage = {"maker_space": "maker_space", "incubator": "accelerator" if i % 4 == 0 else "incubator"}.get(p.kind, "park")
        assert p.kind in spec[stage].kinds  # the chain file decides which kinds serve where
        since = max(dt.date(2016, 1, 1), p.status_since or dt.date(2016, 1, 1))
        rows.append(Carrier(platform=p, stage=stage, capacity=rng.choice((30, 50, 80, 120)), registered_on=since, note=f"演示载体{MARK}"))
    return Carrier.objects.bulk_create(rows)


def _facts(firms) -> dict[int, dict]:
    quals = defaultdict(list)
    for org, kind, start, end, revoked in Qualification.objects.filter(organization__in=firms).values_list(
        "organization_id", "kind", "valid_from", "valid_to", "revoked_on"
    ):
        quals[org].append((kind, start, end, revoked))
    annual = defaultdict(lambda: ({}, {}, {}))
    for org, year, rev, fin, staff in EnterpriseAnnual.objects.filter(organization__in=firms).values_list(
        "organization_id", "year", "operating_revenue", "equity_financing", "total_staff"
    ):
        revenue, financing, people = annual[org]
        if rev is not None:
            revenue[year] = rev
        if fin is not None:
            financing[year] = fin
        if staff is not None:
            people[year] = staff
    return {"quals": quals, "annual": annual}


def _verdict(known, firm_id, stage, entered, on):
    held = frozenset(
        k
        for k, start, end, revoked in known["quals"][firm_id]
        if start <= on and (end is None or on <= end) and (revoked is None or on < revoked)
    )
    revenue, financing, staff = known["annual"][firm_id]
    return engine.check(stage, engine.Facts(entered, on, held, revenue, financing, staff))


def _incubations(rng, carriers, count) -> list[Incubation]:
    by_stage = defaultdict(list)
    for c in carriers:
        by_stage[c.stage].append(c)
    firms = list(
        Organization.objects.filter(is_synthetic=True, kind=OrganizationKind.ENTERPRISE, founded_on__gte=dt.date(2012, 1, 1))
        .order_by("pk")
        .values_list("pk", "founded_on")
    )
    firms = rng.sample(firms, min(count, len(firms)))
    known = _facts([pk for pk, _ in firms])
    order = [s.code for s in engine.stages()]
    made, events = [], []
    for firm_id, founded in firms:
        stage = "maker_space" if rng.random() < 0.6 else "incubator"
        entered = max(founded, dt.date(2018, 1, 1)) + dt.timedelta(days=rng.randint(0, 900))
        previous = None
        while stage and by_stage.get(stage) and entered < TODAY:
            carrier = rng.choice(by_stage[stage])
            inc = Incubation(carrier=carrier, firm_id=firm_id, entered_on=entered, is_synthetic=True)
            inc._previous = previous
            inc.save_stage = stage
            checked = None
            for months in (12, 18, 24, 30, 36, 42, 48):
                on = _months_later(entered, months)
                if on > TODAY:
                    break
                v = _verdict(known, firm_id, stage, entered, on)
                if v.met:
                    checked = (on, v)
                    break
                if v.overdue:
                    inc.status, inc.left_on = IncubationStatus.LEFT, on
                    break
            made.append(inc)
            previous = inc
            if checked is None:
                break
            inc.status, inc.graduated_on, inc.graduation = IncubationStatus.GRADUATED, checked[0], checked[1].as_dict()
            nxt = order.index(stage) + 1
            if nxt < len(order) and rng.random() < 0.6:
                inc.status, stage, entered = IncubationStatus.MOVED_ON, order[nxt], checked[0]
            else:
                break
    # stage by stage: a stay's previous is saved before it
    for inc in made:
        inc.previous = inc._previous
    for level in range(len(order)):
        batch = [i for i in made if _depth(i) == level]
        Incubation.objects.bulk_create(batch, batch_size=500)
    for inc in made:
        actor = DomainEvent.by(None)
        events.append(
            IncubationEvent(
                incubation=inc, action="admit", to_status=IncubationStatus.INCUBATING, detail={"stage": inc.save_stage}, **actor
            )
        )
        if inc.graduated_on:
            events.append(
                IncubationEvent(
                    incubation=inc,
                    action="graduate",
                    from_status=IncubationStatus.INCUBATING,
                    to_status=IncubationStatus.GRADUATED,
                    detail={"graduation": inc.graduation},
                    **actor,
                )
            )
        if inc.status == IncubationStatus.MOVED_ON:
            events.append(
                IncubationEvent(
                    incubation=inc, action="move_on", from_status=IncubationStatus.GRADUATED, to_status=IncubationStatus.MOVED_ON, **actor
                )
            )
        if inc.left_on:
            events.append(
                IncubationEvent(
                    incubation=inc,
                    action="leave",
                    from_status=IncubationStatus.INCUBATING,
                    to_status=IncubationStatus.LEFT,
                    reason="孵化期满未达到毕业条件",
                    **actor,
                )
            )
    IncubationEvent.objects.bulk_create(events, batch_size=1000)
    return made


def _depth(inc) -> int:
    d = 0
    while inc._previous is not None:
        inc, d = inc._previous, d + 1
    return d


def _months_later(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + y, m + 1, min(day.day, 28))


def _profiles(rng) -> int:
    fields = list(HitechField.objects.filter(parent__isnull=False).values_list("pk", flat=True)[:200])
    industries = list(Industry.objects.filter(parent__isnull=True).values_list("pk", flat=True)[:50])
    mentors = list(Mentor.objects.filter(person__is_synthetic=True, profile__isnull=True).order_by("pk"))
    profiles = MentorProfile.objects.bulk_create(
        [
            MentorProfile(
                mentor=m,
                experience_years=rng.randint(5, 30),
                experience=f"从事{m.specialty}相关工作多年，辅导过多家初创企业。",
                availability=rng.choices(Availability.values, (75, 20, 5))[0],
                hours_per_month=rng.choice((4, 8, 12, 16)),
            )
            for m in mentors
        ]
    )
    fields_link, industries_link = MentorProfile.hitech_fields.through, MentorProfile.industries.through
    if fields:
        fields_link.objects.bulk_create(
            [fields_link(mentorprofile_id=p.pk, hitechfield_id=f) for p in profiles for f in rng.sample(fields, min(2, len(fields)))]
        )
    if industries:
        industries_link.objects.bulk_create(
            [industries_link(mentorprofile_id=p.pk, industry_id=i) for p in profiles for i in rng.sample(industries, 1)]
        )
    return len(profiles)


def _pairings(rng, incubations, staff) -> int:
    mentors = list(
        Mentor.objects.filter(person__is_synthetic=True, active=True).exclude(profile__availability=Availability.UNAVAILABLE).order_by("pk")
    )
    if not mentors:
        return 0
    chosen = [i for i in incubations if rng.random() < 0.4]
    pairings = Pairing.objects.bulk_create(
        [
            Pairing(
                mentor=rng.choice(mentors),
                incubation=i,
                started_on=i.entered_on + dt.timedelta(days=rng.randint(10, 90)),
                reason=f"演示配对{MARK}",
            )
            for i in chosen
        ]
    )
    sessions, reports = [], []
    for p in pairings:
        end = p.incubation.ended_on or TODAY
        for _ in range(rng.randint(1, 4)):
            day = p.started_on + dt.timedelta(days=rng.randint(0, max(0, (end - p.started_on).days)))
            sessions.append(
                Session(
                    pairing=p,
                    held_on=min(day, end),
                    hours=rng.choice(("1.0", "1.5", "2.0", "3.0")),
                    topic=rng.choice(TOPICS),
                    logged_by=rng.choice(Side.values),
                )
            )
    Session.objects.bulk_create(sessions, batch_size=1000)
    actor = DomainEvent.by(None)
    for s in sessions:
        sides = [s.logged_by] + ([s2 for s2 in Side.values if s2 != s.logged_by] if rng.random() < 0.7 else [])
        reports += [SessionReport(session=s, side=side, outcome=rng.choice(OUTCOMES), rating=rng.randint(3, 5), **actor) for side in sides]
    SessionReport.objects.bulk_create(reports, batch_size=1000)
    return len(sessions)


def _events(rng, carriers) -> int:
    mentors = list(Mentor.objects.filter(person__is_synthetic=True, active=True).order_by("pk"))
    firms_by_area = defaultdict(list)
    for inc in Incubation.objects.filter(is_synthetic=True, status=IncubationStatus.INCUBATING).values_list(
        "firm_id", "carrier__platform__area_id"
    ):
        firms_by_area[inc[1]].append(inc[0])
    districts = Area.objects.filter(
        kind="district",
        pk__in={c.platform.area_id for c in carriers}
        | set(Area.objects.filter(pk__in={c.platform.area_id for c in carriers}).values_list("parent_id", flat=True)),
    ).order_by("code")
    events, links = [], []
    for d in districts:
        events.append(
            MentorEvent(
                kind=MentorEvent.Kind.DISTRICT,
                title=f"创业导师{d.name_zh}行{MARK}",
                area=d,
                held_on=dt.date(2024, rng.randint(3, 11), rng.randint(1, 28)),
                summary="导师走进县区，面对面诊断初创企业。",
                is_synthetic=True,
            )
        )
    for c in [c for c in carriers if c.stage == "park"]:
        area = c.platform.area
        events.append(
            MentorEvent(
                kind=MentorEvent.Kind.PARK,
                title=f"创业导师园区行·{c.platform.name}{MARK}",
                area=area,
                park=c.platform,
                held_on=dt.date(2024, rng.randint(3, 11), rng.randint(1, 28)),
                summary="导师走进园区，集中辅导入园企业。",
                is_synthetic=True,
            )
        )
    MentorEvent.objects.bulk_create(events)
    mentors_link, firms_link = MentorEvent.mentors.through, MentorEvent.firms.through
    for e in events:
        for m in rng.sample(mentors, min(len(mentors), rng.randint(3, 6))):
            links.append(mentors_link(mentorevent_id=e.pk, mentor_id=m.pk))
    mentors_link.objects.bulk_create(links)
    firm_links = []
    for e in events:
        pool = firms_by_area.get(e.area_id, []) + [f for a in Area.expand_ids([e.area_id]) for f in firms_by_area.get(a, [])]
        for f in sorted(set(rng.sample(pool, min(len(pool), 8)))):
            firm_links.append(firms_link(mentorevent_id=e.pk, organization_id=f))
    firms_link.objects.bulk_create(firm_links)
    return len(events)


def _showcase(rng, incubations):
    """The `mentor` account's mentor paired with two firms still in incubation, and a session each that the mentor
    logged through the service. (The pairing is written directly: the service would build the matching engine's
    index of the pool, seconds in a fresh process, for an affinity the demo does not need.)"""
    user = get_user_model().objects.filter(username="mentor").select_related("profile").first()
    mentor = Mentor.objects.filter(person_id=user.profile.person_id).first() if user and hasattr(user, "profile") else None
    if mentor is None:
        return
    MentorProfile.objects.filter(mentor=mentor).update(availability=Availability.AVAILABLE)  # the account's mentor takes firms
    paired = set(Pairing.objects.filter(incubation__in=incubations).values_list("incubation_id", flat=True))
    open_ones = [
        i for i in incubations if i.status == IncubationStatus.INCUBATING and i.entered_on < dt.date(2024, 1, 1) and i.pk not in paired
    ]
    for inc in open_ones[:2]:
        p = Pairing.objects.create(
            mentor=mentor, incubation=inc, started_on=inc.entered_on + dt.timedelta(days=30), reason=f"演示：导师账号的辅导企业{MARK}"
        )
        mentor_services.log_session(user, p, p.started_on + dt.timedelta(days=20), "2.0", rng.choice(TOPICS), rng.choice(OUTCOMES), 5)


def reset_demo_incubation():
    """Everything the demo made here (before the platforms, organizations and people it points to)."""
    MentorEvent.objects.filter(is_synthetic=True).delete()
    Incubation.objects.filter(is_synthetic=True).delete()  # their pairings, sessions, reports and events with them
    Carrier.objects.filter(note__endswith=MARK).delete()
    MentorProfile.objects.filter(mentor__person__is_synthetic=True).delete()
