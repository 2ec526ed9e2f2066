"""The demo's library of achievements: built by `heluo demo` after the other parts, seen by the demo accounts
as their roles allow, deterministic, and removed by --reset."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from heluo.demo.achievements import build_demo_achievements
from heluo.market.models import Achievement, AchievementEvent, AchievementIP

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("load_reference", city="luoyang", verbosity=0)
    call_command("demo", "--no-serve", "--size", "small", stdout=io.StringIO())


def user(name):
    return get_user_model().objects.get(username=name)


def check_demo_achievements_and_who_sees_them():
    assert Achievement.objects.count() == 200 and AchievementIP.objects.exists()
    published = Achievement.objects.filter(status="published")
    assert published.count() > 100
    # the enterprise account has one in every state, and sees only its own besides the published ones
    org = user("org")
    own = Achievement.objects.restrict(org).filter(organization=org.profile.organization)
    assert set(own.values_list("status", flat=True)) == {"draft", "submitted", "reviewed", "published", "withdrawn"}
    assert set(Achievement.objects.restrict(org).exclude(status="published").values_list("organization", flat=True)) == {
        org.profile.organization_id
    }
    # the district sees its areas' submitted ones, the bureau all, the public the published ones
    jianxi = Achievement.objects.restrict(user("jianxi")).exclude(status="published")
    assert jianxi.exists() and not jianxi.filter(status="draft").exists()
    assert Achievement.objects.restrict(user("staff")).count() == 200
    assert Achievement.objects.restrict(None).count() == published.count()
    # each status came through the workflow's transitions
    a = published.first()
    assert list(AchievementEvent.objects.filter(achievement=a).values_list("transition", flat=True)) == ["submit", "review", "publish"]
    assert all("、" in t or t for t in published.values_list("keywords", flat=True)[:20])


def check_demo_achievements_are_built_once_and_reset():
    titles = list(Achievement.objects.order_by("pk").values_list("title", flat=True))
    assert build_demo_achievements(log=lambda *a: None, size="small") == 0
    call_command("demo", "--no-serve", "--size", "small", "--reset", stdout=io.StringIO())
    assert list(Achievement.objects.order_by("pk").values_list("title", flat=True)) == titles


def test_the_demo_achievements_built_once_then_reset(demo):
    """One build (a demo build is the suite's slowest part) for every check, the reset last."""
    check_demo_achievements_and_who_sees_them()
    check_demo_achievements_are_built_once_and_reset()
