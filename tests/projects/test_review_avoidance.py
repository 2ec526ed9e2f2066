"""回避 requests never tell an applicant who is in the expert pool: the applicant names a person (name and employer),
the request is recorded and answered alike whether or not anyone matches; the bureau's side matches it (every active
expert of that exact name whose employer's name contains the employer given) in the conflicts and on its round page."""

import pytest

from heluo.core.i18n import Refusal
from heluo.market.selectors import matching
from heluo.people.models import Expert
from heluo.projects.models import ConflictDeclaration
from heluo.projects.selectors import avoidance
from heluo.projects.services import review as services
from tests.helpers import Api, login

from .review_world import make_round, person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_index():
    matching.forget()
    yield
    matching.forget()


@pytest.fixture
def rnd(world):
    return make_round(world)  # its applications accepted: a request is still open, the round about to be assigned


def requested(staff, call) -> dict[str, set[str]]:
    """{application id: the experts with a requested_by_applicant conflict}."""
    out = {}
    for (a, e), cs in services.conflicts(staff, call).conflicts.items():
        if any(c.kind == "requested_by_applicant" for c in cs):
            out.setdefault(a, set()).add(e)
    return out


def test_the_rule_exact_name_and_employer_contains():
    assert avoidance.matches("专家1", "大学", "专家1", "大学1")
    assert avoidance.matches("专家1", "", "专家1", None)  # a request kept from an expert without employer
    assert not avoidance.matches("专家1", "大学", "专家10", "大学1")
    assert not avoidance.matches("专家", "大学", "专家1", "大学1")
    assert not avoidance.matches("专家1", "大学1", "专家1", "大学2")
    assert not avoidance.matches("专家1", "大学", "专家1", None)


def test_a_request_matches_every_active_expert_so_named_and_only_on_the_bureaus_side(world, rnd):
    app, e1 = rnd.apps[0], rnd.experts[1]  # 专家1 at 大学2
    namesake = Expert.objects.create(person=person(301, "专家1", rnd.unis[2]), specialty="轴承")  # 大学3
    gone = Expert.objects.create(person=person(302, "专家1", rnd.unis[1]), specialty="轴承", active=False)
    elsewhere = Expert.objects.create(person=person(303, "专家1", world.ent_b), specialty="轴承")
    d = services.request_avoidance(world.users.org_a, app, "  专家1 ", "大学", "竞争关系")
    assert (d.named_person, d.named_employer, d.expert_id) == ("专家1", "大学", None)
    nobody = services.request_avoidance(world.users.org_a, app, "无此人", "某研究所", "竞争关系")
    assert type(nobody) is type(d) and nobody.kind == d.kind  # answered alike
    found = requested(world.users.staff, rnd.call)
    assert found == {str(app.pk): {str(e1.pk), str(namesake.pk)}}
    assert str(gone.pk) not in found[str(app.pk)] and str(elsewhere.pk) not in found[str(app.pk)]
    assert {r.pk: {e.pk for e in xs} for r, xs in avoidance.matched(avoidance.requests())} == {
        d.pk: {e1.pk, namesake.pk},
        nobody.pk: set(),
    }
    # an assignment never puts a matched expert on the application
    services.assign(world.users.staff, rnd.call, k=2)
    assert not app.review_assignments.filter(expert__in=[e1, namesake]).exists()


def test_a_request_needs_a_name_an_employer_and_a_reason(world, rnd):
    for name, employer, reason, field in (
        ("", "大学", "理由", "name"),
        ("专家1", " ", "理由", "employer"),
        ("专家1", "大学", "", "reason"),
    ):
        with pytest.raises(Refusal) as e:
            services.request_avoidance(world.users.org_a, rnd.apps[0], name, employer, reason)
        assert e.value.field == field
    assert not ConflictDeclaration.objects.exists()


def test_the_web_page_answers_alike_and_the_round_page_shows_the_matches(client, world, rnd):
    app, e = rnd.apps[0], rnd.experts[1]
    url = f"/projects/applications/{app.pk}/avoidance/"
    login(client, world.users.org_a)
    answers = []
    for name, employer in ((e.person.name, e.person.employer.name), ("无此人", "某研究所")):
        r = client.post(url, {"name": name, "employer": employer, "reason": "竞争关系"}, follow=True)
        answers.append((r.status_code, r.redirect_chain, [str(m) for m in r.context["messages"]]))
    assert answers[0] == answers[1] and answers[0][1][0][1] == 302 and len(answers[0][2]) == 1
    assert ConflictDeclaration.objects.filter(kind="applicant", application=app).count() == 2
    login(client, world.users.staff)
    page = client.get(f"/projects/calls/{rnd.call.pk}/review/").content.decode()
    card = page[page.index('id="avoidance"') :]
    assert "无此人（某研究所）" in card and "专家库中无匹配" in card
    assert f"{e.person.name}（{e.person.employer.name}）" in card


def test_the_api_takes_a_name_and_answers_alike(client, token_for, world, rnd):
    applicant = Api(client, token_for(world.users.org_a))
    url = f"projects/applications/{rnd.apps[0].pk}/avoidance"
    e = rnd.experts[0]
    known = applicant.post(url, {"name": e.person.name, "employer": e.person.employer.name, "reason": "竞争关系"})
    unknown = applicant.post(url, {"name": "无此人", "employer": "某研究所", "reason": "竞争关系"})
    assert known.status_code == unknown.status_code == 201 and known.json().keys() == unknown.json().keys() == {"id"}
    assert applicant.post(url, {"expert": e.pk, "reason": "竞争关系"}).status_code == 422  # no pool id is taken
    staff = Api(client, token_for(world.users.staff))
    listed = staff.get(f"projects/calls/{rnd.call.pk}/review/conflicts").json()["avoidance"]
    assert [(x["id"], x["name"], x["experts"]) for x in listed] == [
        (known.json()["id"], e.person.name, [e.pk]),
        (unknown.json()["id"], "无此人", []),
    ]
    assert applicant.get(f"projects/calls/{rnd.call.pk}/review/conflicts").status_code == 403
    r = applicant.post(url, {"name": "  ", "employer": "大学", "reason": "竞争关系"})
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "name_required"


@pytest.mark.django_db(transaction=True)
def test_the_migration_names_the_expert_of_an_earlier_request(world):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    rnd = make_round(world)
    e = rnd.experts[1]
    executor = MigrationExecutor(connection)
    executor.migrate([("projects", "0005_project_sources")])
    old = executor.loader.project_state([("projects", "0005_project_sources")]).apps.get_model("projects", "ConflictDeclaration")
    old.objects.create(kind="applicant", expert_id=e.pk, application_id=rnd.apps[0].pk, reason="竞争关系")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    d = ConflictDeclaration.objects.get()
    assert (d.named_person, d.named_employer, d.expert_id) == (e.person.name, e.person.employer.name, None)
    assert requested(world.users.staff, rnd.call) == {str(rnd.apps[0].pk): {str(e.pk)}}
