"""The brokering API: the pages' scope per role, the workflow to a signed contract, events and their participants,
outcomes, and every refusal a 4xx with its code and both languages, never a 500."""

import datetime as dt

import pytest
from django.utils import timezone

from heluo.core.models import ApiToken
from heluo.market.models import Brokering, BrokeringEvent, EventParticipant
from heluo.market.services import brokering as services
from tests.helpers import Api
from tests.market import brokering_world
from tests.market.brokering_world import start

pytestmark = pytest.mark.django_db
market, brokering = brokering_world.market, brokering_world.brokering  # the fixtures


@pytest.fixture
def api(client, token_for):
    return lambda user=None: Api(client, token_for(user) if user is not None else None)


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["items"]}


def reason(response, status, code):
    assert response.status_code == status, response.content
    [detail] = response.json()["detail"]
    assert detail["code"] == code and detail["zh"] and detail["en"] and detail["zh"] != detail["en"], detail
    return detail


@pytest.fixture
def records(brokering):
    u, d, w = brokering.users, brokering.d, brokering.world
    return {
        "ab": start(u.org_a, d.a_public, achievement=brokering.achievement),  # A's demand, B's achievement
        "ae": start(u.staff, d.a_matched, expert=brokering.expert, broker=brokering.agency),
        "bo": start(u.staff, d.b_public, organization=w.ent_a2),  # B's demand, an enterprise in A's zone
    }


def test_each_role_lists_its_own_records(brokering, records, api):
    u, r = brokering.users, {k: v.pk for k, v in records.items()}
    expected = {
        u.staff: {r["ab"], r["ae"], r["bo"]},
        u.district_a: {r["ab"], r["ae"], r["bo"]},
        u.district_b: {r["ab"], r["bo"]},
        u.org_a: {r["ab"], r["ae"]},
        u.org_b: {r["ab"], r["bo"]},
        u.org_a2: {r["bo"]},
        u.expert: {r["ae"]},
        u.agency: {r["ae"]},
    }
    for user, seen in expected.items():
        assert ids(api(user).get("market/brokerings")) == seen, user.username
        for pk in set(r.values()) - seen:
            assert api(user).get(f"market/brokerings/{pk}").status_code == 404, user.username
    assert api().get("market/brokerings").status_code == 401
    assert api().get(f"market/brokerings/{r['ab']}").status_code == 401
    assert api().get("market/brokering-events").status_code == 401
    body = api(u.org_b).get(f"market/brokerings/{r['ab']}").json()
    assert body["counterpart"] == "achievement" and body["supplier"]["id"] == brokering.world.ent_b.pk
    assert body["actions"] == ["close", "negotiate", "sign", "step"]
    assert api(u.district_b).get(f"market/brokerings/{r['ab']}").json()["actions"] == []  # sees, is no party
    assert ids(api(u.staff).get("market/brokerings", counterpart="expert")) == {r["ae"]}
    assert ids(api(u.staff).get("market/brokerings", area="410305", q="乙")) == {r["ab"]}  # A's area, B's achievement


def test_the_supply_side_sees_a_matched_parties_demand_once_brokered(brokering, api):
    u, d = brokering.users, brokering.d
    path = f"market/demands/{d.a_matched.pk}"
    assert api(u.org_b).get(path).status_code == 404
    r = api(u.org_a).post("market/brokerings", {"demand": d.a_matched.pk, "achievement": brokering.achievement.pk, "note": "展会上结识"})
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "open" and r.json()["enterprise"]["id"] == brokering.world.ent_a.pk
    assert api(u.org_b).get(path).status_code == 200
    assert d.a_matched.pk in ids(api(u.org_b).get("market/demands"))
    assert api(u.org_a2).get(path).status_code == 404  # nobody else


