"""A round from open to decided: applications through the employer's account with eligibility explained, reviewers
assigned exactly (heluo.projects.engine.assignment: no reviewer from the applicant's employer, at most one per
employer on an application), sheets scored on the rubric (heluo.projects.engine.review), awards within the quotas
(each recorded in the registry as a TalentMembership), support paid in tranches never above the award, and the
annual checks of the years of service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from heluo.core.i18n import Bilingual, Refusal
from heluo.core.permissions import scope_for
from heluo.people.models import Expert, Person, TalentMembership, TalentProgramme
from heluo.people.services import membership_save
from heluo.projects.engine import assignment as assign_engine
from heluo.projects.engine import review as review_engine

from ..engine import programmes as rules
from ..models import Application, ApplicationStatus, Award, Payment, Review, Round, RoundStatus, ServiceCheck, Talent
from . import bureau_only, event, plausible


def round_open(user, programme_code: str, strand: str, year: int, opens_on: dt.date, closes_on: dt.date) -> Round:
    bureau_only(user)
    data = rules.strand(programme_code, strand)
    programme = TalentProgramme.objects.filter(code=programme_code).first()
    if data is None or programme is None:
        raise Refusal(
            "unknown_strand",
            f"未知的人才计划或类别：{programme_code}/{strand}",
            f"unknown programme or strand: {programme_code}/{strand}",
            422,
            "strand",
        )
    if closes_on < opens_on:
        raise Refusal("round_period", "截止日期早于开始日期", "the round closes before it opens", 422, "closes_on")
    if Round.objects.filter(programme=programme, strand=strand, year=year).exists():
        raise Refusal("round_exists", f"{year}年度该计划已有申报批次", f"the programme already has a {year} round", 409, "year")
    r = Round.objects.create(
        programme=programme,
        strand=strand,
        year=year,
        title=f"{year}年度{data['zh']}",
        quotas=rules.quotas(programme_code, strand),
        opens_on=opens_on,
        closes_on=closes_on,
    )
    event(user, "round_opened", round=r)
    return r


def _checks(r: Round, person: Person, category: dict) -> list[dict]:
    candidate = rules.Candidate(person.birth_year, person.degree, person.title)
    return [vars(c) for c in rules.eligibility(category.get("criteria", {}), candidate, r.year)]


def apply(user, r: Round, person: Person, category: str, summary: str, field=None) -> Application:
    """The employer's account applies for one of its people; an ineligible application is kept with its reasons."""
    scope = scope_for(user)
    if not (scope.is_bureau or (scope.organization_id and scope.organization_id == person.employer_id)):
        raise PermissionDenied(Bilingual("只能为本单位人员申报", "An organization applies for its own people only.").both)
    if person.employer_id is None:
        raise Refusal("no_employer", "申报人须有工作单位：由单位申报", "the talent needs an employer, which applies", 422, "person")
    if r.status != RoundStatus.OPEN:
        raise Refusal("round_closed", "该批次不在申报期", "the round is not open for applications")
    today = timezone.localdate()
    if not r.opens_on <= today <= r.closes_on:
        raise Refusal("round_dates", f"申报期为{r.opens_on}至{r.closes_on}", f"applications are taken from {r.opens_on} to {r.closes_on}")
    cat = rules.category(r.programme.code, r.strand, category)
    if cat is None:
        raise Refusal("unknown_category", f"该计划没有类别“{category}”", f"the programme has no category '{category}'", 422, "category")
    if not summary.strip():
        raise Refusal("summary_missing", "请填写主要成就与工作计划", "state the achievements and plans", 422, "summary")
    if Application.objects.filter(round=r, person=person).exists():
        raise Refusal("applied_already", "此人已在本批次申报", "this person has already applied in this round", 409, "person")
    checks = _checks(r, person, cat)
    ok = rules.eligible([rules.Check(**c) for c in checks])
    a = Application.objects.create(
        round=r,
        person=person,
        employer_id=person.employer_id,
        category=category,
        field=field,
        summary=summary,
        eligibility=checks,
        status=ApplicationStatus.SUBMITTED if ok else ApplicationStatus.INELIGIBLE,
        submitted_by=user if getattr(user, "pk", None) else None,
    )
    note = "；".join(c["zh"] for c in checks if not c["ok"])
    event(user, "applied" if ok else "ineligible", note, round=r, application=a, person=person)
    return a


