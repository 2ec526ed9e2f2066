"""The review round with the real services: conflicts never reach an assignment, loads stay in bounds, experts see
only what they are assigned (and only in review), applicants and districts never see who reviewed them, a debarred
expert is never assigned, an impossible assignment is refused with its reason; sheets, results, the panel and the
funding decisions within the budget and the youth quota."""

import datetime as dt
import random
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied

from heluo.core.i18n import Refusal
from heluo.core.permissions import CHANGE, VIEW
from heluo.market.selectors import matching
from heluo.people.models import Expert
from heluo.projects.models import (
    Application,
    ApplicationEvent,
    ConflictDeclaration,
    IntegrityRecord,
    Participant,
    ReviewAssignment,
    ReviewSheet,
)
from heluo.projects.selectors import applications as app_selectors
from heluo.projects.selectors import review as selectors
from heluo.projects.services import review as services

from .review_world import accepted, expert, make_round, person
from .test_applications import make_call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_index():
    matching.forget()
    yield
    matching.forget()


@pytest.fixture
def rnd(world):
    return make_round(world)


def pairs(call) -> set[tuple[str, str]]:
    return {
        (str(a), str(e))
        for a, e in ReviewAssignment.objects.filter(call=call).exclude(status="declined").values_list("application_id", "expert_id")
    }


def good_marks(value=8):
    return {c: {"value": value} for c in ("innovation", "feasibility", "team", "impact", "budget")}


def test_conflicts_are_explained_and_never_assigned(world, rnd):
    staff = world.users.staff
    e0, e1 = rnd.experts[0], rnd.experts[1]
    services.declare_conflict(rnd.users[0], "曾指导项目负责人", application=rnd.apps[1])
    services.request_avoidance(world.users.org_a, rnd.apps[0], e1.person.name, e1.person.employer.name, "与本单位存在竞争关系")
    team_expert, _ = expert(20, rnd.unis[0], "合金材料")
    rnd.apps[2].participants.create(kind="member", person=team_expert.person)  # an expert on the team
    earlier = make_call(staff, code="2024-major", year=2024)
    past = accepted(earlier, rnd.unis[2], rnd.experts[2].person, "往年合作项目", "合作", members=[world.person_b])
    Application.objects.filter(pk=past.pk).update(status="funded")
    report = services.conflicts(staff, rnd.call)
    kinds = {(p, e): {c.kind for c in cs} for (p, e), cs in report.conflicts.items()}
    wang = str(Expert.objects.get(person=world.expert_person).pk)
    assert "same_employer" in kinds[str(rnd.apps[1].pk), wang]  # 王专家 works for 乙企业
    assert "declared_by_expert" in kinds[str(rnd.apps[1].pk), str(e0.pk)]
    assert "requested_by_applicant" in kinds[str(rnd.apps[0].pk), str(e1.pk)]
    assert "own_proposal" in kinds[str(rnd.apps[2].pk), str(team_expert.pk)]
    assert "applicant_in_call" in kinds[str(rnd.apps[0].pk), str(team_expert.pk)]
    assert "co_applicant" in kinds[str(rnd.apps[1].pk), str(rnd.experts[2].pk)]  # with 李四 on last year's team
    assert all(c.zh and c.en for cs in report.conflicts.values() for c in cs)
    result = services.assign(staff, rnd.call, k=2, max_load=2)
    assert not pairs(rnd.call) & set(report.conflicts)
    assert all(Counter(e for _, e in pairs(rnd.call))[e] <= 2 for e in result.loads)
    assert all(a.reason and "/" in a.reason for a in result.assignments)
    assert set(Application.objects.filter(call=rnd.call).values_list("status", flat=True)) == {"in_review"}


def test_a_debarred_expert_is_never_assigned(world, rnd):
    barred = rnd.experts[0]
    IntegrityRecord.objects.create(
        person=barred.person,
        finding="评审中收受礼金",
        sanction="取消评审专家资格",
        scope="expert_duties",
        starts_on=dt.date(2025, 1, 1),
        source="洛科〔2025〕9号",
    )
    result = services.assign(world.users.staff, rnd.call, k=3, min_load=1, max_load=3)
    assert str(barred.pk) not in {e for _, e in pairs(rnd.call)}
    assert "洛科〔2025〕9号" in result.debarred[str(barred.pk)]


