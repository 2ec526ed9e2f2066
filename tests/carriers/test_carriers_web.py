"""The carriers' pages for each role: the rounds, a round, the host's figures form, the expert's mark, the public
results, coverage and pilot services."""

import pytest

from heluo.carriers.models import Evaluation, ExpertAssignment, PilotService
from heluo.carriers.services import evaluation as services
from tests.helpers import login

from .carriers_world import round_of

pytestmark = pytest.mark.django_db


def test_pages_for_each_role(carriers, client):
    c, u = carriers, carriers.users
    r = round_of(c)
    mine = Evaluation.objects.get(round=r, platform=c.pilot_a)
    theirs = Evaluation.objects.get(round=r, platform=c.pilot_b)
    for path in ("/carriers/", "/carriers/results/", "/carriers/coverage/?year=2024", "/carriers/pilot/", "/carriers/pilot/?need=中试"):
        assert client.get(path).status_code == 200, path
    assert client.get(f"/carriers/rounds/{r.pk}/").status_code == 302  # sign in first
    login(client, u.org_a)
    page = client.get(f"/carriers/rounds/{r.pk}/").content.decode()
    assert "甲中试基地" in page and "乙中试基地" not in page
    assert client.get(f"/carriers/evaluations/{theirs.pk}/").status_code == 404
    bad = client.post(f"/carriers/evaluations/{mine.pk}/", {"pilot_runs": "-1", "service_income": "1", "firms_served": "1"})
    assert bad.status_code == 422
    ok = client.post(f"/carriers/evaluations/{mine.pk}/", {"pilot_runs": "40", "service_income": "600", "firms_served": "30"})
    assert ok.status_code == 302
    mine.refresh_from_db()
    assert mine.figures_score == 70
    assert client.post(f"/carriers/rounds/{r.pk}/step/start_scoring/").status_code == 403
    client.logout()
    login(client, u.admin)
    assert client.post(f"/carriers/evaluations/{mine.pk}/experts/", {"experts": [c.expert.pk]}).status_code == 302
    assert ExpertAssignment.objects.filter(evaluation=mine).count() == 1
    assert "截止报送并开始评议" in client.get(f"/carriers/rounds/{r.pk}/", headers={"Accept-Language": "zh-hans"}).content.decode()
    assert client.post(f"/carriers/rounds/{r.pk}/step/start_scoring/").status_code == 302
    client.logout()
    login(client, u.expert)
    assert "甲中试基地" in client.get("/carriers/marks/").content.decode()
    a = ExpertAssignment.objects.get(evaluation=mine)
    assert client.post(f"/carriers/marks/{a.pk}/", {"mark": "88"}).status_code == 302
    client.logout()
    login(client, u.admin)
    for e in Evaluation.objects.filter(round=r).exclude(pk=mine.pk):
        if e.platform.kind != "maker_space":
            services.experts_assign(u.admin, e, [c.other_expert])
    for a in ExpertAssignment.objects.filter(mark__isnull=True):
        services.mark_submit(c.other_user, a, 60)
    assert client.post(f"/carriers/rounds/{r.pk}/step/grade/").status_code == 302
    assert client.get(f"/carriers/rounds/{r.pk}/rewards/").status_code == 200
    assert client.post(f"/carriers/rounds/{r.pk}/publish/").status_code == 302
    client.logout()
    assert "甲中试基地" in client.get("/carriers/results/").content.decode()


def test_a_host_publishes_a_pilot_service(carriers, client):
    c, u = carriers, carriers.users
    login(client, u.org_a)
    form = {
        "platform": c.pilot_a.pk,
        "name": "齿轮热处理中试",
        "capacity": "每月1批",
        "price": "面议",
        "lead_time_days": 15,
        "is_published": "on",
    }
    assert client.post("/carriers/pilot/new/", form).status_code == 302
    s = PilotService.objects.get()
    assert client.post("/carriers/pilot/new/", {**form, "platform": c.pilot_b.pk, "name": "x"}).status_code == 422  # not offered
    client.logout()
    login(client, u.district_a)
    assert client.get(f"/carriers/pilot/{s.pk}/edit/").status_code == 403
