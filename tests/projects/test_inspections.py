"""双随机 inspections through the services: the same seed gives the same list, a project is never inspected twice in its
cycle, a conflicted or debarred inspector is never drawn, a re-run verifies the draw and detects a tampered input;
who sees draws, items and results."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from heluo.core.i18n import Refusal
from heluo.core.permissions import CHANGE
from heluo.people.models import Expert
from heluo.projects.models import Application, ConflictDeclaration, InspectionDraw, InspectionItem, IntegrityRecord
from heluo.projects.selectors import inspections as selectors
from heluo.projects.services import inspections as services

from .review_world import accepted, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(world):
    rnd = make_round(world)
    for i in range(5):
        accepted(rnd.call, world.ent_a if i % 2 else world.ent_b, world.person_a, f"项目{i}", "材料")
    Application.objects.filter(call=rnd.call).update(status="funded")
    rnd.funded = list(Application.objects.filter(call=rnd.call).order_by("pk"))
    return rnd


def listing(d: InspectionDraw):
    return [(i.application_id, sorted(e.pk for e in i.inspectors.all())) for i in d.items.order_by("position")]


def test_the_same_seed_gives_the_same_list_and_the_draw_verifies(world, funded):
    staff = world.users.staff
    first = services.draw(staff, "2026年上半年", count=4, seed=20260601)
    seen = listing(first)
    assert len(seen) == 4 and all(len(e) == 2 for _, e in seen)
    assert services.verify(first).reproduced
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
    second = services.draw(staff, "第二期", share="1", seed=2)
    assert second.items.count() == 0 and len(second.excluded) == len(funded.funded)
    assert "最多查一次" in second.excluded[0]["zh"]
    # a project of another cycle (a later call's year) is drawn
    later = funded.funded[0].call
    later.pk, later.code, later.year = None, "2027-major", 2027
    later.save()
    new = accepted(later, world.ent_a, world.person_a, "下一周期项目", "材料")
    Application.objects.filter(pk=new.pk).update(status="funded")
    third = services.draw(staff, "第三期", share="1", seed=3)
    assert [i.application_id for i in third.items.all()] == [new.pk]
    pairs = list(InspectionItem.objects.values_list("application_id", "cycle"))
    assert len(pairs) == len(set(pairs))


def test_never_a_conflicted_or_debarred_inspector(world, funded):
    staff = world.users.staff
    wang_expert = Expert.objects.get(person__name="王专家")  # works for 乙企业
    target = funded.funded[0]
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
            if item.application.applicant_id == world.ent_b.pk:
                assert wang_expert.pk not in ids
            if item.application_id == target.pk:
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
        application__applicant=world.ent_a,
        position=min(d.items.filter(application__applicant=world.ent_a).values_list("position", flat=True)),
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
    assert not selectors.draw_list(None).exists()
    assert services.publish(staff, d) == 1
    with pytest.raises(Refusal):
        services.publish(staff, d)
    with pytest.raises(Refusal):
        services.record_result(staff, item, "no_issues")
    assert list(selectors.item_list(users.org_a)) == [item] and list(selectors.item_list(None)) == [item]
    assert list(selectors.draw_list(None)) == [d]
    assert not InspectionItem.objects.restrict(users.org_a, CHANGE).exists()