def test_an_impossible_assignment_is_refused_with_its_reason_and_changes_nothing(world, rnd):
    with pytest.raises(Refusal) as exc:
        services.assign(world.users.staff, rnd.call, k=3, max_load=1)
    assert exc.value.reason_code == "assignment_infeasible" and "专家" in exc.value.zh and "reviewers" in exc.value.en
    assert not ReviewAssignment.objects.exists()
    assert set(Application.objects.filter(call=rnd.call).values_list("status", flat=True)) == {"accepted"}
    with pytest.raises(PermissionDenied):
        services.assign(world.users.district_a, rnd.call, k=2)


OUTCOMES = []  # both outcomes occur over the seeds (checked by the test after them)


@pytest.mark.parametrize("seed", range(12))
def test_random_rounds_never_assign_a_conflict_and_keep_loads_within_bounds(world, seed):
    rng = random.Random(seed)
    r = make_round(world, code=f"rand-{seed}")
    orgs = [world.ent_a, world.ent_b, *r.unis]
    for i in range(rng.randint(2, 5)):  # more applications, some from the experts' employers, with partners
        applicant = rng.choice(orgs)
        pi = person(200 + i, f"负责人{i}", applicant)
        partners = rng.sample([o for o in orgs if o != applicant], rng.randint(0, 2))
        members = rng.sample([e.person for e in r.experts], rng.randint(0, 1))
        accepted(r.call, applicant, pi, f"随机项目{i}", rng.choice(("轴承", "机器人", "材料")), partners=partners, members=members)
    for u in r.users:
        if rng.random() < 0.3:
            services.declare_conflict(u, "随机申明", organization=rng.choice(orgs))
    k, min_load, max_load = rng.randint(1, 3), rng.randint(0, 1), rng.randint(2, 5)
    one_per_employer = rng.random() < 0.5
    conflicts = services.conflicts(world.users.staff, r.call).conflicts
    try:
        services.assign(world.users.staff, r.call, k=k, min_load=min_load, max_load=max_load, one_per_employer=one_per_employer)
    except Refusal as exc:
        assert exc.reason_code == "assignment_infeasible" and not ReviewAssignment.objects.filter(call=r.call).exists()
        OUTCOMES.append("refused")
        return
    OUTCOMES.append("assigned")
    made = pairs(r.call)
    assert not made & set(conflicts)
    loads = Counter(e for _, e in made)
    assert all(min_load <= loads[str(e.pk)] <= max_load for e in Expert.objects.filter(active=True))
    assert all(n == k for n in Counter(a for a, _ in made).values())
    if one_per_employer:
        rows = ReviewAssignment.objects.filter(call=r.call).values_list("application_id", "expert__person__employer_id")
        assert max(Counter(rows).values()) == 1


def test_the_random_rounds_saw_both_outcomes():
    assert {"assigned", "refused"} <= set(OUTCOMES) or len(OUTCOMES) < 12


def users_by_expert(world, rnd) -> dict:
    wang = Expert.objects.get(person=world.expert_person)
    return {**{e.pk: u for e, u in zip(rnd.experts, rnd.users)}, wang.pk: world.users.expert}


def test_an_expert_sees_only_its_assigned_applications_and_only_in_review(world, rnd):
    services.assign(world.users.staff, rnd.call, k=3, min_load=1, max_load=2)  # 9 reviews, 7 experts: loads of 1 or 2
    users = users_by_expert(world, rnd)
    loads = Counter(ReviewAssignment.objects.values_list("expert_id", flat=True))
    expert_id = next(e for e, n in sorted(loads.items()) if n == 2)
    user = users[expert_id]
    mine = list(ReviewAssignment.objects.filter(expert_id=expert_id).order_by("application_id"))
    assigned = {a.application_id for a in mine}
    other = next(a for a in rnd.apps if a.pk not in assigned)
    assert set(app_selectors.application_list(user).values_list("pk", flat=True)) == assigned
    assert set(selectors.assignment_list(user).values_list("expert_id", flat=True)) == {expert_id}
    assert Participant.objects.restrict(user, VIEW).filter(application=mine[0].application).exists()
    assert not Participant.objects.restrict(user, VIEW).filter(application=other).exists()
    assert not Application.objects.restrict(user, CHANGE).exists() and not ApplicationEvent.objects.restrict(user, VIEW).exists()
    services.decline(user, mine[0], "时间冲突")  # declined: no longer its to see
    assert set(app_selectors.application_list(user).values_list("pk", flat=True)) == {mine[1].application_id}
    for a in ReviewAssignment.objects.filter(application_id=mine[1].application_id, status="assigned"):
        services.submit_sheet(users[a.expert_id], a, good_marks())
    assert set(app_selectors.application_list(user).values_list("pk", flat=True)) == {mine[1].application_id}
    services.finish_review(world.users.staff, rnd.call)
    assert not app_selectors.application_list(user).exists()  # reviewed: the review phase is over


