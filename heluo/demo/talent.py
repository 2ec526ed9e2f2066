"""The demo's talent programmes: last year's 河洛英才计划 round decided (exact assignment, every sheet, awards within
the quotas, tranches paid, service checks with one breach), this year's youth strand open (the employers' applications,
one not eligible with its reason), the talent database from the registry's programme members (the talent map), cards
with service uses at providers, and enterprises' needs making the shortage catalogue.

Seeded. The rounds' steps, cards and uses go through the services; the past round's applications, the talent entries
and the needs are inserted in bulk, each as the services would have them (eligibility from the engine). Built once
(skipped when the demo's decided round exists); ``reset_demo_talent`` removes it (``heluo demo --reset``)."""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from heluo.core.middleware import acting_as
from heluo.core.models import Role
from heluo.core.permissions import Scope
from heluo.orgs.models import Organization
from heluo.people.models import Person, TalentMembership
from heluo.talent.engine import programmes as rules
from heluo.talent.models import (
    Application,
    ApplicationStatus,
    Award,
    Card,
    CardProvider,
    CardUse,
    Payment,
    Review,
    Round,
    SkillNeed,
    Talent,
)
from heluo.talent.services import cards as card_services
from heluo.talent.services import rounds as services
from heluo.taxonomy.models import HitechField

PROGRAMME = "heluo-yingcai"
SIZES = {"small": (4, 4, 6), "city": (40, 150, 40), "province": (60, 300, 80)}  # past applications, talents carded, needing firms
LEVEL_OF = (("顶尖", "A"), ("领军", "B"), ("青年", "D"))


def _level(category: str) -> str:
    return next((lv for word, lv in LEVEL_OF if word in category), "C")


def build_demo_talent(log=print, seed: int = 2024, size: str = "city") -> int:
    """Returns the number of talents on record (0: already there, or no demo people)."""
    today = timezone.localdate()
    if Round.objects.filter(programme__code=PROGRAMME, strand="main", year=today.year - 1).exists():
        return 0
    staff = get_user_model().objects.filter(username="staff").first()
    if staff is None or not Person.objects.filter(is_synthetic=True).exists():
        return 0
    rng, started = random.Random(seed), time.monotonic()
    n_apps, n_cards, n_needs = SIZES.get(size, SIZES["city"])
    with acting_as(staff, "demo"), transaction.atomic():
        talents = _talent_database()
        decided = _decided_round(staff, rng, today, n_apps)
        opened = _open_round(staff, today)
        uses = _cards(staff, rng, today, n_cards)
        needs = _needs(rng, today, n_needs)
    log(
        f"  人才 / talent: {talents} talents, round {decided} awards, open round {opened} applications, {uses} card uses, {needs} needs ({time.monotonic() - started:.1f} s)"
    )
    return talents


def _talent_database() -> int:
    members = (
        TalentMembership.objects.filter(person__is_synthetic=True, programme__code=PROGRAMME)
        .select_related("person__employer")
        .order_by("person_id", "-year")
    )
    rows = {}
    for m in members:
        if m.person_id not in rows:
            employer = m.person.employer
            rows[m.person_id] = Talent(
                person_id=m.person_id, level=_level(m.category), field_id=employer.hitech_field_id if employer else None, since=m.year
            )
    Talent.objects.bulk_create(rows.values(), ignore_conflicts=True)
    return len(rows)


def _candidates(year: int, strand: str, category: str, limit: int, exclude=()):
    """People of employers (not the pool's experts, who review), eligible for the category: (person id, employer id,
    employer's field, checks). Read as values: a Person row would decrypt its ID number."""
    cat = rules.category(PROGRAMME, strand, category)
    people = (
        Person.objects.filter(is_synthetic=True, employer__isnull=False, expert__isnull=True)
        .exclude(pk__in=exclude)
        .order_by("pk")
        .values_list("pk", "employer_id", "employer__hitech_field_id", "birth_year", "degree", "title")
    )
    found = []
    for pk, employer, field, born, degree, title in people:
        checks = rules.eligibility(cat["criteria"], rules.Candidate(born, degree, title), year)
        if rules.eligible(checks):
            found.append((pk, employer, field, [vars(c) for c in checks]))
            if len(found) >= limit:
                break
    return found


