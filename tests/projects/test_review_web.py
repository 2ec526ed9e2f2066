"""The review round's pages: the bureau's round page runs the round (assign, finish, results, decide, panel); an
expert reaches only its own assignments (404 otherwise) and submits its sheet; an applicant asks for 回避 by the
expert's name and employer and never sees who reviews it; bad input is a 4xx with its reason."""

import pytest

from heluo.market.selectors import matching
from heluo.projects.models import Application, ConflictDeclaration, ReviewAssignment, ReviewPanel, ReviewSheet, Rubric
from tests.helpers import login

from .review_world import make_round

pytestmark = pytest.mark.django_db

CRITERIA = ("innovation", "feasibility", "team", "impact", "budget")


@pytest.fixture(autouse=True)
def fresh_index():
    matching.forget()
    yield
    matching.forget()


@pytest.fixture
def rnd(world):
    return make_round(world)


def assigned(client, world, rnd, k=2):
    login(client, world.users.staff)
    r = client.post(f"/projects/calls/{rnd.call.pk}/review/assign/", {"k": k, "min_load": 0, "one_per_employer": "on"})
    assert r.status_code == 302
    return list(ReviewAssignment.objects.filter(call=rnd.call).select_related("expert__person"))


def user_of(world, rnd, expert):
    return next((u for e, u in zip(rnd.experts, rnd.users) if e.pk == expert.pk), world.users.expert)


def sheet_post(value="8", comment="", overall="总体意见"):
    data = {f"mark_{c}": value for c in CRITERIA}
    data.update({f"comment_{c}": comment for c in CRITERIA})
    data["comments"] = overall
    return data


def test_the_bureau_runs_the_round_from_its_page(client, world, rnd):
    login(client, world.users.staff)
    page = client.get(f"/projects/calls/{rnd.call.pk}/review/").content.decode()
    assert "创新性" in page or "Innovation" in page  # the rubric
    made = assigned(client, world, rnd)
    assert len(made) == 2 * len(rnd.apps)
    page = client.get(f"/projects/calls/{rnd.call.pk}/review/").content.decode()
    assert made[0].expert.person.name in page and f"0 / {len(made)}" in page
    for x in made:
        c = client
        login(c, user_of(world, rnd, x.expert))
        assert c.post(f"/projects/review/{x.pk}/", sheet_post()).status_code == 302
    login(client, world.users.staff)
    assert client.post(f"/projects/calls/{rnd.call.pk}/review/finish/").status_code == 302
    assert set(Application.objects.filter(call=rnd.call).values_list("status", flat=True)) == {"reviewed"}
    page = client.get(f"/projects/calls/{rnd.call.pk}/review/").content.decode()
    assert 'id="results"' in page and 'id="decide-form"' in page
    assert client.post(f"/projects/calls/{rnd.call.pk}/review/panel/", {"held_on": "2026-12-01", "note": "会评纪要"}).status_code == 302
    assert ReviewPanel.objects.filter(call=rnd.call).count() == 1
    first = rnd.apps[0]
    young = rnd.apps[2]
    r = client.post(f"/projects/calls/{rnd.call.pk}/review/decide/", {"funded": [first.pk]}, follow=True)
    assert "不得作出该资助决定" in r.content.decode()  # the youth quota blocks: nothing decided
    assert Application.objects.get(pk=first.pk).status == "reviewed"
    r = client.post(f"/projects/calls/{rnd.call.pk}/review/decide/", {"funded": [first.pk, young.pk], f"reason_{first.pk}": "排名靠前"})
    assert r.status_code == 302
    assert dict(Application.objects.filter(call=rnd.call).values_list("pk", "status")) == {
        first.pk: "funded",
        rnd.apps[1].pk: "not_funded",
        young.pk: "funded",
    }
    page = client.get(f"/projects/calls/{rnd.call.pk}/review/").content.decode()
    assert "会评纪要" in page
    x = made[0]
    login(client, user_of(world, rnd, x.expert))  # out of review: its sheet, no longer the application's content
    page = client.get(f"/projects/review/{x.pk}/").content.decode()
    assert x.application.abstract not in page and "submit-sheet" not in page


def test_bad_input_is_refused_with_a_4xx(client, world, rnd):
    login(client, world.users.staff)
    base = f"/projects/calls/{rnd.call.pk}/review"
    assert client.post(f"{base}/assign/", {"k": "0"}).status_code == 422
    assert client.post(f"{base}/assign/", {"k": "x" * 50}).status_code == 422
    assert client.post(f"{base}/rubric/", {"c-TOTAL_FORMS": "x", "method": "mean"}).status_code == 422
    assert client.post(f"{base}/rubric/", {"c-TOTAL_FORMS": "0", "c-INITIAL_FORMS": "0", "method": "nope"}).status_code == 422
    assert client.post(f"{base}/panel/", {"held_on": "yesterday"}).status_code == 422
    assert client.post(f"{base}/decide/", {"funded": ["1x"]}).status_code == 422
    assert client.get(f"{base}/assign/").status_code == 405
    # a rubric the engine refuses (no criterion): nothing kept
    assert client.post(f"{base}/rubric/", {"c-TOTAL_FORMS": "0", "c-INITIAL_FORMS": "0", "method": "mean"}).status_code == 422
    assert not Rubric.objects.filter(call=rnd.call).exists()


