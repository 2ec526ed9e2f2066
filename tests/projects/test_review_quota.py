"""The youth quota at funding, through services.review.decide (data/review-rules.json: 20 % of the major projects for
PIs aged 40 or under, "以下" including 40, judged on the call's closing day): a decision that breaks a blocking quota
is refused and changes nothing; a quota that only warns lets it through with the warning returned (and shown on the
funding page)."""

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone

from heluo.core.i18n import Refusal
from heluo.market.selectors import matching
from heluo.projects.engine.rules import review_rules
from heluo.projects.models import Application, ApplicationEvent
from heluo.projects.selectors import applications as app_selectors
from heluo.projects.selectors import review as selectors
from heluo.projects.services import review as services
from tests.helpers import login

from .review_world import make_round, person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_index():
    matching.forget()
    yield
    matching.forget()


@pytest.fixture
def rnd(world):
    """The round's three applications reviewed (no sheet needed for a decision): 张三 (born 1980), 李四's and the young
    PI's (born 1995); the 20 % quota of the major projects blocks."""
    rnd = make_round(world)
    Application.objects.filter(call=rnd.call).update(status="reviewed")
    for a in rnd.apps:
        a.refresh_from_db()
    return rnd


def state(call):
    return (
        dict(Application.objects.filter(call=call).values_list("pk", "status")),
        ApplicationEvent.objects.filter(application__call=call).count(),
    )


def test_the_rules_say_40_or_under_and_the_major_projects_quota_blocks():
    quota = review_rules().quotas["major"]
    assert (quota.age_limit, quota.limit_included, quota.enforcement, str(quota.min_share)) == (40, True, "block", "1/5")


def test_a_decision_breaking_a_blocking_quota_is_refused_and_changes_nothing(world, rnd):
    before = state(rnd.call)
    with pytest.raises(Refusal) as exc:
        services.decide(world.users.staff, rnd.call, [rnd.apps[0].pk, rnd.apps[1].pk])
    assert (exc.value.reason_code, exc.value.status, exc.value.field) == ("quota_blocks", 409, "funded")
    assert "还差1项" in exc.value.zh and "1 short" in exc.value.en
    assert state(rnd.call) == before
    d = services.decide(world.users.staff, rnd.call, [rnd.apps[0].pk, rnd.apps[2].pk])  # one young PI of two: 1 ≥ ⌈0.4⌉
    assert {a.pk for a in d.funded} == {rnd.apps[0].pk, rnd.apps[2].pk} and d.quota is None


def test_a_quota_that_warns_lets_the_decision_through_with_the_warning(world, rnd, monkeypatch):
    warns = dataclasses.replace(review_rules().quotas["major"], enforcement="warn")
    monkeypatch.setattr(selectors, "quota_of", lambda call: warns)
    d = services.decide(world.users.staff, rnd.call, [rnd.apps[0].pk, rnd.apps[1].pk])
    assert {a.pk for a in d.funded} == {rnd.apps[0].pk, rnd.apps[1].pk} and [a.pk for a in d.declined] == [rnd.apps[2].pk]
    assert d.quota is not None and not d.quota.holds and not d.quota.blocks and d.quota.missing == 1
    assert "提醒" in d.quota.zh and "a warning" in d.quota.en
    assert [s.add for s in d.quota.swaps] == [str(rnd.apps[2].pk)]  # what would have mended it


def test_the_funding_page_shows_the_warning(client, world, rnd, monkeypatch):
    warns = dataclasses.replace(review_rules().quotas["major"], enforcement="warn")
    monkeypatch.setattr(selectors, "quota_of", lambda call: warns)
    login(client, world.users.staff)
    client.cookies["django_language"] = "en"
    r = client.post(f"/projects/calls/{rnd.call.pk}/review/decide/", {"funded": [rnd.apps[0].pk]}, follow=True)
    assert "1 short (a warning)" in r.content.decode()
    assert Application.objects.get(pk=rnd.apps[0].pk).status == "funded"


def years_before(day: dt.date, years: int, days: int = 0) -> dt.date:
    return day.replace(year=day.year - years) + dt.timedelta(days=days)


@pytest.mark.parametrize(
    "born, young",
    [
        ((40, 0), True),  # the 40th birthday on the closing day: 40, included
        ((41, 1), True),  # the 41st birthday the day after: still 40
        ((41, 0), False),  # the 41st birthday on the closing day: 41
    ],
    ids=["40-on-the-day", "40-the-day-before-41", "41-on-the-day"],
)
def test_the_age_limit_includes_40_on_the_calls_closing_day(world, rnd, born, young):
    rnd.call.closes_at = timezone.make_aware(dt.datetime(2027, 3, 1, 17, 0))
    type(rnd.call).objects.filter(pk=rnd.call.pk).update(closes_at=rnd.call.closes_at)
    on = app_selectors.reference_date(rnd.call)
    assert on == dt.date(2027, 3, 1)  # the closing day, not today, is the reference
    pi = person(77, "边界学者", world.ent_a, born=years_before(on, *born))
    Application.objects.filter(pk=rnd.apps[0].pk).update(pi=pi)
    before = state(rnd.call)
    if young:
        d = services.decide(world.users.staff, rnd.call, [rnd.apps[0].pk])
        assert [a.pk for a in d.funded] == [rnd.apps[0].pk] and d.quota is None
    else:
        with pytest.raises(Refusal) as exc:
            services.decide(world.users.staff, rnd.call, [rnd.apps[0].pk])
        assert exc.value.reason_code == "quota_blocks" and "负责人40岁（含）以下的0项" in exc.value.zh and f"on {on}" in exc.value.en
        assert state(rnd.call) == before
