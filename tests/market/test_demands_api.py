"""The demand and campaign API: the same scope as the pages, steps as transitions, hostile input as 4xx."""

import pytest

from heluo.market.models import Demand
from tests.helpers import Api
from tests.market import demands_world

pytestmark = pytest.mark.django_db
market = demands_world.market  # the fixture


@pytest.fixture
def api(client, token_for):
    def make(user=None):
        if user is None:
            return Api(client)
        return Api(client, token_for(user))

    return make


def titles(response):
    assert response.status_code == 200, response.content
    return {d["title"] for d in response.json()["items"]}


def test_lists_are_scoped_like_the_pages(market, api):
    u = market.users
    assert titles(api().get("market/demands")) == {"甲公开需求", "乙公开需求"}
    assert "甲仅科技局可见需求" in titles(api(u.org_a).get("market/demands"))
    assert "乙仅科技局可见需求" not in titles(api(u.org_a).get("market/demands"))
    assert len(titles(api(u.staff).get("market/demands"))) == 8
    assert titles(api(u.district_b).get("market/demands", status="submitted")) == {"乙已提交公开需求"}
    assert titles(api(u.staff).get("market/demands", area="410305", confidentiality="bureau")) == {"甲仅科技局可见需求"}
    hidden = market.d.a_bureau.pk
    assert api(u.org_b).get(f"market/demands/{hidden}").status_code == 404
    assert api().get(f"market/demands/{hidden}").status_code == 404
    body = api(u.org_a).get(f"market/demands/{market.d.a_public.pk}").json()
    assert body["budget_max"] == "500000.00" or float(body["budget_max"]) == 500000
    assert "withdraw" in body["actions"]


def test_an_enterprise_creates_submits_and_the_bureau_publishes(market, api):
    u = market.users
    r = api(u.org_a).post(
        "market/demands", {"title": "API需求", "problem": "需要低成本的涂层工艺", "cooperation_mode": "licence", "budget_max": "300000"}
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["enterprise"]["id"] == market.world.ent_a.pk and r.json()["status"] == "draft"
    assert api(u.org_a).patch(f"market/demands/{pk}", {"deadline": "2027-06-30"}).status_code == 200
    assert api(u.org_a).post(f"market/demands/{pk}/transitions", {"action": "submit"}).json()["status"] == "submitted"
    r = api(u.org_a).post(f"market/demands/{pk}/transitions", {"action": "publish"})
    assert r.status_code == 403 and "/" in r.json()["detail"]
    assert api(u.staff).post(f"market/demands/{pk}/transitions", {"action": "review"}).status_code == 200
    r = api(u.staff).post(f"market/demands/{pk}/transitions", {"action": "review"})
    assert r.status_code == 409 and r.json()["detail"][0]["code"] == "wrong_state"
    assert api(u.staff).post(f"market/demands/{pk}/transitions", {"action": "publish"}).json()["status"] == "published"
    r = api(u.org_a).patch(f"market/demands/{pk}", {"title": "改名"})  # no longer the enterprise's turn
    assert r.status_code == 403
    events = api(u.org_a).get(f"market/demands/{pk}/events").json()["items"]
    assert [e["action"] for e in events] == ["create", "submit", "review", "publish"]
    assert api(u.org_b).get(f"market/demands/{pk}/events").json()["items"] == []
    assert api(u.staff).get(f"market/demands/{pk}/changes").status_code == 200


def test_district_entry_and_closed_campaign_refusal(market, api):
    u, w = market.users, market.world
    body = {"title": "征集需求", "problem": "问题", "cooperation_mode": "transfer", "enterprise": w.ent_a.pk, "campaign": market.open.pk}
    assert api(u.district_a).post("market/demands", body).status_code == 201
    r = api(u.district_a).post("market/demands", {**body, "title": "晚了", "campaign": market.closed.pk})
    assert r.status_code == 409 and r.json()["detail"][0]["code"] == "campaign_closed"
    assert "截止" in r.json()["detail"][0]["zh"]
    r = api(u.district_a).post("market/demands", {**body, "title": "他区", "enterprise": w.ent_b.pk})
    assert r.status_code == 403 and "本辖区" in r.json()["detail"]


@pytest.mark.parametrize(
    "change",
    [
        {"budget_max": "-5"},
        {"budget_max": "1e30"},
        {"budget_max": "NaN"},
        {"budget_min": "10", "budget_max": "5"},
        {"title": ""},
        {"title": "长" * 201},
        {"problem": "x" * 5001},
        {"cooperation_mode": "<script>"},
        {"confidentiality": "everyone"},
        {"hitech_field": "99.9"},
        {"deadline": "tomorrow"},
        {"deadline": 0},
        {"enterprise": 10**12},
        {"campaign": -1},
    ],
)
def test_hostile_input_is_a_4xx_with_a_reason(market, api, change):
    body = {"title": "坏请求", "problem": "问题", "cooperation_mode": "transfer", **change}
    r = api(market.users.staff).post("market/demands", {"enterprise": market.world.ent_a.pk, **body})
    assert 400 <= r.status_code < 500, r.content
    assert r.json()["detail"]
    assert not Demand.objects.filter(title="坏请求").exists()


def test_writes_need_a_token_and_unknown_steps_are_refused(market, api):
    assert api().post("market/demands", {"title": "x", "problem": "y", "cooperation_mode": "transfer"}).status_code == 401
    r = api(market.users.staff).post(f"market/demands/{market.d.a_draft.pk}/transitions", {"action": "explode"})
    assert r.status_code == 422
    r = api(market.users.staff).post(f"market/demands/{market.d.a_draft.pk}/transitions", {"action": "return"})
    assert r.status_code == 409
    r = api(market.users.org_a).delete(f"market/demands/{market.d.a_public.pk}")
    assert r.status_code == 403


def test_campaigns_api(market, api):
    u = market.users
    body = {"title": "API征集", "opens_at": "2026-01-01T00:00:00+08:00", "closes_at": "2026-12-31T00:00:00+08:00"}
    assert api(u.district_a).post("market/campaigns", body).status_code == 403
    r = api(u.staff).post("market/campaigns", {**body, "targets": [{"area": "410305", "target": 10}]})
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["targets"] == [{"area": "410305", "target": 10}]
    assert api(u.staff).post("market/campaigns", {**body, "closes_at": "2025-01-01T00:00:00+08:00"}).status_code == 422
    assert api(u.staff).post("market/campaigns", {**body, "targets": [{"area": "999999", "target": 1}]}).status_code == 422
    assert api(u.staff).patch(f"market/campaigns/{pk}", {"title": "改名"}).json()["title"] == "改名"
    detail = api(u.staff).get(f"market/campaigns/{market.open.pk}").json()
    assert detail["is_open"] is True and detail["breakdown"] == []
    assert api(u.org_a).get("market/campaigns").status_code == 200
    assert api().get("market/campaigns").status_code == 401
    assert api(u.expert).get(f"market/campaigns/{pk}").status_code == 404
