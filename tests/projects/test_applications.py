"""Calls and applications: the bureau's call with its form copied in; the applicant's draft with typed answers and a
budget; submission refused with every reason (form, budget, attachments, eligibility: integrity, concurrent projects,
commitment, age) and accepted when complete; the district recommends, the bureau checks; who sees what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from heluo.core.codes import make_id_number
from heluo.core.i18n import Refusal
from heluo.core.permissions import CHANGE, VIEW
from heluo.people.models import Person
from heluo.projects.models import Application, ApplicationAttachment, Call, IntegrityRecord
from heluo.projects.selectors import applications as selectors
from heluo.projects.services import applications as services
from heluo.projects.services import calls as call_services

pytestmark = pytest.mark.django_db

ANSWERS = {
    "research_type": "applied",
    "duration_months": 24,
    "start_date": "2027-01-01",
    "industry_led": True,
    "objectives": "研制高精度轴承寿命预测系统",
    "methods": "振动信号采集与深度学习",
    "innovations": "多源数据融合",
    "self_funding": "500000",
    "outputs": ["patent", "product"],
}
BUDGET = {"equipment": "300000", "materials": "400000", "labour": "200000", "indirect": "100000"}


def make_call(user, programme="major", **kw):
    now = timezone.now()
    values = dict(
        code=f"2026-{programme}",
        title="2026年重大科技创新专项",
        programme=programme,
        year=2026,
        budget=Decimal("30000000"),
        max_per_project=Decimal("2000000"),
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=30),
    )
    values.update(kw)
    call = call_services.call_save(user, Call(**values))
    return call_services.call_status(user, call, "published")


@pytest.fixture
def setting(world):
    call = make_call(world.users.staff)
    pi = Person.objects.get(name="张三")  # employed by 甲企业 (district A), born 1980
    return world, call, pi


def draft(world, call, pi, answers=ANSWERS, budget=BUDGET, **kw):
    values = dict(call=call, pi=pi, title="高精度轴承寿命预测", abstract="轴承寿命预测与在线监测。", requested=Decimal("1000000"))
    values.update(kw)
    return services.application_save(world.users.org_a, Application(**values), answers=answers, budget=budget)


def attach_all(a):
    for kind in ("proposal", "commitment"):
        ApplicationAttachment.objects.create(application=a, kind=kind, name=f"{kind}.pdf", sha256=kind * 4, size=100)


def codes(exc) -> set[str]:
    return {p.key for p in exc.value.problems}


def test_a_call_keeps_the_form_it_was_made_with(world):
    call = make_call(world.users.staff)
    assert call.form_code == "standard-project" and call.reviewers_per_proposal == 5
    assert call.form_spec["code"] == "standard-project" and "objectives" in selectors.form_of(call).fields
    with pytest.raises(PermissionDenied):
        make_call(world.users.district_a, code="x")
    with pytest.raises(Refusal) as exc:
        make_call(world.users.staff, programme="lottery", code="y")
    assert exc.value.reason_code == "unknown_programme"
    assert set(Call.objects.restrict(world.users.anonymous, VIEW)) == {call}


def test_a_draft_stores_typed_answers_and_its_budget(setting):
    world, call, pi = setting
    a = draft(world, call, pi)
    assert a.applicant == world.ent_a and a.status == "draft"
    answers = selectors.answers_of(a)
    assert answers["duration_months"] == 24 and answers["start_date"] == dt.date(2027, 1, 1) and answers["industry_led"] is True
    assert answers["self_funding"] == Decimal("500000.00") and answers["outputs"] == ["patent", "product"]
    assert selectors.budget_of(a)["indirect"] == Decimal("100000.00")
    assert set(a.participants.values_list("person__name", flat=True)) == {"张三"}


def test_bad_answers_are_refused_each_with_its_reason_and_nothing_is_written(setting):
    world, call, pi = setting
    with pytest.raises(services.Incomplete) as exc:
        draft(world, call, pi, answers={**ANSWERS, "duration_months": "99", "nonsense": 1}, budget={**BUDGET, "indirect": "300000"})
    assert codes(exc) == {"duration_months", "nonsense", "budget.indirect"}
    assert "实施周期" in exc.value.zh and "Duration" in exc.value.en
    assert not Application.objects.exists()


def test_submission_lists_every_missing_piece_then_goes_through(setting):
    world, call, pi = setting
    a = draft(world, call, pi, answers={"objectives": "只写了目标"}, budget={"equipment": "1000"})
    with pytest.raises(services.Incomplete) as exc:
        services.application_transition(world.users.org_a, a, "submit")
    missing = codes(exc)
    assert {"methods", "innovations", "budget", "attachment.proposal", "commitment"} <= missing
    services.application_save(world.users.org_a, a, answers=ANSWERS, budget=BUDGET)
    attach_all(a)
    services.sign_commitment(world.users.org_a, a)
    a = services.application_transition(world.users.org_a, a, "submit")
    assert a.status == "submitted" and a.number == "2026-major-0001"
    event = a.events.get(transition="submit")
    assert {c["code"] for c in event.checks if c["ok"]} >= {"applicant_registry", "pi_integrity", "commitment"}


def ready(world, call, pi, **kw):
    a = draft(world, call, pi, **kw)
    attach_all(a)
    return services.sign_commitment(world.users.org_a, a)


def test_a_debarment_blocks_submission_with_its_record(setting):
    world, call, pi = setting
    a = ready(world, call, pi)
    IntegrityRecord.objects.create(
        person=pi,
        finding="论文数据造假",
        sanction="取消申报资格三年",
        scope="applications",
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2027, 12, 31),
        source="洛科〔2025〕1号",
    )
    with pytest.raises(services.Incomplete) as exc:
        services.application_transition(world.users.org_a, a, "submit")
    assert codes(exc) == {"pi_integrity"} and "洛科〔2025〕1号" in exc.value.zh


def test_a_pi_with_enough_running_projects_cannot_lead_another(setting):
    world, call, pi = setting
    for n in range(2):
        Application.objects.create(call=call, applicant=world.ent_a, pi=pi, title=f"在研{n}", abstract="x", requested=1, status="funded")
    with pytest.raises(services.Incomplete) as exc:
        services.application_transition(world.users.org_a, ready(world, call, pi), "submit")
    assert codes(exc) == {"pi_concurrent"}


def test_a_youth_call_takes_a_pi_of_40_but_not_of_41(world):
    call = make_call(world.users.staff, programme="youth", code="2026-youth")
    closes = selectors.reference_date(call)
    forty = Person.objects.create(
        name="青年", employer=world.ent_a, id_number=make_id_number("410305", closes.replace(year=closes.year - 40), 7)
    )
    older = Person.objects.create(
        name="年长", employer=world.ent_a, id_number=make_id_number("410305", closes.replace(year=closes.year - 41), 8)
    )
    services.application_transition(world.users.org_a, ready(world, call, forty, title="青年项目"), "submit")
    with pytest.raises(services.Incomplete) as exc:
        services.application_transition(world.users.org_a, ready(world, call, older, title="年长项目"), "submit")
    assert codes(exc) == {"pi_age"} and "41" in exc.value.zh


def test_the_pi_works_for_the_applicant_and_the_amount_keeps_to_the_call(setting):
    world, call, pi = setting
    with pytest.raises(Refusal) as exc:
        draft(world, call, Person.objects.get(name="李四"))  # employed by 乙企业
    assert exc.value.reason_code == "pi_employer"
    with pytest.raises(Refusal) as exc:
        draft(world, call, pi, requested=Decimal("2000000.01"))
    assert exc.value.reason_code == "requested_above_cap"


def test_the_workflow_through_district_and_bureau_and_who_sees_what(setting):
    world, call, pi = setting
    u = world.users
    a = services.application_transition(u.org_a, ready(world, call, pi), "submit")
    assert set(Application.objects.restrict(u.district_a, VIEW)) == {a}
    assert not Application.objects.restrict(u.expert, VIEW).exists()
    with pytest.raises(PermissionDenied):
        services.application_transition(u.org_a, a, "recommend")
    a = services.application_transition(u.district_a, a, "return", "预算说明不足")
    with pytest.raises(Refusal):
        services.application_transition(u.staff, a, "accept")  # from returned: wrong state
    services.application_save(u.org_a, a, budget=BUDGET)  # corrected while returned
    a = services.application_transition(u.org_a, a, "submit")
    assert a.number == "2026-major-0001"  # the same number after a correction
    a = services.application_transition(u.district_a, a, "recommend")
    a = services.application_transition(u.staff, a, "accept")
    assert a.status == "accepted"
    a.title = "改名"
    with pytest.raises(PermissionDenied):
        services.application_save(u.org_a, a)  # no longer editable
    assert not Application.objects.restrict(u.district_a, CHANGE).exists()


def test_a_closed_call_takes_no_new_application(world):
    call = make_call(world.users.staff, closes_at=timezone.now() + dt.timedelta(seconds=1))
    Call.objects.filter(pk=call.pk).update(
        closes_at=timezone.now() - dt.timedelta(seconds=1), opens_at=timezone.now() - dt.timedelta(days=2)
    )
    call.refresh_from_db()
    with pytest.raises(Refusal) as exc:
        draft(world, call, Person.objects.get(name="张三"))
    assert exc.value.reason_code == "call_not_open"
