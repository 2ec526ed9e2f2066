"""双随机 inspections of projects under way, through the services: the same seed gives the same list, a project is never
inspected twice in its cycle, only the rules' statuses are drawn, a bid's project (no application) is drawn like the
others, a conflicted or debarred inspector is never drawn, a re-run verifies the draw and detects a tampered input;
who sees draws, items and results (on the project's page too)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from heluo.core.i18n import Refusal
from heluo.core.permissions import CHANGE
from heluo.people.models import Expert, Person
from heluo.projects.engine.rules import review_rules
from heluo.projects.models import (
    Application,
    Bid,
    Challenge,
    ConflictDeclaration,
    InspectionDraw,
    InspectionItem,
    IntegrityRecord,
    Project,
)
from heluo.projects.selectors import inspections as selectors
from heluo.projects.selectors import projects as project_selectors
from heluo.projects.services import inspections as services

from .review_world import accepted, make_round

pytestmark = pytest.mark.django_db
START = dt.date(2026, 3, 1)


def under_way(app: Application, status="running", starts_on=START) -> Project:
    """The funded application's project, in the given status (the project's own workflow is tested elsewhere)."""
    Application.objects.filter(pk=app.pk).update(status="funded")
    return Project.objects.create(
        application=app,
        programme=app.call.programme,
        number=f"XM-{app.number}",
        title=app.title,
        applicant_id=app.applicant_id,
        pi_id=app.pi_id,
        starts_on=starts_on,
        ends_on=starts_on.replace(year=starts_on.year + 3) - dt.timedelta(days=1),
        funding=app.requested,
        status=status,
    )


def bid_project(world, organization, n=1, status="running") -> Project:
    """A project from an awarded 揭榜挂帅 bid: no application, its leader as PI."""
    challenge = Challenge.objects.create(
        title=f"攻关{n}", problem="问题", indicators="指标", budget="3000000", deadline=dt.date(2028, 12, 31), status="awarded"
    )
    leader = Person.objects.create(name=f"揭榜负责人{n}", employer=organization)
    bid = Bid.objects.create(
        challenge=challenge, organization=organization, leader=leader, plan="方案", requested="2000000", status="awarded"
    )
    return Project.objects.create(
        bid=bid,
        programme="challenge",
        number=f"JB-{n:04d}",
        title=f"揭榜项目{n}",
        applicant=organization,
        pi=leader,
        starts_on=START,
        ends_on=dt.date(2028, 12, 31),
        funding=bid.requested,
        status=status,
    )


@pytest.fixture
def funded(world):
    rnd = make_round(world)
    for i in range(5):
        accepted(rnd.call, world.ent_a if i % 2 else world.ent_b, world.person_a, f"项目{i}", "材料")
    rnd.funded = [under_way(a) for a in Application.objects.filter(call=rnd.call).order_by("pk")]
    return rnd


def listing(d: InspectionDraw):
    return [(i.project_id, sorted(e.pk for e in i.inspectors.all())) for i in d.items.order_by("position")]


def test_the_same_seed_gives_the_same_list_and_the_draw_verifies(world, funded):
    staff = world.users.staff
    first = services.draw(staff, "2026年上半年", count=4, seed=20260601)
    seen = listing(first)
    assert len(seen) == 4 and all(len(e) == 2 for _, e in seen)
    assert services.verify(first).reproduced
    assert {p["id"] for p in first.inputs["projects"]} == {str(p.pk) for p in funded.funded}  # the inputs name projects
    Project.objects.update(status="accepted")  # the re-run is on the recorded inputs, not on the projects as they are now
    assert services.verify(first).reproduced
    Project.objects.update(status="running")
    assert first.seed == "20260601" and first.seed_chosen and first.algorithm == "heluo-draw-v1"
    InspectionDraw.objects.all().delete()
    again = services.draw(staff, "2026年上半年", count=4, seed=20260601)
    assert listing(again) == seen and again.fingerprint == first.fingerprint
    drawn = services.draw(staff, "2026年下半年", count=1)  # the seed drawn from os.urandom, recorded and shown
    assert not drawn.seed_chosen and int(drawn.seed) >= 0 and services.verify(drawn).reproduced


def test_never_a_project_twice_in_its_cycle(world, funded):
    staff = world.users.staff
    first = services.draw(staff, "第一期", share="1", seed=1)
    assert first.items.count() == len(funded.funded)
    assert {i.cycle for i in first.items.all()} == {f"{p.number}/2026-03-01" for p in funded.funded}
    second = services.draw(staff, "第二期", share="1", seed=2)
    assert second.items.count() == 0 and len(second.excluded) == len(funded.funded)
    assert "最多查一次" in second.excluded[0]["zh"]
    # an approved schedule change moves the end, not the cycle: still inspected
    Project.objects.filter(pk=funded.funded[0].pk).update(ends_on=dt.date(2030, 6, 30))
    # a project of another call, under way, is drawn — only it
    later = funded.funded[0].application.call
    later.pk, later.code, later.year = None, "2027-major", 2027
    later.save()
    new = under_way(accepted(later, world.ent_a, world.person_a, "下一批项目", "材料"), starts_on=dt.date(2027, 3, 1))
    third = services.draw(staff, "第三期", share="1", seed=3)
    assert [i.project_id for i in third.items.all()] == [new.pk]
    pairs = list(InspectionItem.objects.values_list("project_id", "cycle"))
    assert len(pairs) == len(set(pairs)) == len(funded.funded) + 1


def test_only_projects_under_way_are_drawn(world, funded):
    assert review_rules().inspected_statuses == ("running", "mid_term", "accepting")
    statuses = ["contracting", "running", "mid_term", "accepting", "accepted"]
    for p, status in zip(funded.funded, statuses, strict=False):
        Project.objects.filter(pk=p.pk).update(status=status)
    for p in funded.funded[len(statuses) :]:
        Project.objects.filter(pk=p.pk).update(status="terminated")
    bid_project(world, world.ent_b, status="failed")
    d = services.draw(world.users.staff, "2026", share="1", seed=5)
    drawn = {i.project.status for i in d.items.select_related("project")}
    assert drawn == {"running", "mid_term", "accepting"} and d.items.count() == 3
    assert {p["id"] for p in d.inputs["projects"]} == {str(i.project_id) for i in d.items.all()}


def test_a_bid_project_without_an_application_is_drawn_and_its_team_kept_away(world, funded):
    staff = world.users.staff
    p = bid_project(world, funded.unis[0])
    same_org = [e for e in funded.experts if e.person.employer_id == p.applicant_id]
    assert same_org  # 大学1's experts work for the bid's organization
    d = services.draw(staff, "2026", share="1", seed=9, per_project=4)
    item = d.items.get(project=p)
    assert item.cycle == "JB-0001/2026-03-01" and not {e.pk for e in item.inspectors.all()} & {e.pk for e in same_org}
    assert services.verify(d).reproduced
    assert [i.project_id for i in services.draw(staff, "第二期", share="1", seed=10).items.all()] == []
    # by programme type: the challenge's project alone; by call: only the application's projects
    InspectionDraw.objects.all().delete()
    assert [i.project_id for i in services.draw(staff, "揭榜", programmes=["challenge"], share="1", seed=1).items.all()] == [p.pk]
    InspectionDraw.objects.all().delete()
    by_call = services.draw(staff, "本批", call=funded.call, share="1", seed=1)
    assert {i.project_id for i in by_call.items.all()} == {x.pk for x in funded.funded}


def test_never_a_conflicted_or_debarred_inspector(world, funded):
    staff = world.users.staff
    wang_expert = Expert.objects.get(person__name="王专家")  # works for 乙企业
    target = funded.funded[0].application
    declared = funded.experts[0]
    ConflictDeclaration.objects.create(kind="expert", expert=declared, application=target, reason="合作者")
    barred = funded.experts[1]
    IntegrityRecord.objects.create(
        person=barred.person,
        finding="评审失信",
        sanction="暂停专家资格",
        scope="expert_duties",
        starts_on=dt.date(2020, 1, 1),
        source="洛科〔2026〕1号",
    )
    for seed in range(8):
        d = services.draw(staff, f"第{seed}期", share="1", seed=seed, per_project=4)
        for item in d.items.all():
            ids = {e.pk for e in item.inspectors.all()}
            assert barred.pk not in ids
            if item.project.applicant_id == world.ent_b.pk:
                assert wang_expert.pk not in ids
            if item.project.application_id == target.pk:
                assert declared.pk not in ids
        InspectionDraw.objects.all().delete()  # start again: each draw sees every project


def test_verification_detects_a_tampered_input_or_list(world, funded):
    d = services.draw(world.users.staff, "2026", count=3, seed=7)
    inputs = dict(d.inputs)
    inputs["inspectors"] = [dict(i, conflicts=[]) for i in inputs["inspectors"]]
    InspectionDraw.objects.filter(pk=d.pk).update(inputs=inputs)
    d.refresh_from_db()
    check = services.verify(d)
    assert not check.reproduced and not check.fingerprint_ok
    d2 = services.draw(world.users.staff, "2027", count=2, seed=8)
    item = d2.items.first()
    item.inspectors.set([e for e in funded.experts if e not in item.inspectors.all()][:2])
    check = services.verify(d2)
    assert check.fingerprint_ok and not check.reproduced


def test_bad_parameters_are_refused(world, funded):
    staff = world.users.staff
    with pytest.raises(PermissionDenied):
        services.draw(world.users.org_a, "2026", count=1)
    for kw in ({"count": -1}, {"share": "2"}, {"share": "abc"}, {"seed": -1}, {"seed": 2**128}, {"per_project": 0}):
        with pytest.raises(Refusal):
            services.draw(staff, "2026", **kw)
    with pytest.raises(Refusal):
        services.draw(staff, "", count=1)
    assert not InspectionDraw.objects.exists()


def test_results_and_who_sees_them(world, funded):
    staff, users = world.users.staff, world.users
    d = services.draw(staff, "2026", share="1", seed=11)
    item = d.items.get(
        project__applicant=world.ent_a,
        position=min(d.items.filter(project__applicant=world.ent_a).values_list("position", flat=True)),
    )
    inspector_user = next(u for e, u in zip(funded.experts, funded.users, strict=True) if e in item.inspectors.all())
    with pytest.raises(Refusal):
        services.record_result(staff, item, "issues")  # issues need their description
    with pytest.raises(PermissionDenied):
        services.record_result(users.org_a, item, "no_issues")
    services.record_result(staff, item, "issues", "经费使用不规范")
    # the inspector sees their items, not the others; the applicant and the public nothing before publication
    assert item in selectors.item_list(inspector_user)
    assert selectors.item_list(inspector_user).count() < d.items.count()
    assert d in selectors.draw_list(inspector_user)
    assert not selectors.item_list(users.org_a).exists() and not selectors.item_list(None).exists()
    assert project_selectors.page(staff, item.project)["inspections"] == [item]
    assert project_selectors.page(users.org_a, item.project)["inspections"] == []
    assert not selectors.draw_list(None).exists()
    assert services.publish(staff, d) == 1
    with pytest.raises(Refusal):
        services.publish(staff, d)
    with pytest.raises(Refusal):
        services.record_result(staff, item, "no_issues")
    assert list(selectors.item_list(users.org_a)) == [item] and list(selectors.item_list(None)) == [item]
    assert list(selectors.draw_list(None)) == [d]
    assert project_selectors.page(users.org_a, item.project)["inspections"] == [item]
    assert not InspectionItem.objects.restrict(users.org_a, CHANGE).exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_items_to_their_projects(world):
    """0007: an item of a funded application moves to its project, in the project's cycle; an item whose application
    has no project is deleted."""
    rnd = make_round(world)
    p = under_way(rnd.apps[0])
    executor = MigrationExecutor(connection)
    before = [("projects", "0006_avoidance_by_name")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    draw = old.get_model("projects", "InspectionDraw").objects.create(
        period="2025", per_project=2, seed="1", fingerprint="x", algorithm="a"
    )
    Item = old.get_model("projects", "InspectionItem")
    for n, app in enumerate(rnd.apps[:2], 1):
        Item.objects.create(draw_id=draw.pk, position=n, application_id=app.pk, cycle="2026")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert list(InspectionItem.objects.values_list("project_id", "cycle")) == [(p.pk, f"{p.number}/2026-03-01")]
