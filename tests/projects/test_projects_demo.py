"""The demo's science projects: a call of each programme type at its stage (decided, in review, formal check, open),
applications valid as the services would have them, a finished review round with its decisions, experts with sheets
still to fill, integrity records; built once, removed by --reset."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Sum

from heluo.core.permissions import VIEW
from heluo.projects.models import Application, Award, Bid, BudgetLine, Call, Challenge, IntegrityRecord, Payment, Project, ReviewAssignment
from heluo.projects.selectors import applications as selectors
from heluo.projects.services import applications as services

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def demo():
    call_command("load_reference", city="luoyang", verbosity=0)
    call_command("demo", "--no-serve", "--size", "small", stdout=io.StringIO())


def check_a_year_of_calls():
    calls = {c.programme: c for c in Call.objects.filter(year=2026)}
    assert set(calls) == {"major", "natural_science", "soft_science", "youth", "challenge"}
    by_call = {c: dict(Application.objects.filter(call=calls[c]).values_list("status").annotate(n=Count("pk"))) for c in calls}
    assert by_call["major"].get("funded") and by_call["major"].get("not_funded")
    assert by_call["natural_science"].get("in_review")
    assert set(by_call["soft_science"]) <= {"submitted", "recommended", "returned"}
    assert calls["youth"].is_open() and calls["challenge"].is_open()
    funded = Application.objects.filter(call=calls["major"], status="funded").aggregate(Sum("requested"))["requested__sum"]
    assert funded <= calls["major"].budget
    # each application is what the services would have made: complete, its budget adding up, its PI at the applicant
    for a in Application.objects.exclude(status="draft").select_related("call", "pi")[:40]:
        assert a.pi.employer_id == a.applicant_id
        assert sum(BudgetLine.objects.filter(application=a).values_list("amount", flat=True)) == a.requested
        assert not [p for p in services.completeness(a) if p.key not in ("pi_concurrent", "pi_integrity")], a


def check_reviews_to_do_and_the_roles_parts():
    users = {u.username: u for u in get_user_model().objects.all()}
    pending = ReviewAssignment.objects.filter(status="assigned")
    assert pending.exists() and ReviewAssignment.objects.filter(status="submitted").exists()
    assert Application.objects.restrict(users["staff"], VIEW).count() == Application.objects.count()
    assert IntegrityRecord.objects.count() == 3
    org = users["org"]
    assert selectors.call_list(org).filter(status="published").exists()  # an open call the org account can apply to


def check_funded_projects_at_their_stages():
    """An earlier call's projects accepted (evaluated, with results) or still running; this year's being contracted,
    some started with their first tranche paid — every payment within the funding and for an accepted milestone."""
    past = Project.objects.filter(application__call__year=2023)
    assert set(past.values_list("status", flat=True)) >= {"accepted", "running"}
    for p in past.filter(status="accepted"):
        assert p.acceptance.result == "pass" and p.evaluation.grade and p.results.exists()
        assert p.paid == p.funding == sum(p.payments.values_list("amount", flat=True))
    current = Project.objects.filter(application__call__year=2026)
    assert set(current.values_list("status", flat=True)) == {"contracting", "running"}
    assert Payment.objects.filter(milestone__isnull=False).exclude(milestone__status="accepted").count() == 0
    assert all(p.paid <= p.funding for p in Project.objects.all())


def check_a_challenge_round():
    statuses = sorted(Challenge.objects.values_list("status", flat=True))
    assert statuses == ["awarded", "awarded", "awarded", "closed", "draft", "published"]
    race = Award.objects.get(challenge__mode="race", continued__isnull=False)
    assert race.bids.count() == 2 and Bid.objects.filter(challenge=race.challenge, status="stopped").count() == 1
    assert Bid.objects.filter(challenge__status="closed", status="shortlisted").count() == 2
    assert all(c.demand_ids and c.demand_titles for c in Challenge.objects.all())
    # the awards made their projects, contracted and started; the race's stopped team's project terminated
    race_projects = Project.objects.filter(bid__challenge=race.challenge)
    assert sorted(race_projects.values_list("status", flat=True)) == ["running", "terminated"]
    assert Project.objects.filter(bid__isnull=False, status="running").count() == 4  # 1 + 2 racing + 1 continuing
    org = get_user_model().objects.get(username="org")
    assert Project.objects.restrict(org, VIEW).filter(bid__isnull=False, status="running").exists()  # the account's to run


def check_an_inspection_draw():
    """One draw over the projects under way, re-run from its recorded seed and inputs to the same list; the results
    recorded so far published."""
    from heluo.projects.models import InspectionDraw
    from heluo.projects.services.inspections import verify

    d = InspectionDraw.objects.get()
    assert d.seed_chosen and d.items.exists() and verify(d).reproduced
    assert {i.project.status for i in d.items.select_related("project")} <= {"running", "mid_term", "accepting"}
    assert d.items.filter(published=True).exists() and not d.items.filter(published=True, result="pending").exists()


def test_the_demo_runs_a_year_of_calls_built_once_and_reset(demo):
    """One build for every check (a demo build is the slow part of the suite)."""
    check_a_year_of_calls()
    check_reviews_to_do_and_the_roles_parts()
    check_funded_projects_at_their_stages()
    check_a_challenge_round()
    check_an_inspection_draw()
    n = Application.objects.count()
    call_command("demo", "--no-serve", "--size", "small", stdout=io.StringIO())
    assert Application.objects.count() == n
    call_command("demo", "--no-serve", "--size", "small", "--reset", stdout=io.StringIO())
    assert Application.objects.count() == n and Call.objects.count() == 6
