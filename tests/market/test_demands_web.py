"""The demand and campaign pages: scoped lists and details, forms under the field rules, steps, the campaign's
district breakdown with its chart data in a JSON block."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from heluo.market.models import Demand, DemandCampaign
from tests.helpers import login
from tests.market import demands_world

pytestmark = pytest.mark.django_db
market = demands_world.market  # the fixture


def page(client, user, name, *args, **params):
    return login(client, user).get(reverse(f"market:{name}", args=args), params)


def test_the_public_list_shows_published_public_demands_only(market, client):
    html = page(client, None, "demands").content.decode()
    assert "甲公开需求" in html and "乙公开需求" in html
    assert "对接方可见" not in html and "仅科技局" not in html and "草稿" not in html.split("<tbody>")[1]
    assert page(client, None, "demand", market.d.a_bureau.pk).status_code == 404
    assert page(client, None, "demand", market.d.a_public.pk).status_code == 200


def test_lists_and_details_follow_each_role(market, client):
    u, d = market.users, market.d
    html = page(client, u.district_a, "demands").content.decode()
    assert "甲仅科技局可见需求" in html and "乙仅科技局可见需求" not in html
    assert page(client, u.org_b, "demand", d.a_matched.pk).status_code == 404
    assert page(client, u.org_a, "demand", d.a_matched.pk).status_code == 200
    html = page(client, u.staff, "demands", status="submitted").content.decode()
    assert "乙已提交公开需求" in html and "甲公开需求" not in html
    assert page(client, u.staff, "demands", budget_at_least="10").content.decode().count("甲公开需求") == 1
    assert page(client, u.staff, "demands", status="nonsense").status_code == 200  # an invalid filter filters nothing


def test_an_enterprise_posts_and_submits_through_the_pages(market, client):
    u = market.users
    c = login(client, u.org_a)
    r = c.post(
        reverse("market:demand_add"),
        {
            "title": "网页需求",
            "problem": "需要更好的热处理工艺",
            "cooperation_mode": "consulting_services",
            "confidentiality": "matched",
            "budget_max": "12.5",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    d = Demand.objects.get(title="网页需求")
    assert d.enterprise == market.world.ent_a and d.budget_max == 125000
    assert c.post(reverse("market:demand_step", args=[d.pk]), {"action": "submit"}).status_code == 302
    d.refresh_from_db()
    assert d.status == "submitted"
    form = c.get(reverse("market:demand_edit", args=[d.pk])).content.decode()
    assert re.search(r'name="title"[^>]*disabled', form)  # no longer the enterprise's turn
    assert c.post(reverse("market:demand_step", args=[d.pk]), {"action": "publish"}).status_code == 403
    r = c.post(
        reverse("market:demand_add"),
        {"title": "坏预算", "problem": "x", "cooperation_mode": "transfer", "confidentiality": "public", "budget_max": "-1"},
    )
    assert r.status_code == 422


def test_a_district_enters_in_an_open_campaign_only(market, client):
    u, w = market.users, market.world
    c = login(client, u.district_a)
    body = {
        "title": "县区录入",
        "problem": "问题",
        "cooperation_mode": "transfer",
        "confidentiality": "public",
        "enterprise": f"（#{w.ent_a.pk}）",
    }
    r = c.post(reverse("market:demand_add"), {**body, "campaign": market.open.pk})
    assert r.status_code == 302, r.content.decode()[:3000]
    r = c.post(reverse("market:demand_add"), {**body, "title": "无征集"})
    assert r.status_code == 422 and "需求征集" in r.content.decode()
    r = c.post(reverse("market:demand_add"), {**body, "title": "他区", "campaign": market.open.pk, "enterprise": f"（#{w.ent_b.pk}）"})
    assert r.status_code in (403, 422) and not Demand.objects.filter(title="他区").exists()


def test_campaign_page_breakdown_and_chart_data(market, client):
    u, w = market.users, market.world
    c = login(client, u.staff)
    r = c.post(
        reverse("market:campaign_edit", args=[market.open.pk]),
        {
            "title": market.open.title,
            "opens_at": timezone.localtime(market.open.opens_at).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": timezone.localtime(market.open.closes_at).strftime("%Y-%m-%dT%H:%M"),
            f"target_{w.a.pk}": "4",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    demands_world.services.demand_save(u.district_a, demands_world.demand(w.ent_a, "征集一", campaign=market.open))
    html = c.get(reverse("market:campaign", args=[market.open.pk])).content.decode()
    data = json.loads(re.search(r'<script id="campaign-chart-data" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert data["districts"] == ["涧西区"] and data["targets"] == [4]
    assert "25%" in html and "echarts.min.js" in html and "market/campaign.js" in html
    shown = c.get(reverse("market:campaign", args=[market.open.pk]))
    nonce = re.search(r"'nonce-([^']+)'", shown["Content-Security-Policy"]).group(1)
    for tag in re.findall(r"<script\b[^>]*>", shown.content.decode()):  # the chart's data is data; every script ours
        assert 'type="application/json"' in tag or f'nonce="{nonce}"' in tag, tag
    assert page(client, u.district_b, "campaign", market.open.pk).status_code == 200
    assert page(client, u.org_a, "campaign", market.open.pk).status_code == 200
    assert page(client, u.expert, "campaigns").status_code == 403
    assert page(client, u.district_a, "campaign_add").status_code == 403


def test_the_bureau_creates_a_campaign_with_a_forward_window(market, client):
    c = login(client, market.users.staff)
    now = timezone.localtime()
    body = {
        "title": "新征集",
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    assert c.post(reverse("market:campaign_add"), body).status_code == 422
    body["closes_at"] = (now + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    assert c.post(reverse("market:campaign_add"), body).status_code == 302
    assert DemandCampaign.objects.filter(title="新征集").exists()


@pytest.mark.parametrize(
    "params",
    [
        {"budget_at_least": "1e999"},
        {"budget_at_least": "-5"},
        {"hitech_field": "abc", "area": "99999999999999999999"},
        {"page": "-1", "per_page": "100000"},
        {"q": "x" * 5000},
        {"campaign": "0", "cooperation_mode": "<script>alert(1)</script>"},
        {"status": ["draft", "\x00"]},
    ],
)
def test_hostile_filters_never_fail(market, client, params):
    r = page(client, market.users.staff, "demands", **params)
    assert r.status_code in (200, 400), r.status_code
    assert "<script>alert(1)" not in r.content.decode()


def test_hostile_posts_are_refused_with_a_reason(market, client):
    c = login(client, market.users.org_a)
    r = c.post(reverse("market:demand_step", args=[market.d.a_draft.pk]), {"action": "x" * 1000})
    assert r.status_code == 302  # back to the page, with the reason as a message
    assert c.post(reverse("market:demand_step", args=[market.d.b_submitted.pk]), {"action": "review"}).status_code == 404
    assert c.get(reverse("market:demand_step", args=[market.d.a_draft.pk])).status_code == 405
    assert c.post(reverse("market:demand_delete", args=[market.d.a_public.pk])).status_code == 403
    r = c.post(
        reverse("market:demand_add"),
        {"title": "t", "problem": "p", "cooperation_mode": "transfer", "confidentiality": "public", "budget_max": "9" * 40},
    )
    assert r.status_code == 422


def test_a_round_budget_is_shown_without_an_exponent(client, market):
    from heluo.web.forms import WanField

    assert WanField.shown(Decimal("1000000")) == "100" and WanField.shown(Decimal("12345")) == "1.2345"
    html = login(client, market.users.admin).get(reverse("market:demand_edit", args=[market.d.a_draft.pk])).content.decode()
    assert "E+" not in html