def test_the_workflow_to_a_signed_contract(brokering, api):
    u, d = brokering.users, brokering.d
    pk = api(u.org_a).post("market/brokerings", {"demand": d.a_public.pk, "achievement": brokering.achievement.pk}).json()["id"]
    r = api(u.org_b).post(f"market/brokerings/{pk}/steps", {"kind": "visit", "note": "到甲企业现场考察"})
    assert r.status_code == 201 and r.json()["label"]
    reason(api(u.org_b).post(f"market/brokerings/{pk}/steps", {"kind": "lunch"}), 422, "unknown_step")
    tomorrow = str(timezone.localdate() + dt.timedelta(days=1))
    reason(api(u.org_b).post(f"market/brokerings/{pk}/steps", {"kind": "visit", "on": tomorrow}), 422, "step_date")
    assert api(u.district_b).post(f"market/brokerings/{pk}/steps", {"kind": "meeting"}).status_code == 403
    assert api(u.org_a2).post(f"market/brokerings/{pk}/steps", {"kind": "meeting"}).status_code == 404
    go = api(u.org_a)

    def step(action, **body):
        return go.post(f"market/brokerings/{pk}/transitions", {"action": action, **body})

    assert step("negotiate").json()["status"] == "negotiating"
    reason(step("explode"), 422, "unknown_action")
    reason(step("sign"), 422, "contract_required")
    reason(step("sign", contract=brokering.other_contract.pk), 422, "contract_parties")
    reason(step("sign", contract="不存在的编号"), 422, "contract_not_found")
    reason(step("sign", contract=10**15), 422, "contract_not_found")
    reopen = {"action": "reopen", "reason": "再试"}
    reason(api(u.staff).post(f"market/brokerings/{pk}/transitions", reopen), 409, "wrong_state")
    assert api(u.district_b).post(f"market/brokerings/{pk}/transitions", {"action": "close", "reason": "x"}).status_code == 403
    r = step("sign", contract=brokering.contract.registration_number)
    assert r.status_code == 200 and r.json()["contract"]["id"] == brokering.contract.pk
    reason(step("close", reason="不再推进"), 409, "wrong_state")
    steps = api(u.org_b).get(f"market/brokerings/{pk}/steps").json()["items"]
    assert [s["kind"] for s in steps] == ["create", "visit", "negotiate", "sign"]
    assert api(u.org_a).patch(f"market/brokerings/{pk}", {"note": "已签"}).status_code == 403  # signed: staff's note only
    assert api(u.staff).patch(f"market/brokerings/{pk}", {"note": "已签"}).json()["note"] == "已签"
    assert api(u.staff).get(f"market/brokerings/{pk}/changes").status_code == 200
    out = api(u.staff).get("market/brokerings/outcome", status="signed").json()
    assert (out["total"], out["signed"], out["contracts"]) == (1, 1, 1)
    assert float(out["transaction_amount"]) == 700000 and out["districts"][0]["area"] == "410305"
    assert api(u.org_a2).get("market/brokerings/outcome").json()["total"] == 0


def test_closing_needs_a_reason_and_the_agency_reopens(brokering, api):
    u, d = brokering.users, brokering.d
    b = start(u.agency, d.a_public, organization=brokering.world.ent_b, broker=brokering.agency)
    path = f"market/brokerings/{b.pk}/transitions"
    reason(api(u.org_a).post(path, {"action": "close"}), 422, "reason_required")
    assert api(u.org_a).post(path, {"action": "close", "reason": "路线不符"}).json()["status"] == "closed"
    reason(api(u.org_a).post(f"market/brokerings/{b.pk}/steps", {"kind": "meeting"}), 409, "brokering_closed")
    assert api(u.org_a).post(path, {"action": "reopen", "reason": "再谈"}).status_code == 403
    assert api(u.agency).post(path, {"action": "reopen", "reason": "再谈"}).json()["status"] == "open"


@pytest.mark.parametrize(
    "change",
    [
        {"demand": 10**30},
        {"demand": 10**15},
        {"demand": "abc"},
        {"demand": -1},
        {"demand": None},
        {"achievement": "1; drop"},
        {"achievement": 10**15},
        {"achievement": None},  # no counterpart
        {"expert": "EXPERT"},  # two counterparts: see below
        {"broker": 10**30},
        {"event": "x"},
        {"event": 10**15},
        {"started_on": "tomorrow"},
        {"started_on": 0},
        {"started_on": "2999-01-01"},
        {"note": "长" * 2001},
        {"note": 5},
    ],
)
def test_hostile_input_is_a_4xx_with_a_reason(brokering, api, change):
    if change == {"expert": "EXPERT"}:
        change = {"expert": brokering.expert.pk}
    body = {"demand": brokering.d.a_public.pk, "achievement": brokering.achievement.pk, **change}
    r = api(brokering.users.staff).post("market/brokerings", body)
    assert 400 <= r.status_code < 500, r.content
    assert r.json()["detail"]
    assert not Brokering.objects.exists()


