"""The review round's API: the bureau assigns and decides, an expert sees and marks only its own, an applicant asks for
回避 and sees no reviewer; refusals answer their status with the reason in both languages."""

import pytest

from heluo.market.selectors import matching
from heluo.people.models import Expert
from heluo.projects.models import ReviewAssignment
from tests.helpers import Api

from .review_world import make_round

pytestmark = pytest.mark.django_db
MARKS = {c: 8 for c in ("innovation", "feasibility", "team", "impact", "budget")}


@pytest.fixture(autouse=True)
def fresh_index():
    matching.forget()
    yield
    matching.forget()


@pytest.fixture
def rnd(world):
    return make_round(world)


def api(client, token_for, user):
    return Api(client, token_for(user))


def test_the_round_through_the_api(client, token_for, world, rnd):
    staff = api(client, token_for, world.users.staff)
    base = f"projects/calls/{rnd.call.pk}/review"
    r = staff.post(f"{base}/assign", {"k": 3, "max_load": 1})
    assert r.status_code == 409 and r.json()["detail"][0]["code"] == "assignment_infeasible"
    applicant = api(client, token_for, world.users.org_a)
    named = {"name": rnd.experts[0].person.name, "employer": rnd.experts[0].person.employer.name, "reason": "竞争关系"}
    r = applicant.post(f"projects/applications/{rnd.apps[0].pk}/avoidance", named)
    assert r.status_code == 201
    conflicts = staff.get(f"{base}/conflicts").json()["conflicts"]
    assert {"application": rnd.apps[0].pk, "expert": rnd.experts[0].pk} in [
        {"application": c["application"], "expert": c["expert"]} for c in conflicts
    ]
    r = staff.post(f"{base}/assign", {"k": 3, "max_load": 3})
    assert r.status_code == 200 and len(r.json()["assignments"]) == 9
    assert applicant.get("projects/review/assignments").json()["count"] == 0
    assert api(client, token_for, world.users.district_a).get("projects/review/assignments").json()["count"] == 0
    assert applicant.get(f"{base}/conflicts").status_code == 403
    wang = Expert.objects.get(person=world.expert_person)
    users = {**{e.pk: u for e, u in zip(rnd.experts, rnd.users)}, wang.pk: world.users.expert}
    for a in ReviewAssignment.objects.all():
        expert = api(client, token_for, users[a.expert_id])
        mine = expert.get("projects/review/assignments").json()
        assert {x["expert"] for x in mine["items"]} == {a.expert_id}
        bad = expert.post(f"projects/review/assignments/{a.pk}/sheet", {"marks": {**MARKS, "team": 3}})
        assert bad.status_code == 422 and bad.json()["detail"][0]["code"] == "sheet_invalid"
        good = expert.post(
            f"projects/review/assignments/{a.pk}/sheet", {"marks": {**MARKS, "innovation": 9 if a.application_id == rnd.apps[2].pk else 7}}
        )
        assert good.status_code == 200 and good.json()["score"] > 70
    other = ReviewAssignment.objects.exclude(expert=wang).first()
    stranger = next(u for e, u in users.items() if e != other.expert_id)
    assert api(client, token_for, stranger).post(f"projects/review/assignments/{other.pk}/decline", {"reason": "x"}).status_code == 404
    assert staff.post(f"{base}/finish", {}).json()["waiting"] == []
    results = staff.get(f"{base}/results").json()
    assert results["rows"][0]["application"] == rnd.apps[2].pk and results["quota"]["holds"]
    assert staff.post(f"{base}/panels", {"held_on": "2026-12-20", "note": "会评"}).status_code == 201
    r = staff.post(f"{base}/decisions", {"funded": [rnd.apps[0].pk, rnd.apps[1].pk]})
    assert r.status_code == 409 and r.json()["detail"][0]["code"] == "quota_blocks"
    r = staff.post(f"{base}/decisions", {"funded": [rnd.apps[2].pk, rnd.apps[0].pk], "reasons": {str(rnd.apps[1].pk): "重复"}})
    assert r.status_code == 200 and r.json()["declined"] == [rnd.apps[1].pk]
