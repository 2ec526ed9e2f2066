"""Every list and action of incubation in the API (scoped, refusals as 4xx with their code), and the pages."""

import datetime as dt

import pytest

from heluo.incubation.services import incubations, mentors
from heluo.orgs.models import Qualification
from tests.helpers import Api, login

pytestmark = pytest.mark.django_db


def test_the_chain_through_the_api(inc_world, client, token_for):
    iw = inc_world
    host = Api(client, token_for(iw.users.host_a))
    assert [s["stage"] for s in Api(client).get("incubation/chain").json()] == ["maker_space", "incubator", "accelerator", "park"]
    assert Api(client).get("incubation/carriers", stage="maker_space").json()["count"] == 1
    r = host.post("incubation/incubations", {"carrier": iw.maker.pk, "firm": iw.firm.pk, "entered_on": "2022-03-01"})
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    check = host.get(f"incubation/incubations/{pk}/check").json()
    assert check["met"] is False and len(check["criteria"]) == 3
    r = host.post(f"incubation/incubations/{pk}/graduate", {"graduated_on": "2023-06-01"})
    assert r.status_code == 409 and r.json()["detail"][0]["code"] == "criteria_not_met"
    Qualification.objects.create(organization=iw.firm, kind="tech_sme", year=2023, valid_from=dt.date(2023, 1, 1))
    r = host.post(f"incubation/incubations/{pk}/graduate", {"graduated_on": "2023-06-01"})
    assert r.status_code == 200 and r.json()["status"] == "graduated"
    b = Api(client, token_for(iw.users.host_b))
    r = b.post("incubation/incubations", {"carrier": iw.incubator.pk, "firm": iw.firm.pk, "entered_on": "2023-07-01", "moves_on": True})
    assert r.status_code == 201 and r.json()["previous_id"] == pk
    assert [e["action"] for e in host.get(f"incubation/incubations/{pk}/events").json()] == ["admit", "graduate", "move_on"]
    assert host.get(f"incubation/carriers/{iw.maker.pk}").json()["outcome"]["graduated"] == 1
    assert Api(client, token_for(iw.users.district_b)).get(f"incubation/incubations/{pk}").status_code == 404
    assert Api(client, token_for(iw.users.firm)).get("incubation/incubations").json()["count"] == 2
    r = Api(client, token_for(iw.w.users.admin)).post("incubation/carriers", {"platform": iw.w.plat_a.pk, "stage": "incubator"})
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "kind_not_at_stage"


def test_mentors_through_the_api(inc_world, client, token_for):
    iw = inc_world
    inc = incubations.admit(iw.users.host_a, iw.maker, iw.firm, dt.date(2022, 3, 1))
    host, mentor, firm = (Api(client, token_for(u)) for u in (iw.users.host_a, iw.users.mentor, iw.users.firm))
    assert mentor.get("incubation/mentors").json()["count"] == 2
    assert Api(client).get("incubation/mentors").status_code == 401
    found = host.get(f"incubation/incubations/{inc.pk}/mentor-suggestions").json()
    assert found[0]["mentor_id"] == iw.mentor.pk
    r = host.post("incubation/pairings", {"mentor": iw.mentor.pk, "incubation": inc.pk, "started_on": "2022-04-01"})
    assert r.status_code == 201 and r.json()["affinity"] is not None
    pairing = r.json()["id"]
    r = mentor.post(
        "incubation/sessions", {"pairing": pairing, "held_on": "2022-05-01", "hours": "2.0", "topic": "路演", "outcome": "改了BP"}
    )
    assert r.status_code == 201, r.content
    session = r.json()["id"]
    r = firm.post(f"incubation/sessions/{session}/reports", {"outcome": "有帮助", "rating": 5})
    assert r.status_code == 201 and {x["side"] for x in r.json()["reports"]} == {"mentor", "firm"}
    assert firm.post(f"incubation/sessions/{session}/reports", {"outcome": "again"}).status_code == 409
    assert Api(client, token_for(iw.users.other_mentor)).get("incubation/sessions").json()["count"] == 0
    r = mentor.put(f"incubation/mentors/{iw.mentor.pk}/profile", {"experience_years": 15, "availability": "limited", "hours_per_month": 4})
    assert r.status_code == 200 and r.json()["availability"] == "limited"
    assert mentor.put(f"incubation/mentors/{iw.other.pk}/profile", {"experience_years": 1}).status_code == 403
    admin = Api(client, token_for(iw.w.users.admin))
    r = admin.post(
        "incubation/events",
        {
            "kind": "district",
            "title": "导师县区行·涧西",
            "area": "410305",
            "held_on": "2024-05-01",
            "mentors": [iw.mentor.pk],
            "firms": [iw.firm.pk],
        },
    )
    assert r.status_code == 201
    assert Api(client).get("incubation/events", area="410305").json()["count"] == 1
    assert host.post(f"incubation/pairings/{pairing}/end", {"ended_on": "2022-12-31"}).json()["ended_on"] == "2022-12-31"


def test_the_pages(inc_world, client):
    iw = inc_world
    inc = incubations.admit(iw.users.host_a, iw.maker, iw.firm, dt.date(2022, 3, 1))
    pairing = mentors.pair(iw.users.host_a, iw.mentor, inc, dt.date(2022, 4, 1))
    mentors.log_session(iw.users.mentor, pairing, dt.date(2022, 5, 1), "1", "财务", "建账")
    assert client.get("/incubation/").status_code == 200
    assert client.get(f"/incubation/carriers/{iw.maker.pk}/").status_code == 200
    login(client, iw.users.host_a)
    for url in (
        f"/incubation/firms/{inc.pk}/",
        "/incubation/firms/",
        "/incubation/mentors/",
        f"/incubation/mentors/{iw.mentor.pk}/",
        "/incubation/events/",
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/incubation/firms/{inc.pk}/").content.decode()
    assert "入库科技型中小企业" in page and iw.mentor.person.name in page
    r = client.post(f"/incubation/firms/{inc.pk}/leave/", {"left_on": "2022-09-01", "reason": "迁出"})
    assert r.status_code == 302
    client.logout()
    login(client, iw.users.firm)
    page = client.get("/incubation/sessions/").content.decode()
    session = pairing.sessions.get()
    assert "建账" in page and f"/incubation/sessions/{session.pk}/report/" in page  # the firm's side still to report
    r = client.post(f"/incubation/sessions/{session.pk}/report/", {"outcome": "有用", "rating": 4})
    assert r.status_code == 302 and pairing.sessions.get().reports.count() == 2
    client.logout()
    login(client, iw.users.other_mentor)
    assert client.get(f"/incubation/firms/{inc.pk}/").status_code == 404
    assert client.get("/incubation/carriers/new/").status_code == 403
