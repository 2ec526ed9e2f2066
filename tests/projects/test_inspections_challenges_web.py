"""The pages of inspections and challenges: the bureau draws, sees the verification, records and publishes results;
the public page shows published results; a challenge compiled, published, bid for and awarded through the forms."""

import pytest
from django.test import Client

from heluo.projects.models import Bid, Challenge, InspectionDraw
from tests.helpers import login

from .review_world import make_round
from .test_challenges import bidder, demand
from .test_inspections import bid_project, under_way

pytestmark = pytest.mark.django_db


def test_inspection_pages(world, client):
    rnd = make_round(world)
    for a in rnd.apps:
        under_way(a)
    login(client, world.users.org_a)
    assert client.get("/projects/inspections/new/").status_code == 403
    client = login(Client(), world.users.staff)
    assert client.post("/projects/inspections/new/", {"period": "", "seed": "-3"}).status_code == 422
    r = client.post("/projects/inspections/new/", {"period": "2026年上半年", "count": "2", "seed": "123", "programmes": ["major"]})
    assert r.status_code == 302, r.content.decode()[:2000]
    d = InspectionDraw.objects.get()
    page = client.get(f"/projects/inspections/{d.pk}/").content.decode()
    assert "123" in page and d.fingerprint in page and "text-bg-success" in page
    item = d.items.first()
    r = client.post(f"/projects/inspection-items/{item.pk}/result/", {f"i{item.pk}-result": "issues", f"i{item.pk}-findings": "台账不全"})
    assert r.status_code == 302
    client.post(f"/projects/inspections/{d.pk}/publish/")
    public = Client().get("/projects/inspections/results/").content.decode()
    assert "台账不全" in public and item.project.title in public and item.project.number in public
    project_page = client.get(f"/projects/funded/{item.project_id}/").content.decode()
    assert "台账不全" in project_page and d.period in project_page
    bid = bid_project(world, rnd.unis[0])  # a bid's project (no application) has its page and is drawn too
    r = client.post("/projects/inspections/new/", {"period": "揭榜", "count": "5", "seed": "1", "programmes": ["challenge"]})
    assert r.status_code == 302 and bid.title in client.get(r["Location"]).content.decode()
    assert "揭榜" in client.get(f"/projects/funded/{bid.pk}/").content.decode()
    assert "id_number" not in public and item.inspectors.first().person.id_number not in public


def test_challenge_pages(world):
    d = demand(world.ent_a, "轴承寿命")
    staff = login(Client(), world.users.staff)
    form = {
        "demands": [d.pk],
        "title": "轴承攻关",
        "problem": "问题",
        "indicators": "指标",
        "budget": "300",
        "deadline": "2028-12-31",
        "mode": "race",
    }
    assert staff.post("/projects/challenges/new/", form).status_code == 422  # a race without its checkpoint
    assert staff.post("/projects/challenges/new/", {**form, "mode": "single"}).status_code == 302
    c = Challenge.objects.get()
    assert c.budget == 3_000_000 and Client().get(f"/projects/challenges/{c.pk}/").status_code == 404
    staff.post(f"/projects/challenges/{c.pk}/status/published/")
    assert "轴承寿命" in Client().get(f"/projects/challenges/{c.pk}/").content.decode()
    user, leader = bidder(world, 1)
    org = login(Client(), user)
    assert org.post(f"/projects/challenges/{c.pk}/bid/", {"leader": leader.pk, "plan": "方案", "requested": "100"}).status_code == 302
    b = Bid.objects.get()
    staff.post(f"/projects/challenges/{c.pk}/status/closed/")
    staff.post(f"/projects/bids/{b.pk}/review/", {"status": "shortlisted", "reason": "可行"})
    staff.post(f"/projects/challenges/{c.pk}/award/", {"bids": [b.pk], "reason": "最优"})
    c.refresh_from_db()
    assert c.status == "awarded"
    page = Client().get(f"/projects/challenges/{c.pk}/").content.decode()
    assert "最优" in page and "方案" not in page  # the public sees the award, not the bids' plans
