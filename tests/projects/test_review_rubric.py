"""The call's rubric edited as a form on the bureau's pages: a row per criterion, rows added and removed, the
aggregation chosen; the service checks it and keeps nothing it refuses, each problem shown on its criterion's row."""

import pytest

from heluo.projects.models import Rubric
from heluo.projects.services import review as services
from tests.helpers import login

from .review_world import make_round

pytestmark = pytest.mark.django_db

FIELDS = ("code", "zh", "en", "weight", "low", "high", "step", "comment_below")


def post(rows, method="median", initial=0, deleted=()):
    data = {"c-TOTAL_FORMS": str(len(rows)), "c-INITIAL_FORMS": str(initial), "method": method}
    for i, row in enumerate(rows):
        data.update({f"c-{i}-{k}": v for k, v in zip(FIELDS, row)})
        if i in deleted:
            data[f"c-{i}-DELETE"] = "on"
    return data


@pytest.fixture
def rnd(world):
    return make_round(world)


def test_the_page_shows_the_current_rubric_as_rows(client, world, rnd):
    login(client, world.users.staff)
    page = client.get(f"/projects/calls/{rnd.call.pk}/review/rubric/").content.decode()
    assert page.count('class="criterion-row"') == 5 + 2  # the platform's five criteria and two empty rows
    assert 'value="innovation"' in page and 'value="创新性"' in page and 'name="method"' in page
    assert client.get(f"/projects/calls/{rnd.call.pk}/review/").content.decode().count("/review/rubric/") == 1


def test_a_good_rubric_is_saved_rows_added_and_removed(client, world, rnd):
    login(client, world.users.staff)
    url = f"/projects/calls/{rnd.call.pk}/review/rubric/"
    rows = [
        ("innovation", "创新性", "Innovation", "40", "0", "10", "", "6"),
        ("team", "团队", "Team", "20", "0", "10", "", ""),  # removed
        ("value", "应用价值", "Value", "60", "1", "5", "0.5", ""),  # a new row
        ("", "", "", "", "", "", "", ""),  # an empty extra row
    ]
    r = client.post(url, post(rows, initial=2, deleted={1}))
    assert r.status_code == 302 and r["Location"].endswith(f"/projects/calls/{rnd.call.pk}/review/")
    saved = Rubric.objects.get(call=rnd.call)
    assert saved.method == "median"
    assert saved.criteria["criteria"] == [
        {"code": "innovation", "zh": "创新性", "en": "Innovation", "weight": 40, "scale": [0, 10], "comment_below": 6},
        {"code": "value", "zh": "应用价值", "en": "Value", "weight": 60, "scale": [1, 5], "step": 0.5},
    ]
    assert saved.criteria["code"] == "standard-review"


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_bad_rubric_changes_nothing_and_each_problem_is_on_its_row(client, world, rnd, lang):
    staff = world.users.staff
    before = services.rubric_save(staff, rnd.call)  # the platform's rubric, kept
    login(client, staff)
    client.cookies["django_language"] = lang
    rows = [
        ("innovation", "创新性", "Innovation", "0", "0", "10", "", ""),  # a weight of 0
        ("team", "团队", "Team", "20", "10", "5", "", ""),  # low above high
        ("impact", "效益", "Impact", "20", "0", "10", "", ""),
    ]
    r = client.post(f"/projects/calls/{rnd.call.pk}/review/rubric/", post(rows, method="mean"))
    assert r.status_code == 422
    page = r.content.decode()
    errors = [chunk.split("</div>")[0] for chunk in page.split('row-error">')[1:]]
    assert len(errors) == 2
    if lang == "en":
        assert "criterion innovation: the weight" in errors[0] and "criterion team: the scale" in errors[1]
    else:
        assert "评分项 innovation 的权重" in errors[0] and "评分项 team 的分值范围" in errors[1]
    after = Rubric.objects.get(call=rnd.call)
    assert (after.criteria, after.method, after.updated) == (before.criteria, before.method, before.updated)
    # a form error (a mark that is no number) is shown on its field, nothing kept either
    rows[0] = ("innovation", "创新性", "Innovation", "many", "0", "10", "", "")
    r = client.post(f"/projects/calls/{rnd.call.pk}/review/rubric/", post(rows))
    assert r.status_code == 422 and "invalid-feedback" in r.content.decode()
    assert Rubric.objects.get(call=rnd.call).criteria == before.criteria


def test_only_the_bureau_edits_the_rubric(client, world, rnd):
    for user in (world.users.org_a, rnd.users[0]):
        login(client, user)
        assert client.get(f"/projects/calls/{rnd.call.pk}/review/rubric/").status_code in (403, 404)
    assert not Rubric.objects.exists()
