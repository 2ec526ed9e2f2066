"""The demo's technology demands: about 600 over the demo's enterprises and districts, in every state and
confidentiality level, one campaign with targets and a district breakdown; built once; removed by --reset."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from heluo.core.models import ObjectChange
from heluo.demo import generator
from heluo.demo.demands import CAMPAIGN_TITLE, build_demo_demands
from heluo.market.models import Demand, DemandCampaign, DemandEvent
from heluo.market.selectors.demands import campaign_breakdown

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def demo():
    call_command("load_reference", city="luoyang", verbosity=0)
    call_command("demo", "--no-serve", "--size", "small", stdout=io.StringIO())


def check_the_demo_has_demands_in_every_state_and_a_campaign_with_its_breakdown(client):
    n = Demand.objects.count()
    assert 550 <= n <= 600
    assert set(Demand.objects.values_list("status", flat=True)) == {"draft", "submitted", "reviewed", "published", "withdrawn"}
    assert set(Demand.objects.values_list("confidentiality", flat=True)) == {"public", "matched", "bureau"}
    assert Demand.objects.filter(cluster__isnull=False, hitech_field__isnull=False).count() > n * 0.8
    assert DemandEvent.objects.filter(action="publish").count() == Demand.objects.filter(status="published").count()
    assert ObjectChange.objects.filter(content_type__model="demand").count() >= n
    campaign = DemandCampaign.objects.get(title=CAMPAIGN_TITLE)
    assert campaign.is_open() and campaign.targets.count() >= 5
    User = get_user_model()
    rows = campaign_breakdown(User.objects.get(username="staff"), campaign)
    assert len(rows) >= 5 and sum(r["total"] for r in rows) > 200
    assert [r["area"].code for r in campaign_breakdown(User.objects.get(username="jianxi"), campaign)] == ["410305"]
    assert Demand.objects.filter(enterprise_id=User.objects.get(username="org").profile.organization_id).count() >= 3
    for username, url in [("staff", f"/market/campaigns/{campaign.pk}/"), ("jianxi", "/market/demands/"), ("org", "/market/demands/")]:
        client.force_login(User.objects.get(username=username))
        assert client.get(url).status_code == 200, (username, url)
    assert build_demo_demands(log=lambda *a: None) == 0  # built once


def check_reset_removes_them():
    from heluo.demo import accounts

    generator.reset(accounts.USERNAMES)
    assert not Demand.objects.exists() and not DemandCampaign.objects.filter(title=CAMPAIGN_TITLE).exists()


def test_the_demo_demands_built_once_then_reset(demo, client):
    """One build (a demo build is the suite's slowest part) for every check, the reset last."""
    check_the_demo_has_demands_in_every_state_and_a_campaign_with_its_breakdown(client)
    check_reset_removes_them()