def test_applicants_and_districts_never_see_who_reviewed_them(world, rnd):
    services.assign(world.users.staff, rnd.call, k=2, max_load=2)
    a = ReviewAssignment.objects.filter(application=rnd.apps[0]).first()
    services.submit_sheet(next(u for e, u in zip(rnd.experts, rnd.users) if e == a.expert), a, good_marks())
    for user in (world.users.org_a, world.users.district_a, world.users.anonymous):
        assert not ReviewAssignment.objects.restrict(user, VIEW).exists()
        assert not ReviewSheet.objects.restrict(user, VIEW).exists()
        assert not selectors.declaration_list(user).filter(kind="expert").exists()
    events = ApplicationEvent.objects.restrict(world.users.org_a, VIEW).filter(application=rnd.apps[0])
    assert all(a.expert.person.name not in (e.reason + e.actor_name) for e in events)


def test_a_sheet_is_checked_against_the_rubric(world, rnd):
    services.assign(world.users.staff, rnd.call, k=2, max_load=2)
    a = ReviewAssignment.objects.exclude(expert__person=world.expert_person).first()
    user = rnd.users[rnd.experts.index(a.expert)]
    stranger = next(u for e, u in zip(rnd.experts, rnd.users) if e != a.expert)
    with pytest.raises(PermissionDenied):
        services.submit_sheet(stranger, a, good_marks())
    with pytest.raises(Refusal) as exc:
        services.submit_sheet(user, a, {**good_marks(), "innovation": {"value": 11}, "budget": {"value": ""}, "luck": {"value": 1}})
    assert exc.value.reason_code == "sheet_invalid" and "创新性" in exc.value.zh and "luck" in exc.value.en
    with pytest.raises(Refusal) as exc:
        services.submit_sheet(user, a, {**good_marks(), "team": {"value": 3}})
    assert "须填写评审意见" in exc.value.zh
    for bad in ({**good_marks(), "team": {"value": "9" * 5000}}, ["innovation"], {f"c{i}": 1 for i in range(60)}):
        with pytest.raises(Refusal) as exc:
            services.submit_sheet(user, a, bad)
        assert exc.value.reason_code == "marks_invalid"
    assert not ReviewSheet.objects.exists()
    sheet = services.submit_sheet(user, a, {**good_marks(), "team": {"value": 3, "comment": "团队基础薄弱"}})
    assert sheet.score == pytest.approx((30 + 25 + 20 + 10) * 0.8 + 15 * 0.3) and sheet.assignment.status == "submitted"
    with pytest.raises(Refusal):
        services.submit_sheet(user, a, good_marks())
    with pytest.raises(Refusal) as exc:
        services.rubric_save(
            world.users.staff, rnd.call, {"criteria": [{"code": "x", "zh": "x", "en": "x", "weight": 1, "scale": [0, 10]}]}
        )
    assert exc.value.reason_code == "rubric_in_use"


def test_a_rubric_is_validated_with_every_problem(world, rnd):
    with pytest.raises(Refusal) as exc:
        services.rubric_save(world.users.staff, rnd.call, {"criteria": [{"code": "a", "weight": 0, "scale": [5, 1]}]})
    assert exc.value.reason_code == "rubric_invalid" and "权重" in exc.value.zh
    row = services.rubric_save(world.users.staff, rnd.call)
    assert selectors.rubric_of(rnd.call).criteria[0].code == row.criteria["criteria"][0]["code"]


def test_a_decline_is_reassigned_to_the_best_eligible_expert_never_a_conflict(world, rnd):
    services.assign(world.users.staff, rnd.call, k=2, max_load=2)
    a = ReviewAssignment.objects.exclude(expert__person=world.expert_person).first()
    with pytest.raises(Refusal):
        services.decline(rnd.users[rnd.experts.index(a.expert)], a, "  ")
    services.decline(rnd.users[rnd.experts.index(a.expert)], a, "出差")
    conflicts = services.conflicts(world.users.staff, rnd.call).conflicts
    new = services.reassign(world.users.staff, a, max_load=3)
    assert new.expert_id != a.expert_id and (str(new.application_id), str(new.expert_id)) not in conflicts
    assert ReviewAssignment.objects.filter(application=a.application).exclude(status="declined").count() == 2
    with pytest.raises(Refusal):
        services.reassign(world.users.staff, a, max_load=3)