def test_refusals_carry_their_code(brokering, api):
    u, d, w = brokering.users, brokering.d, brokering.world
    staff = api(u.staff)
    reason(staff.post("market/brokerings", {"demand": d.a_public.pk, "achievement": brokering.draft.pk}), 409, "achievement_not_published")
    reason(staff.post("market/brokerings", {"demand": d.a_public.pk, "organization": w.ent_a.pk}), 422, "same_party")
    body = {"demand": d.a_public.pk, "organization": w.ent_b.pk}
    reason(staff.post("market/brokerings", {**body, "broker": w.ent_b.pk}), 422, "broker_kind")
    assert staff.post("market/brokerings", body).status_code == 201
    reason(api(u.org_a).post("market/brokerings", body), 409, "brokering_exists")
    reason(api(u.org_b).post("market/brokerings", {"demand": d.b_submitted.pk, "organization": w.ent_a.pk}), 409, "demand_not_published")
    r = api(u.org_b).post("market/brokerings", {"demand": d.a_bureau.pk, "achievement": brokering.achievement.pk})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "demand"  # a demand it may not see: unknown
    assert api(u.org_a2).post("market/brokerings", {"demand": d.a_public.pk, "achievement": brokering.achievement.pk}).status_code == 403
    for path in ("market/brokerings/abc", "market/brokerings/99999999999999999999999", f"market/brokerings/{10**15}/steps"):
        assert staff.get(path).status_code == 404, path
    for params in ({"status": "lost"}, {"area": "999999"}, {"event": "x"}, {"demand": 10**30}, {"started_from": "0"}, {"counterpart": "x"}):
        assert staff.get("market/brokerings", **params).status_code == 422, params
        assert staff.get("market/brokerings/outcome", **params).status_code == 422, params
    assert staff.get("market/brokerings", event=10**15).status_code == 422  # no such event


def test_writes_need_a_write_token(brokering, client, api):
    d = brokering.d
    body = {"demand": d.a_public.pk, "achievement": brokering.achievement.pk}
    assert api().post("market/brokerings", body).status_code == 401
    _, key = ApiToken.issue(brokering.users.staff, name="ro", write_enabled=False)
    read_only = Api(client, {"Authorization": f"Bearer {key}"})
    assert read_only.post("market/brokerings", body).status_code == 403
    assert read_only.get("market/brokerings").status_code == 200
    assert not Brokering.objects.exists()


# --- events ------------------------------------------------------------------------------------------------


