"""An evaluation round through the services: the hosts report, the bureau assigns experts, the experts mark, the
round is graded from the scheme file and its consequences go into the platforms' status history; who sees what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from heluo.carriers.models import Evaluation, EvaluationEvent, ExpertAssignment
from heluo.carriers.selectors import evaluation as selectors
from heluo.carriers.selectors.schemes import recompute
from heluo.carriers.services import evaluation as services
from heluo.core.i18n import Refusal
from heluo.core.permissions import VIEW
from heluo.platforms.models import PlatformStatusChange

from .carriers_world import INSTITUTE, KEY_LAB, PILOT, SPACE, round_of

pytestmark = pytest.mark.django_db


def ev(r, platform):
    return Evaluation.objects.get(round=r, platform=platform)


def run_round(c):
    """A round to its grades: pilot A excellent, pilot B failing (revoked: far below), the institute warned."""
    u = c.users
    r = round_of(c)
    services.figures_submit(u.org_a, ev(r, c.pilot_a), PILOT)
    services.figures_submit(u.admin, ev(r, c.pilot_b), {"pilot_runs": 2, "service_income": 0, "firms_served": 1})
    services.figures_submit(u.admin, ev(r, c.institute_b), INSTITUTE)
    services.figures_submit(u.admin, ev(r, c.space_b), SPACE)
    services.figures_submit(u.org_a, ev(r, c.key_lab), KEY_LAB)
    services.experts_assign(u.admin, ev(r, c.pilot_a), [c.expert, c.other_expert])
    services.experts_assign(u.admin, ev(r, c.institute_b), [c.expert])
    services.experts_assign(u.admin, ev(r, c.pilot_b), [c.expert])
    services.experts_assign(u.admin, ev(r, c.key_lab), [c.other_expert])
    services.round_step(u.admin, r, "start_scoring")
    for a in ExpertAssignment.objects.filter(evaluation__round=r, expert=c.expert):
        services.mark_submit(u.expert, a, 90 if a.evaluation.platform_id == c.pilot_a.pk else 70)
    services.mark_submit(c.other_user, ExpertAssignment.objects.get(expert=c.other_expert, evaluation__platform=c.pilot_a), 100)
    services.mark_submit(c.other_user, ExpertAssignment.objects.get(expert=c.other_expert, evaluation__platform=c.key_lab), 80)
    return r


def test_a_round_from_figures_to_consequences(carriers):
    c, u = carriers, carriers.users
    r = run_round(c)
    assert set(r.evaluations.values_list("platform__name", flat=True)) == {
        "甲中试基地",
        "乙中试基地",
        "乙产业研究院",
        "乙众创空间",
        "甲区重点实验室",
    }
    with pytest.raises(Refusal, match="round_closed|截止"):
        services.figures_submit(u.admin, ev(r, c.pilot_a), PILOT)
    services.round_step(u.admin, r, "grade")
    a, b, inst, space = ev(r, c.pilot_a), ev(r, c.pilot_b), ev(r, c.institute_b), ev(r, c.space_b)
    assert (a.figures_score, a.expert_score, a.total, a.grade, a.consequence) == (
        Decimal("70.00"),
        Decimal("28.50"),
        Decimal("98.50"),
        "excellent",
        "reward",
    )
    assert a.reward_amount == Decimal("500000")
    assert (b.grade, b.consequence) == ("fail", "revocation")
    assert (inst.grade, inst.consequence) == ("fail", "warning")
    assert (space.total, space.grade) == (Decimal("100.00"), "excellent")
    assert [e.platform_id for e in selectors.reward_list(u.admin, r.pk)] == [space.platform_id, a.platform_id]  # best first

    services.round_step(u.admin, r, "apply", today=dt.date(2025, 5, 1))
    c.pilot_b.refresh_from_db()
    c.institute_b.refresh_from_db()
    assert c.pilot_b.status == "revoked" and c.institute_b.status == "approved"
    notes = dict(PlatformStatusChange.objects.filter(document=r.title).values_list("platform_id", "note"))
    assert "撤销认定" in notes[c.pilot_b.pk] and "警告" in notes[c.institute_b.pk] and "奖励" in notes[c.pilot_a.pk]
    assert set(notes) == {c.pilot_a.pk, c.pilot_b.pk, c.institute_b.pk, c.space_b.pk}  # the 良好/合格 ones: no change
    assert Evaluation.objects.filter(round=r, applied=True).count() == 4
    history = list(c.pilot_b.status_changes.values_list("status", "date"))
    assert history == [("approved", dt.date(2023, 3, 1)), ("revoked", dt.date(2025, 5, 1))]  # its earlier status kept
    with pytest.raises(Refusal):
        services.round_step(u.admin, r, "apply")  # once
    assert list(EvaluationEvent.objects.filter(round=r, evaluation__isnull=True).values_list("action", flat=True)) == [
        "create",
        "start_scoring",
        "grade",
        "apply",
    ]


def test_scores_are_reproducible_from_the_scheme_file(carriers):
    r = run_round(carriers)
    services.round_step(carriers.users.admin, r, "grade")
    for e in Evaluation.objects.filter(round=r).select_related("platform").prefetch_related("assignments"):
        again = recompute(e)
        assert (again.figures_score, again.expert_score, again.total, again.grade) == (e.figures_score, e.expert_score, e.total, e.grade)
        assert {k: str(v) for k, v in again.points.items()} == e.points


def test_a_platform_warned_last_year_and_failing_again_is_revoked(carriers):
    c, u = carriers, carriers.users
    last = round_of(c, 2023, ["industry_research_institute"])
    services.figures_submit(u.admin, ev(last, c.institute_b), INSTITUTE)
    services.experts_assign(u.admin, ev(last, c.institute_b), [c.expert])
    services.round_step(u.admin, last, "start_scoring")
    services.mark_submit(u.expert, ExpertAssignment.objects.get(evaluation__round=last), 70)
    services.round_step(u.admin, last, "grade")
    services.round_step(u.admin, last, "apply")
    assert ev(last, c.institute_b).consequence == "warning"
    now = round_of(c, 2024, ["industry_research_institute"])
    services.figures_submit(u.admin, ev(now, c.institute_b), INSTITUTE)
    services.experts_assign(u.admin, ev(now, c.institute_b), [c.expert])
    services.round_step(u.admin, now, "start_scoring")
    services.mark_submit(u.expert, ExpertAssignment.objects.get(evaluation__round=now), 70)
    services.round_step(u.admin, now, "grade")
    e = ev(now, c.institute_b)
    assert (e.total, e.consequence) == (Decimal("50.00"), "revocation")  # above the floor of 40, but a second 不合格


def test_refusals(carriers):
    c, u = carriers, carriers.users
    r = round_of(c)
    with pytest.raises(PermissionDenied):
        services.figures_submit(u.org_a, ev(r, c.pilot_b), PILOT)  # another host's platform
    with pytest.raises(services.Problems) as exc:
        services.figures_submit(u.org_a, ev(r, c.pilot_a), {"pilot_runs": -1, "bogus": 2})
    assert {d["field"] for d in exc.value.details()} == {"pilot_runs", "service_income", "firms_served", "bogus"}
    assert ev(r, c.pilot_a).submitted_at is None  # nothing kept
    with pytest.raises(Refusal, match="kinds_unknown|评价方案"):
        services.round_create(u.admin, year=2024, title="x", kinds=["other"], due_on=dt.date(2025, 1, 1))
    with pytest.raises(Refusal, match="platforms_unknown|认定状态"):  # a cultivating incubator is not due
        services.round_create(u.admin, year=2024, title="z", kinds=["incubator"], due_on=dt.date(2025, 1, 1), platforms=[c.world.plat_b.pk])
    few = services.round_create(u.admin, year=2024, title="w", kinds=["pilot_base"], due_on=dt.date(2025, 1, 1), platforms=[c.pilot_a.pk])
    assert list(few.evaluations.values_list("platform_id", flat=True)) == [c.pilot_a.pk]
    with pytest.raises(PermissionDenied):
        services.round_create(u.org_a, year=2030, title="y", kinds=["pilot_base"], due_on=dt.date(2031, 1, 1))
    with pytest.raises(Refusal, match="no_expert_review|专家评议"):
        services.experts_assign(u.admin, ev(r, c.space_b), [c.expert])  # the maker spaces' scheme has no experts
    services.experts_assign(u.admin, ev(r, c.pilot_a), [c.expert])
    a = ExpertAssignment.objects.get(evaluation__round=r)
    with pytest.raises(Refusal, match="not_scoring|不在专家评议"):
        services.mark_submit(u.expert, a, 80)
    services.round_step(u.admin, r, "start_scoring")
    with pytest.raises(PermissionDenied):
        services.mark_submit(c.other_user, a, 80)  # not assigned
    with pytest.raises(Refusal, match="mark_range|0到100"):
        services.mark_submit(u.expert, a, 101)
    with pytest.raises(Refusal, match="marks_missing|未提交"):
        services.round_step(u.admin, r, "grade")
    a.delete()
    with pytest.raises(Refusal, match="experts_missing|尚未指派"):
        services.round_step(u.admin, r, "grade")  # a scheme with an expert review and nobody to mark
    with pytest.raises(Refusal, match="not_graded|评定等次后"):
        services.round_publish(u.admin, r)


def test_figures_again_change_nothing(carriers):
    c = carriers
    r = round_of(c)
    e = services.figures_submit(c.users.org_a, ev(r, c.pilot_a), PILOT)
    at = e.submitted_at
    services.figures_submit(c.users.org_a, ev(r, c.pilot_a), {k: str(v) + ".0" for k, v in PILOT.items()})
    assert ev(r, c.pilot_a).submitted_at == at
    assert EvaluationEvent.objects.filter(evaluation=e, action="submit").count() == 1


def test_who_sees_what(carriers):
    c, u = carriers, carriers.users
    r = run_round(c)
    names = lambda user: set(Evaluation.objects.restrict(user, VIEW).filter(round=r).values_list("platform__name", flat=True))  # noqa: E731
    assert names(u.admin) == names(u.staff) and len(names(u.admin)) == 5
    assert names(u.org_a) == {"甲中试基地", "甲区重点实验室"}  # its own platforms
    assert names(u.district_a) == {"甲中试基地", "甲区重点实验室"}  # its area's
    assert names(u.expert) == {"甲中试基地", "乙中试基地", "乙产业研究院"}  # assigned
    assert names(c.other_user) == {"甲中试基地", "甲区重点实验室"}
    assert names(None) == set()
    assert selectors.my_assignments(u.org_a).count() == 0
    assert selectors.results().count() == 0  # not published yet
    services.round_step(u.admin, r, "grade")
    services.round_publish(u.admin, r)
    assert selectors.results().count() == 5