def test_rerunning_keeps_submitted_reviews_and_never_repeats_a_decline(world, rnd):
    services.assign(world.users.staff, rnd.call, k=2, max_load=3)
    done = ReviewAssignment.objects.exclude(expert__person=world.expert_person).first()
    services.submit_sheet(rnd.users[rnd.experts.index(done.expert)], done, good_marks())
    gone = (
        ReviewAssignment.objects.filter(status="assigned")
        .exclude(expert__person=world.expert_person)
        .exclude(application=done.application)
        .first()
    )
    services.decline(rnd.users[rnd.experts.index(gone.expert)], gone, "身体原因")
    services.assign(world.users.staff, rnd.call, k=2, max_load=3)
    assert ReviewAssignment.objects.get(pk=done.pk).status == "submitted"
    assert (str(gone.application_id), str(gone.expert_id)) not in pairs(rnd.call)
    assert all(n == 2 for n in Counter(a for a, _ in pairs(rnd.call)).values())


def review_everything(world, rnd, marks_by_app):
    services.assign(world.users.staff, rnd.call, k=3, max_load=3)
    for a in ReviewAssignment.objects.filter(call=rnd.call).select_related("expert"):
        user = world.users.expert if a.expert.person_id == world.expert_person.pk else rnd.users[rnd.experts.index(a.expert)]
        value = marks_by_app[a.application_id]
        services.submit_sheet(user, a, good_marks(value), "" if value >= 6 else None)
    done, waiting = services.finish_review(world.users.staff, rnd.call)
    assert len(done) == 3 and not waiting


def test_results_rank_the_applications_and_flag_what_the_panel_should_see(world, rnd):
    marks = {rnd.apps[0].pk: 9, rnd.apps[1].pk: 7, rnd.apps[2].pk: 6}
    review_everything(world, rnd, marks)
    results = selectors.results(rnd.call)
    assert [r.application.pk for r in results.rows] == [a.pk for a in rnd.apps]
    assert results.rows[0].mean == pytest.approx(90) and results.rows[0].trimmed_mean == pytest.approx(90)
    assert results.alpha == pytest.approx(1.0) and not any(r.agreement.flagged for r in results.rows)
    assert results.plan is not None and results.quota is not None
    panel = services.panel_record(world.users.staff, rnd.call, dt.date(2026, 12, 20), "会评纪要")
    assert [x["rank"] for x in panel.ranking] == [1, 2, 3]
    assert not type(panel).objects.restrict(world.users.expert, VIEW).exists()


def test_decisions_hold_the_budget_and_a_blocking_youth_quota(world, rnd):
    review_everything(world, rnd, {rnd.apps[0].pk: 9, rnd.apps[1].pk: 7, rnd.apps[2].pk: 6})
    staff = world.users.staff
    with pytest.raises(Refusal) as exc:  # within the budget, but no young PI: the major projects' 20 % quota blocks
        services.decide(staff, rnd.call, [rnd.apps[0].pk, rnd.apps[1].pk])
    assert exc.value.reason_code == "quota_blocks" and "20%" in exc.value.zh and "blocked" in exc.value.en
    rnd.call.budget = rnd.call.max_per_project = 1500000
    rnd.call.save()
    with pytest.raises(Refusal) as exc:
        services.decide(staff, rnd.call, [rnd.apps[0].pk, rnd.apps[2].pk])
    assert exc.value.reason_code == "over_budget"
    assert set(Application.objects.filter(call=rnd.call).values_list("status", flat=True)) == {"reviewed"}
    decisions = services.decide(staff, rnd.call, [rnd.apps[2].pk], {rnd.apps[1].pk: "与已立项项目重复"})
    assert [a.pk for a in decisions.funded] == [rnd.apps[2].pk] and decisions.quota is None
    events = {e.application_id: e for e in ApplicationEvent.objects.filter(transition__in=("fund", "decline"))}
    assert events[rnd.apps[1].pk].reason == "与已立项项目重复" and "第1名" in events[rnd.apps[0].pk].reason
    assert events[rnd.apps[2].pk].to_status == "funded"


def test_an_applicant_asks_for_avoidance_only_for_its_own_application_before_review(world, rnd):
    e = rnd.experts[2]
    with pytest.raises(PermissionDenied):
        services.request_avoidance(world.users.org_a, rnd.apps[1], e.person.name, "大学", "理由")
    services.request_avoidance(world.users.org_a, rnd.apps[0], e.person.name, "大学", "理由")
    assert selectors.declaration_list(world.users.org_a).count() == 1
    assert not ConflictDeclaration.objects.restrict(rnd.users[2], VIEW).exists()
