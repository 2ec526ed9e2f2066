"""The API of inspections and challenges: the bureau writes, the rest read what their scope allows, bad input 4xx."""

import pytest

from heluo.projects.models import InspectionItem
from tests.helpers import Api

from .review_world import make_round
from .test_challenges import bidder, demand
from .test_inspections import under_way

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_(client, token_for):
    return lambda user: Api(client, token_for(user) if user is not None else None)


def test_inspections_api(world, as_):
    rnd = make_round(world)
    for a in rnd.apps:
        under_way(a)
    staff, public = as_(world.users.staff), as_(None)
    assert as_(world.users.org_a).post("projects/inspections", {"period": "2026", "count": 1}).status_code == 403
    for bad in ({"count": -1}, {"seed": -1}, {"share": "x"}, {"programmes": ["lottery"]}, {"per_project": 99}):
        r = staff.post("projects/inspections", {"period": "2026", **bad})
        assert r.status_code == 422, (bad, r.json())
    r = staff.post("projects/inspections", {"period": "2026", "count": 2, "seed": 99, "programmes": ["major"]})
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    assert r.json()["seed"] == "99" and len(r.json()["fingerprint"]) == 64
    assert staff.get(f"projects/inspections/{pk}/verify").json()["reproduced"] is True
    items = staff.get(f"projects/inspections/{pk}/items").json()["items"]
    assert len(items) == 2 and all(len(i["inspectors"]) == 2 for i in items)
    titles = {a.title: a for a in rnd.apps}
    assert all(i["project_id"] and i["number"].startswith("XM-") and i["title"] in titles for i in items)
    assert {i["organization"] for i in items} <= {"甲企业", "乙企业"} and all("application_id" not in i for i in items)
    assert public.get(f"projects/inspections/{pk}").status_code == 404
    assert staff.post(f"projects/inspections/{pk}/publish").status_code == 409  # nothing recorded yet
    r = staff.post(f"projects/inspection-items/{items[0]['id']}/result", {"result": "referred"})
    assert r.status_code == 422
    r = staff.post(f"projects/inspection-items/{items[0]['id']}/result", {"result": "no_issues", "report_date": "2026-06-01"})
    assert r.status_code == 200 and r.json()["result"] == "no_issues"
    assert staff.post(f"projects/inspections/{pk}/publish").status_code == 200
    got = public.get(f"projects/inspections/{pk}/items").json()["items"]
    assert [i["id"] for i in got] == [items[0]["id"]] and all(isinstance(n, str) for n in got[0]["inspectors"])
    assert InspectionItem.objects.filter(published=True).count() == 1


def test_challenges_api(world, as_):
    d = demand(world.ent_a, "轴承寿命")
    staff, public = as_(world.users.staff), as_(None)
    body = {"demand_ids": [d.pk], "title": "攻关", "problem": "问题", "indicators": "指标", "budget": "3000000", "deadline": "2028-12-31"}
    assert as_(world.users.org_a).post("projects/challenges", body).status_code == 403
    assert staff.post("projects/challenges", {**body, "mode": "race"}).status_code == 422  # no checkpoint
    assert staff.post("projects/challenges", {**body, "demand_ids": [d.pk + 99]}).status_code == 422
    r = staff.post("projects/challenges", body)
    assert r.status_code == 201 and r.json()["demand_titles"] == ["轴承寿命"]
    pk = r.json()["id"]
    assert public.get(f"projects/challenges/{pk}").status_code == 404
    assert staff.post(f"projects/challenges/{pk}/publish").json()["status"] == "published"
    assert public.get("projects/challenges").json()["count"] == 1
    user, leader = bidder(world, 1)
    bidder_api = as_(user)
    assert bidder_api.post(f"projects/challenges/{pk}/bids", {"leader": leader.pk, "plan": "方案", "requested": "-1"}).status_code == 422
    r = bidder_api.post(f"projects/challenges/{pk}/bids", {"leader": leader.pk, "plan": "方案", "requested": "1000000"})
    assert r.status_code == 201, r.json()
    bid = r.json()["id"]
    assert bidder_api.get("projects/bids").json()["count"] == 1 and as_(world.users.org_a).get("projects/bids").json()["count"] == 0
    assert staff.post(f"projects/challenges/{pk}/close").json()["status"] == "closed"
    assert staff.post(f"projects/bids/{bid}/review", {"status": "awarded", "reason": "x"}).status_code == 422
    assert staff.post(f"projects/bids/{bid}/review", {"status": "shortlisted", "reason": "可行"}).status_code == 200
    assert public.get(f"projects/challenges/{pk}/award").status_code == 404
    r = staff.post(f"projects/challenges/{pk}/award", {"bids": [bid], "reason": "最优"})
    assert r.status_code == 200 and r.json()["bids"] == [bid]
    assert public.get(f"projects/challenges/{pk}/award").json()["reason"] == "最优"
    r = staff.post(f"projects/challenges/{pk}/checkpoint", {"keep": bid, "reason": "x"})
    assert r.status_code == 409