def _decided_round(staff, rng, today: dt.date, n_apps: int) -> int:
    year = today.year - 1
    r = services.round_open(staff, PROGRAMME, "main", year, dt.date(year, 3, 1), dt.date(year, 4, 30))
    apps = []
    for category, share in (("leading", 0.4), ("outstanding", 0.6)):
        for pk, employer, field, checks in _candidates(year, "main", category, max(2, round(n_apps * share)), [a.person_id for a in apps]):
            apps.append(
                Application(
                    round=r,
                    person_id=pk,
                    employer_id=employer,
                    category=category,
                    field_id=field,
                    summary="长期从事关键技术研发，拟在洛开展产业化攻关（演示）。",
                    eligibility=checks,
                )
            )
    Application.objects.bulk_create(apps)
    reviews = services.start_review(staff, r)
    criteria = [c["code"] for c in rules.review_settings()["rubric"]["criteria"]]
    merit: dict[int, float] = {}
    for review in Review.objects.filter(pk__in=[v.pk for v in reviews]).select_related("expert"):
        quality = merit.setdefault(review.application_id, rng.gauss(7, 1.2))
        marks = {c: {"value": int(max(4, min(10, round(quality + rng.gauss(0, 0.8))))), "comment": ""} for c in criteria}
        services.submit_review(Scope(role=Role.EXPERT, person_id=review.expert.person_id), review, marks)
    ranked = sorted(Application.objects.filter(round=r, status=ApplicationStatus.IN_REVIEW), key=lambda a: -(a.score or 0))
    applied: dict[str, int] = {}
    for a in ranked:
        applied[a.category] = applied.get(a.category, 0) + 1
    chosen, used = [], {}
    for a in ranked:  # the best within the quota, and at least one of each category not selected
        if used.get(a.category, 0) < min(r.quotas.get(a.category, 0), max(1, applied[a.category] - 1)):
            used[a.category] = used.get(a.category, 0) + 1
            chosen.append(a.pk)
    awards = services.decide(staff, r, chosen, dt.date(year, 7, 1), "市人才工作领导小组审定（演示）")
    for i, award in enumerate(awards):
        services.pay(staff, award, (award.amount * Decimal("0.5")).quantize(Decimal("1")), dt.date(year, 9, 1), "首期（演示）")
        services.check_service(staff, award, year, True)
        if i == len(awards) - 1 and i > 0:
            services.check_service(staff, award, today.year, False, "已调离本市（演示）")
    return len(awards)


def _open_round(staff, today: dt.date) -> int:
    r = Round.objects.filter(programme__code=PROGRAMME, strand="youth", year=today.year).first()
    if r is None:
        r = services.round_open(staff, PROGRAMME, "youth", today.year, today - dt.timedelta(days=20), today + dt.timedelta(days=40))
    made = 0
    chosen = _candidates(today.year, "youth", "youth", 3)
    people = Person.objects.in_bulk([c[0] for c in chosen])
    fields = HitechField.objects.in_bulk([c[2] for c in chosen if c[2]])
    for pk, employer, field, _checks in chosen:
        org = Scope(role=Role.ORG_USER, organization_id=employer)
        services.apply(org, r, people[pk], "youth", "青年博士，拟开展新材料研究（演示）。", fields.get(field))
        made += 1
    older = (
        Person.objects.filter(is_synthetic=True, employer__isnull=False, birth_year__lt=today.year - 40, expert__isnull=True)
        .order_by("pk")
        .first()
    )
    if older is not None:  # kept with its reason: over the age limit
        services.apply(Scope(role=Role.ORG_USER, organization_id=older.employer_id), r, older, "youth", "申报青年托举（演示）。")
        made += 1
    return made


def _cards(staff, rng, today: dt.date, n_cards: int) -> int:
    providers = list(Organization.objects.filter(is_synthetic=True, kind__in=("university", "service_agency")).order_by("pk")[:4])
    services_ = [s["code"] for s in rules.card_services()]
    CardProvider.objects.bulk_create(  # the bureau's list of providers, as provider_add would make it
        [CardProvider(organization=org, service=code) for i, org in enumerate(providers) for code in services_[i :: len(providers)]],
        ignore_conflicts=True,
    )
    uses = 0
    for t in Talent.objects.select_related("person").order_by("-level", "pk")[:n_cards]:
        card = card_services.card_issue(staff, t, today - dt.timedelta(days=rng.randint(30, 700)))
        for _ in range(rng.randint(1, 2)):
            service = rng.choice(rules.services_for(card.level))["code"]
            provider = CardProvider.objects.filter(service=service).first()
            who = Scope(role=Role.ORG_USER, organization_id=provider.organization_id) if provider else staff
            card_services.use_record(who, card, service, today - dt.timedelta(days=rng.randint(0, 25)), "（演示）")
            uses += 1
    return uses


def _needs(rng, today: dt.date, n_firms: int) -> int:
    firms = list(
        Organization.objects.filter(is_synthetic=True, kind="enterprise", hitech_field__isnull=False).order_by("pk")[: n_firms * 3]
    )
    levels = [lv["code"] for lv in rules.load("map")["need_levels"]]
    rows = {}
    for firm in rng.sample(firms, min(n_firms, len(firms))):
        for level in rng.sample(levels, 2):
            rows[(firm.pk, level)] = SkillNeed(
                organization=firm, year=today.year, field_id=firm.hitech_field_id, level=level, count=rng.randint(1, 6), note="（演示）"
            )
    SkillNeed.objects.bulk_create(rows.values())
    return len(rows)


def reset_demo_talent():
    """Everything of the talent programmes that the demo made: its rounds and the synthetic people's records."""
    people = Person.objects.filter(is_synthetic=True)
    CardUse.objects.filter(card__talent__person__in=people).delete()
    Card.objects.filter(talent__person__in=people).delete()
    Payment.objects.filter(award__application__person__in=people).delete()
    awards = Award.objects.filter(application__person__in=people)
    memberships = list(awards.exclude(membership=None).values_list("membership_id", flat=True))
    awards.delete()
    TalentMembership.objects.filter(pk__in=memberships).delete()  # the registry entries the demo's awards made
    Round.objects.filter(pk__in=Round.objects.filter(applications__person__in=people).values("pk")).delete()
    Talent.objects.filter(person__in=people).delete()
    SkillNeed.objects.filter(organization__is_synthetic=True).delete()
    CardProvider.objects.filter(organization__is_synthetic=True).delete()