def test_only_the_bureau_sees_the_round_page(client, world, rnd):
    for user in (world.users.org_a, world.users.district_a, rnd.users[0]):
        login(client, user)
        assert client.get(f"/projects/calls/{rnd.call.pk}/review/").status_code in (403, 404)


def test_an_expert_sees_only_its_own_assignments(client, world, rnd):
    made = assigned(client, world, rnd)
    mine = made[0]
    owner = user_of(world, rnd, mine.expert)
    other = next(x for x in made if x.expert_id != mine.expert_id)
    login(client, owner)
    listing = client.get("/projects/review/").content.decode()
    assert mine.application.title in listing
    page = client.get(f"/projects/review/{mine.pk}/").content.decode()
    assert mine.application.abstract in page and 'name="mark_innovation"' in page
    assert client.get(f"/projects/review/{other.pk}/").status_code == 404
    assert client.post(f"/projects/review/{other.pk}/", sheet_post()).status_code == 404
    assert client.post(f"/projects/review/{other.pk}/decline/", {"reason": "忙"}).status_code == 404
    assert client.post(f"/projects/review/{mine.pk}/reassign/").status_code in (403, 404)
    login(client, world.users.org_a)
    assert client.get(f"/projects/review/{mine.pk}/").status_code in (403, 404)


def test_the_sheet_form_refuses_bad_marks_and_missing_comments(client, world, rnd):
    made = assigned(client, world, rnd)
    x = made[0]
    login(client, user_of(world, rnd, x.expert))
    assert client.post(f"/projects/review/{x.pk}/", sheet_post(value="11")).status_code == 422
    assert client.post(f"/projects/review/{x.pk}/", sheet_post(value="9" * 40)).status_code == 422
    r = client.post(f"/projects/review/{x.pk}/", sheet_post(value="3", overall=""))  # below the mark: a comment is required
    assert r.status_code == 422
    assert not ReviewSheet.objects.filter(assignment=x).exists()
    assert client.post(f"/projects/review/{x.pk}/", sheet_post(value="3", comment="基础薄弱")).status_code == 302
    assert ReviewSheet.objects.filter(assignment=x).exists()
    assert client.post(f"/projects/review/{x.pk}/", sheet_post()).status_code == 409  # once only


def test_decline_and_reassign(client, world, rnd):
    made = assigned(client, world, rnd)
    x = made[0]
    login(client, user_of(world, rnd, x.expert))
    assert client.post(f"/projects/review/{x.pk}/decline/", {"reason": ""}).status_code == 422
    assert client.post(f"/projects/review/{x.pk}/decline/", {"reason": "出差"}).status_code == 302
    x.refresh_from_db()
    assert x.status == "declined"
    login(client, world.users.staff)
    page = client.get(f"/projects/calls/{rnd.call.pk}/review/").content.decode()
    assert f"/projects/review/{x.pk}/reassign/" in page
    assert client.post(f"/projects/review/{x.pk}/reassign/").status_code == 302
    x.refresh_from_db()
    assert x.replacement_id is not None


def test_an_expert_declares_a_conflict(client, world, rnd):
    made = assigned(client, world, rnd)
    x = made[0]
    login(client, user_of(world, rnd, x.expert))
    assert client.post(f"/projects/review/{x.pk}/conflict/", {"reason": "曾合作"}).status_code == 302
    assert ConflictDeclaration.objects.filter(expert=x.expert, application=x.application, kind="expert").exists()


def test_the_applicant_asks_for_avoidance_by_name_and_employer_and_never_sees_reviewers(client, world, rnd):
    app = rnd.apps[0]
    app.status = "submitted"
    app.save()
    e = rnd.experts[1]
    login(client, world.users.org_a)
    page = client.get(f"/projects/applications/{app.pk}/").content.decode()
    assert "application_avoidance" not in page and f"/projects/applications/{app.pk}/avoidance/" in page
    url = f"/projects/applications/{app.pk}/avoidance/"
    assert client.post(url, {"name": e.person.name, "employer": "", "reason": "竞争关系"}).status_code == 422
    r = client.post(url, {"name": e.person.name, "employer": e.person.employer.name, "reason": "竞争关系"})
    assert r.status_code == 302
    assert ConflictDeclaration.objects.filter(kind="applicant", named_person=e.person.name, application=app).exists()
    # in review: no more avoidance, and no reviewer's name on the applicant's pages
    app.status = "accepted"
    app.save()
    made = assigned(client, world, rnd)
    login(client, world.users.org_a)
    page = client.get(f"/projects/applications/{app.pk}/").content.decode()
    assert f"/projects/applications/{app.pk}/avoidance/" not in page
    for x in made:
        assert x.expert.person.name not in page
    assert (
        client.post(url, {"name": e.person.name, "employer": e.person.employer.name, "reason": "x"}).status_code == 302
    )  # refused: a message
    assert ConflictDeclaration.objects.filter(kind="applicant").count() == 1