def withdraw(user, a: Application, reason: str) -> Application:
    scope = scope_for(user)
    if not (scope.is_bureau or scope.organization_id == a.employer_id):
        raise PermissionDenied(Bilingual("只能撤回本单位的申报", "Only the employer withdraws its application.").both)
    if a.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.INELIGIBLE):
        raise Refusal("not_withdrawable", "评审开始后不能撤回", "an application cannot be withdrawn once in review")
    a.status = ApplicationStatus.WITHDRAWN
    a.save(update_fields=["status"])
    event(user, "withdrawn", reason, round=a.round, application=a, person=a.person)
    return a


def _affinity(expert_fields: set[int], field_id: int | None) -> float:
    return 1.0 if field_id is not None and field_id in expert_fields else 0.1


@transaction.atomic
def start_review(user, r: Round) -> list[Review]:
    """Closes the round and assigns k experts per eligible application (exact, with conflicts and one per employer)."""
    bureau_only(user)
    r = Round.objects.select_for_update().get(pk=r.pk)
    if r.status != RoundStatus.OPEN:
        raise Refusal("round_not_open", "只有申报中的批次可以进入评审", "only an open round goes to review")
    apps = list(Application.objects.filter(round=r, status=ApplicationStatus.SUBMITTED).select_related("person"))
    if not apps:
        raise Refusal("no_applications", "没有符合条件的申报", "no eligible applications to review")
    experts = list(Expert.objects.filter(active=True).select_related("person").prefetch_related("hitech_fields"))
    config = rules.review_settings()
    fields = {e.pk: {f.pk for f in e.hitech_fields.all()} for e in experts}
    scores, conflicts = {}, []
    for a in apps:
        for e in experts:
            scores[(str(a.pk), str(e.pk))] = _affinity(fields[e.pk], a.field_id)
            if e.person_id == a.person_id or (e.person.employer_id and e.person.employer_id == a.employer_id):
                conflicts.append((str(a.pk), str(e.pk)))
    groups = {str(e.pk): str(e.person.employer_id) for e in experts if e.person.employer_id}
    try:
        plan = assign_engine.assign(scores, int(config["k"]), int(config["min_load"]), int(config["max_load"]), conflicts, groups)
    except assign_engine.AssignmentError as e:
        raise Refusal("assignment", e.zh, e.en) from None
    reviews = Review.objects.bulk_create(
        [Review(application_id=int(p.proposal), expert_id=int(p.reviewer), reason=f"{p.reason_zh} / {p.reason_en}") for p in plan.pairs]
    )
    Application.objects.filter(pk__in=[a.pk for a in apps]).update(status=ApplicationStatus.IN_REVIEW)
    r.status = RoundStatus.REVIEW
    r.save(update_fields=["status"])
    event(
        user, "review_started", f"{len(apps)} 份申请，{len(reviews)} 份评审任务 / {len(apps)} applications, {len(reviews)} reviews", round=r
    )
    return reviews


def rubric() -> review_engine.Rubric:
    return review_engine.parse_rubric(rules.review_settings()["rubric"])


@transaction.atomic
def submit_review(user, review: Review, marks: dict[str, dict]) -> Review:
    """An expert's own sheet, checked on the rubric; the application's score is the data's aggregate of the sheets."""
    scope = scope_for(user)
    if scope.person_id is None or review.expert.person_id != scope.person_id:
        raise PermissionDenied(Bilingual("只能提交本人的评审", "Experts submit their own reviews only.").both)
    a = Application.objects.select_for_update().get(pk=review.application_id)
    if a.status != ApplicationStatus.IN_REVIEW:
        raise Refusal("not_in_review", "该申请不在评审中", "the application is not in review")
    sheet = review_engine.Sheet(
        str(a.pk), str(review.expert_id), {k: review_engine.Mark(v.get("value"), v.get("comment", "")) for k, v in marks.items()}
    )
    try:
        score = review_engine.weighted_score(rubric(), sheet)
    except review_engine.RubricError as e:
        raise Refusal("review_sheet", e.zh, e.en, 422, "marks") from None
    review.marks, review.score, review.submitted_at = marks, score, timezone.now()
    review.save(update_fields=["marks", "score", "submitted_at"])
    config = rules.review_settings()
    done = list(Review.objects.filter(application=a, score__isnull=False).values_list("score", flat=True))
    a.score = round(review_engine.aggregate(done, config["method"], config["trim_share"]), 2)
    a.save(update_fields=["score"])
    event(user, "reviewed", f"{score:.2f}", application=a, person=a.person)
    return review