def test_events_and_their_participants(brokering, api):
    u, w = brokering.users, brokering.world
    body = {"title": "轴承产业成果路演", "kind": "roadshow", "held_on": "2026-06-01", "area": "410305"}
    r = api(u.agency).post("market/brokering-events", body)
    assert r.status_code == 201, r.content
    event = r.json()
    assert event["organizer"]["id"] == brokering.agency.pk and event["kind_label"]
    path = f"market/brokering-events/{event['id']}"
    assert api(u.org_a).post("market/brokering-events", {**body, "title": "企业自办"}).status_code == 403
    assert api(u.district_a).post("market/brokering-events", {**body, "title": "乙区路演", "area": "410311"}).status_code == 403
    assert api(u.expert).post("market/brokering-events", {**body, "title": "专家办"}).status_code == 403
    reason(api(u.staff).post("market/brokering-events", {**body, "kind": "party"}), 422, "unknown_event_kind")
    reason(api(u.staff).post("market/brokering-events", body), 409, "event_exists")
    assert api(u.staff).post("market/brokering-events", {**body, "area": "999999"}).status_code == 422
    assert api(u.staff).post("market/brokering-events", {**body, "held_on": "0"}).status_code == 422

    r = api(u.agency).post(path + "/participants", {"organization": w.ent_a.pk, "role": "demand"})
    assert r.status_code == 201 and r.json()["role_label"]
    row = r.json()["id"]
    assert api(u.agency).post(path + "/participants", {"organization": w.ent_a.pk, "role": "supply", "attended": False}).status_code == 201
    assert api(u.agency).post(path + "/participants", {"organization": w.ent_b.pk, "role": "supply"}).status_code == 201
    reason(api(u.agency).post(path + "/participants", {"organization": w.ent_b.pk, "role": "vip"}), 422, "unknown_role")
    assert api(u.agency).post(path + "/participants", {"organization": 10**30, "role": "supply"}).status_code == 422
    assert api(u.org_a).post(path + "/participants", {"organization": w.ent_b.pk, "role": "demand"}).status_code == 403
    rows = api(u.org_a).get(path + "/participants").json()["items"]
    assert {(p["organization"]["id"], p["role"], p["attended"]) for p in rows} == {
        (w.ent_a.pk, "supply", False),
        (w.ent_b.pk, "supply", True),
    }
    assert api(u.org_a).delete(f"{path}/participants/{row}").status_code == 403
    assert api(u.agency).delete(f"{path}/participants/{row}").status_code == 204
    assert api(u.agency).delete(f"{path}/participants/{10**15}").status_code == 404
    assert EventParticipant.objects.count() == 1

    assert api(u.agency).patch(path, {"place": "洛阳国际会展中心"}).json()["place"] == "洛阳国际会展中心"
    assert api(u.district_a).patch(path, {"place": "x"}).status_code == 200  # an event in its area
    assert api(u.org_a).patch(path, {"place": "x"}).status_code == 403
    b = start(u.staff, brokering.d.a_public, achievement=brokering.achievement, event=BrokeringEvent.objects.get(pk=event["id"]))
    services.brokering_transition(u.staff, b, "sign", contract=brokering.contract.pk)
    start(u.staff, brokering.d.a_matched, expert=brokering.expert, event=b.event)
    out = api(u.staff).get(path + "/outcome").json()
    assert (out["total"], out["signed"], out["contracts"], float(out["transaction_amount"])) == (2, 1, 1, 700000)
    assert api(u.org_b).get(path + "/outcome").json()["total"] == 1  # only the records it sees
    listed = api(u.staff).get("market/brokering-events", year=2026, kind="roadshow").json()["items"]
    assert [(e["brokering_count"], e["signed_count"], e["participant_count"]) for e in listed] == [(2, 1, 1)]
    assert api(u.staff).get("market/brokering-events", kind="party").status_code == 422
    assert api(u.staff).get("market/brokering-events", year=10**9).status_code == 422
    assert ids(api(u.staff).get("market/brokerings", event=event["id"])) == {b.pk, b.pk + 1}
    reason(api(u.staff).delete(path), 409, "event_has_brokerings")
    assert api(u.staff).get(f"market/brokering-events/{10**15}").status_code == 404


def test_a_district_deletes_an_empty_event_in_its_area(brokering, api):
    u = brokering.users
    r = api(u.district_a).post(
        "market/brokering-events", {"title": "甲区对接会", "kind": "matchmaking", "held_on": "2026-03-01", "area": "410305"}
    )
    assert r.status_code == 201, r.content
    path = f"market/brokering-events/{r.json()['id']}"
    assert api(u.org_a).delete(path).status_code == 403
    assert api(u.district_a).delete(path).status_code == 204
    assert not BrokeringEvent.objects.exists()


def test_list_queries_do_not_grow_with_rows(brokering, records, api, django_assert_max_num_queries):
    staff = api(brokering.users.staff)
    staff.get("market/brokerings")  # warm the caches
    with django_assert_max_num_queries(8):
        assert staff.get("market/brokerings").json()["count"] == 3
    with django_assert_max_num_queries(8):
        staff.get("market/brokering-events")


def test_a_party_does_not_read_the_title_of_a_bureau_only_demand(brokering, api):
    u, d, w = brokering.users, brokering.d, brokering.world
    b = start(u.staff, d.a_bureau, organization=w.ent_b)
    for path in (f"market/brokerings/{b.pk}", "market/brokerings"):
        body = api(u.org_b).get(path).json()
        row = body if "id" in body else next(i for i in body["items"] if i["id"] == b.pk)
        assert row["demand"] == {"id": d.a_bureau.pk, "title": None}
    assert api(u.staff).get(f"market/brokerings/{b.pk}").json()["demand"]["title"] == d.a_bureau.title
