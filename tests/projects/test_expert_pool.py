"""The bureau's expert pool (专家库): the review round's pool with load and history counts, the debarred apart with
the reason, one expert's history per call and its performance in finished rounds; nobody else sees any of it."""

import datetime as dt

import pytest

from heluo.market.selectors import matching
from heluo.projects.models import IntegrityRecord, ReviewAssignment
from heluo.projects.selectors import experts as selectors
from heluo.projects.services import review as services
from heluo.taxonomy.models import HitechField
from tests.helpers import Api, login

from .review_world import make_round

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_index():
    matching.forget()
    yield
    matching.forget()


@pytest.fixture
def rnd(world):
    r = make_round(world)
    r.user_of = {e.pk: u for e, u in zip(r.experts, r.users)} | {world.expert_person.expert.pk: world.users.expert}
    services.assign(world.users.staff, r.call, k=3, max_load=3)
    return r


def marks(value=8):
    return {c: {"value": value} for c in ("innovation", "feasibility", "team", "impact", "budget")}


def busy(rnd):
    """One expert submits a sheet and declines another assignment, and declares a conflict: that expert."""
    first = ReviewAssignment.objects.filter(call=rnd.call).order_by("pk").first()
    expert = first.expert
    user = rnd.user_of[expert.pk]
    services.submit_sheet(user, first, marks())
    other = ReviewAssignment.objects.filter(call=rnd.call, expert=expert).exclude(pk=first.pk).first()
    services.decline(user, other, "出差")
    services.declare_conflict(user, "曾在该校兼职", organization=rnd.unis[2])
    return expert


def test_counts_after_a_round_with_a_sheet_a_decline_and_a_conflict(world, rnd):
    expert = busy(rnd)
    assigned = ReviewAssignment.objects.filter(expert=expert).count()
    assert assigned >= 2
    pool = selectors.pool(world.users.staff, {})
    row = next(r for r in pool.rows if r.expert == expert)
    c = row.counts
    assert (c.assignments, c.submitted, c.declined, c.conflicts, c.panels) == (assigned, 1, 1, 1, 0)
    assert c.open == assigned - 2
    others = [r for r in pool.rows if r.expert != expert]
    assert all(r.counts.submitted == 0 and r.counts.conflicts == 0 for r in others)
    assert sum(r.counts.assignments for r in pool.rows) == ReviewAssignment.objects.count()


def test_history_and_performance_of_a_finished_round(world, rnd):
    for a in ReviewAssignment.objects.filter(call=rnd.call):
        services.submit_sheet(rnd.user_of[a.expert_id], a, marks())
    done, waiting = services.finish_review(world.users.staff, rnd.call)
    assert len(done) == 3 and not waiting
    expert = ReviewAssignment.objects.filter(call=rnd.call).first().expert
    row = selectors.expert_row(world.users.staff, expert.pk)
    assert row.counts.open == 0 and row.counts.submitted == row.counts.assignments
    perf = selectors.history(world.users.staff, expert)
    (call,) = perf.calls
    assert call.call_id == rnd.call.pk and call.finished and call.submitted == row.counts.submitted
    assert call.on_time is None  # no 会评 held
    assert perf.judged_sheets == row.counts.submitted and perf.mean_deviation == 0  # every sheet the same
    assert perf.flagged_sheets == 0


def debar(expert):
    IntegrityRecord.objects.create(
        person=expert.person,
        finding="评审中收受礼金",
        sanction="取消评审专家资格",
        scope="expert_duties",
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2099, 12, 31),
        source="洛科〔2025〕9号",
    )


def test_a_debarred_expert_is_listed_apart_with_the_reason(client, world, rnd):
    barred = rnd.experts[0]
    debar(barred)
    pool = selectors.pool(world.users.staff, {})
    assert barred not in [r.expert for r in pool.rows]
    (row,) = pool.debarred
    assert row.expert == barred and "洛科〔2025〕9号" in row.debarred and row.until == dt.date(2099, 12, 31)
    login(client, world.users.staff)
    page = client.get("/projects/experts/").content.decode()
    assert "洛科〔2025〕9号" in page and "2099-12-31" in page
    assert "洛科〔2025〕9号" in client.get(f"/projects/experts/{barred.pk}/").content.decode()


def test_filters(world, rnd):
    staff = world.users.staff
    assert [r.expert for r in selectors.pool(staff, {"q": "合金"}).rows] == [rnd.experts[2]]
    by_employer = {r.expert for r in selectors.pool(staff, {"employer": "大学1"}).rows}
    assert by_employer == {e for e in rnd.experts if e.person.employer == rnd.unis[0]}
    field = HitechField.objects.create(code="9.9", number=9, name_zh="测试领域", name_en="Test field")
    rnd.experts[4].hitech_fields.add(field)
    (row,) = selectors.pool(staff, {"field": field.pk}).rows
    assert row.expert == rnd.experts[4] and list(row.expert.hitech_fields.all()) == [field]
    assert selectors.pool(staff, {"field": "x"}).rows == []  # an invalid filter matches nothing


def test_the_bureau_sees_the_pages_and_nobody_else(client, world, rnd):
    busy(rnd)
    login(client, world.users.staff)
    listing = client.get("/projects/experts/")
    assert listing.status_code == 200 and rnd.experts[0].person.name in listing.content.decode()
    assert 'href="/projects/experts/"' in client.get("/projects/").content.decode()  # the tab
    assert client.get(f"/projects/experts/{rnd.experts[0].pk}/").status_code == 200
    assert client.get("/projects/experts/999999/").status_code == 404
    for user in (world.users.district_a, world.users.org_a, world.users.expert):
        client.logout()
        login(client, user)
        assert client.get("/projects/experts/").status_code == 403
        assert client.get(f"/projects/experts/{rnd.experts[0].pk}/").status_code == 403
        assert 'href="/projects/experts/"' not in client.get("/projects/").content.decode()


def test_the_api_lists_and_details_for_the_bureau_only(client, token_for, world, rnd):
    expert = busy(rnd)
    debar(rnd.experts[5])
    staff = Api(client, token_for(world.users.staff))
    listed = staff.get("projects/experts").json()
    assert listed["count"] == 6  # seven experts, one debarred
    mine = next(x for x in listed["items"] if x["id"] == expert.pk)
    assert mine["counts"]["submitted"] == 1 and mine["counts"]["declined"] == 1 and mine["counts"]["conflicts"] == 1
    assert mine["employer"] == expert.person.employer.name
    assert [x["id"] for x in staff.get("projects/experts", q="合金").json()["items"]] == [rnd.experts[2].pk]
    (barred,) = staff.get("projects/experts", debarred="true").json()["items"]
    assert barred["id"] == rnd.experts[5].pk and "洛科" in barred["debarred"] and barred["debarred_until"] == "2099-12-31"
    assert staff.get("projects/experts", field="x").status_code == 422
    detail = staff.get(f"projects/experts/{expert.pk}").json()
    assert detail["calls"][0]["call"] == rnd.call.pk and detail["calls"][0]["submitted"] == 1 and detail["calls"][0]["declined"] == 1
    assert staff.get("projects/experts/999999").status_code == 404
    for user in (world.users.district_a, world.users.org_a, world.users.expert):
        other = Api(client, token_for(user))
        assert other.get("projects/experts").status_code == 403
        assert other.get(f"projects/experts/{expert.pk}").status_code == 403
