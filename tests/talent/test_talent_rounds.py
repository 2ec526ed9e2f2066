"""A round end to end through the services: eligibility, exact assignment with conflicts, sheets on the rubric,
awards within the quota (into the registry), tranches never above the award, and the years of service."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from heluo.core.i18n import Refusal
from heluo.people.models import TalentMembership
from heluo.talent.models import ApplicationStatus, Review, Round, RoundStatus, Talent
from heluo.talent.selectors import rounds as sel
from heluo.talent.services import rounds as services

from .talent_world import make_talent_world, marks


@pytest.fixture
def tw(world):
    return make_talent_world(world)


def test_eligibility_explained_and_employer_only(world, tw):
    a = services.apply(world.users.org_a, tw.round, tw.young, "youth", "材料研究", tw.field)
    assert a.status == ApplicationStatus.SUBMITTED and all(c["ok"] for c in a.eligibility)
    b = services.apply(world.users.org_a, tw.round, tw.old, "youth", "材料研究")
    assert b.status == ApplicationStatus.INELIGIBLE and "超龄" in b.eligibility[0]["zh"]
    with pytest.raises(PermissionDenied):
        services.apply(world.users.org_a, tw.round, world.person_b, "youth", "x")
    with pytest.raises(Refusal) as e:
        services.apply(world.users.org_a, tw.round, tw.young, "youth", "again")
    assert e.value.reason_code == "applied_already"
    with pytest.raises(Refusal):
        services.apply(world.users.org_a, tw.round, world.person_a, "nope", "x")


def _reviewed_round(world, tw):
    a = services.apply(world.users.org_a, tw.round, tw.young, "youth", "材料研究", tw.field)
    reviews = services.start_review(world.users.staff, tw.round)
    assert len(reviews) == 3 and {r.expert_id for r in reviews} == {e.pk for e in tw.experts}
    for user, r in zip(tw.reviewers, sorted(reviews, key=lambda r: r.expert_id)):
        services.submit_review(user, r, marks(8))
    a.refresh_from_db()
    return a


def test_review_decide_pay_and_obligation(world, tw):
    a = _reviewed_round(world, tw)
    assert a.score == pytest.approx(80.0)
    with pytest.raises(Refusal):  # the sheet is checked on the rubric
        services.submit_review(tw.reviewers[0], Review.objects.filter(application=a).first(), marks(11))
    with pytest.raises(PermissionDenied):
        services.decide(world.users.org_a, tw.round, [a.pk], dt.date(2025, 1, 1), "x")
    Round.objects.filter(pk=tw.round.pk).update(quotas={"youth": 0})
    with pytest.raises(Refusal) as e:
        services.decide(world.users.staff, tw.round, [a.pk], dt.date(2025, 1, 1), "评审会决定")
    assert e.value.reason_code == "over_quota"
    Round.objects.filter(pk=tw.round.pk).update(quotas={"youth": 10})
    [award] = services.decide(world.users.staff, tw.round, [a.pk], dt.date(2025, 1, 1), "评审会决定")
    tw.round.refresh_from_db()
    assert tw.round.status == RoundStatus.DECIDED
    assert TalentMembership.objects.filter(person=tw.young, programme=tw.round.programme).exists()
    assert Talent.objects.get(person=tw.young).level == "D"
    services.pay(world.users.staff, award, Decimal("200000"), dt.date(2025, 2, 1))
    with pytest.raises(Refusal) as e:
        services.pay(world.users.staff, award, Decimal("100000.01"), dt.date(2025, 3, 1))
    assert e.value.reason_code == "over_award"
    services.pay(world.users.staff, award, Decimal("100000"), dt.date(2025, 3, 1))
    services.check_service(world.users.staff, award, 2025, True)
    [row] = sel.awards(world.users.staff, tw.round.pk)
    assert row.paid == award.amount and row.obligation.status == "on_track"
    services.check_service(world.users.staff, award, 2026, False, "调离")
    [row] = sel.awards(world.users.staff, tw.round.pk)
    assert row.obligation.status == "breached"
    # the employer and the talent see the award; another enterprise does not
    assert sel.awards(world.users.org_a) and sel.awards(tw.talent_user)
    assert not sel.awards(world.users.expert)


def test_assignment_refuses_without_enough_free_experts(world, tw):
    services.apply(world.users.org_a, tw.round, tw.young, "youth", "材料研究", tw.field)
    for e in tw.experts[:2]:  # now in conflict with the applicant's employer: two free experts are left for three seats
        e.person.employer = world.ent_a
        e.person.save()
    with pytest.raises(Refusal) as e:
        services.start_review(world.users.staff, tw.round)
    assert e.value.reason_code == "assignment" and "专家" in e.value.zh