@transaction.atomic
def decide(user, r: Round, awarded: list[int], starts_on: dt.date, reason: str) -> list[Award]:
    """The bureau's decision: the awarded applications within each category's quota; the rest of those in review are
    not selected. Each award enters the registry (TalentMembership) and the talent database at the category's level."""
    bureau_only(user)
    r = Round.objects.select_for_update().get(pk=r.pk)
    if r.status != RoundStatus.REVIEW:
        raise Refusal("round_not_in_review", "只有评审中的批次可以决定", "only a round in review is decided")
    if not reason.strip():
        raise Refusal("reason_missing", "请说明决定依据", "state the grounds of the decision", 422, "reason")
    plausible(starts_on, "starts_on")
    in_review = {a.pk: a for a in Application.objects.filter(round=r, status=ApplicationStatus.IN_REVIEW).select_related("person")}
    unknown = [pk for pk in awarded if pk not in in_review]
    if unknown:
        raise Refusal("not_in_round", f"以下申请不在本批次评审中：{unknown}", f"not in this round's review: {unknown}", 422, "awarded")
    by_category: dict[str, int] = {}
    for pk in set(awarded):
        by_category[in_review[pk].category] = by_category.get(in_review[pk].category, 0) + 1
    over = {c: n for c, n in by_category.items() if n > int(r.quotas.get(c, 0))}
    if over:
        text = ", ".join(f"{c}: {n} > {r.quotas.get(c, 0)}" for c, n in over.items())
        raise Refusal("over_quota", f"超出名额：{text}", f"over the quota: {text}", 422, "awarded")
    awards = []
    for pk, a in in_review.items():
        if pk not in awarded:
            a.status = ApplicationStatus.DECLINED
            a.save(update_fields=["status"])
            event(user, "declined", reason, round=r, application=a, person=a.person)
            continue
        cat = rules.category(r.programme.code, r.strand, a.category)
        membership = TalentMembership.objects.filter(person=a.person, programme=r.programme, year=r.year).first()
        if membership is None:
            membership = membership_save(user, TalentMembership(person=a.person, programme=r.programme, year=r.year, category=cat["zh"]))
        award = Award.objects.create(
            application=a,
            amount=rules.award_amount(cat),
            service_years=int(cat["service_years"]),
            starts_on=starts_on,
            membership=membership,
        )
        talent, created = Talent.objects.get_or_create(person=a.person, defaults={"level": cat["level"], "field": a.field, "since": r.year})
        if not created and cat["level"] < talent.level:  # A is the highest level
            talent.level = cat["level"]
            talent.save(update_fields=["level"])
        a.status = ApplicationStatus.AWARDED
        a.save(update_fields=["status"])
        event(user, "awarded", reason, round=r, application=a, person=a.person)
        awards.append(award)
    r.status = RoundStatus.DECIDED
    r.save(update_fields=["status"])
    event(user, "decided", reason, round=r)
    return awards


@transaction.atomic
def pay(user, award: Award, amount: Decimal, paid_on: dt.date, note: str = "") -> Payment:
    bureau_only(user)
    award = Award.objects.select_for_update().get(pk=award.pk)
    if amount <= 0:
        raise Refusal("payment_amount", "支付金额须大于零", "a payment must be positive", 422, "amount")
    paid = Payment.objects.filter(award=award).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    if paid + amount > award.amount:
        left = award.amount - paid
        raise Refusal(
            "over_award", f"累计支付不能超过资助额，尚可支付{left}元", f"payments cannot exceed the award: {left} left", 422, "amount"
        )
    payment = Payment.objects.create(award=award, amount=amount, paid_on=paid_on, note=note)
    event(user, "paid", f"{amount}", application=award.application, person=award.application.person)
    return payment


def check_service(user, award: Award, year: int, in_service: bool, note: str = "") -> ServiceCheck:
    bureau_only(user)
    if year < award.starts_on.year:
        raise Refusal("check_year", "核查年度早于服务期开始", "the check's year is before the term began", 422, "year")
    check, _created = ServiceCheck.objects.update_or_create(award=award, year=year, defaults={"in_service": in_service, "note": note})
    event(
        user,
        "service_checked",
        f"{year}: {'在岗' if in_service else '离开'} {note}",
        application=award.application,
        person=award.application.person,
    )
    return check
