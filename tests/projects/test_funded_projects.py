"""A funded project's life with the real services: funding makes the project; the contract (包干制 or by category) is
drafted and signed by both sides; milestones are submitted and accepted; payments never exceed the funding nor pay a
milestone not accepted (but the initial tranche); an approved change applies and is recorded; the acceptance panel
has no conflicted expert; the page shows what came of it. Each role sees only its part; bad input is refused."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from heluo.core.i18n import Refusal
from heluo.core.permissions import DELETE, VIEW, can
from heluo.market.selectors import matching
from heluo.projects.models import Application, ChangeRequest, IntegrityRecord, Milestone, Project, ProjectEvent
from heluo.projects.selectors import projects as selectors
from heluo.projects.services import applications as app_services
from heluo.projects.services import projects as services
from heluo.projects.services import review as review_services
from tests.helpers import Api, login

from .review_world import expert, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_index():
    matching.forget()
    yield
    matching.forget()


def fund(world, programme="major"):
    rnd = make_round(world, programme=programme)
    app, young = rnd.apps[0], rnd.apps[2]  # 甲企业, PI 张三, 1,000,000 yuan; the young PI's keeps the youth quota
    Application.objects.filter(pk__in=[app.pk, young.pk]).update(status="reviewed")
    review_services.decide(world.users.staff, rnd.call, [app.pk, young.pk], {app.pk: "会评第一 / first"})
    return rnd, Project.objects.get(application=app)


def contract(p, lines=None):
    y = p.starts_on.year
    lines = lines or [{"year": y, "amount": "600000"}, {"year": y + 1, "amount": "400000"}]
    return dict(
        objectives="研制轴承寿命预测系统并在3家企业应用。",
        indicators=[{"name": "发明专利申请", "unit": "件", "target": "3"}, {"name": "示范应用企业", "unit": "家", "target": "3"}],
        budget=lines,
        milestones=[
            {
                "title": "样机",
                "due_on": (p.starts_on + dt.timedelta(days=300)).isoformat(),
                "deliverables": "样机一台",
                "tranche": "300000",
            },
            {
                "title": "示范应用",
                "due_on": (p.starts_on + dt.timedelta(days=700)).isoformat(),
                "deliverables": "应用报告",
                "tranche": "400000",
            },
        ],
    )


def running(world, programme="major"):
    rnd, p = fund(world, programme)
    services.contract_save(world.users.org_a, p, **contract(p))
    services.contract_sign(world.users.org_a, p)
    services.contract_sign(world.users.staff, p)
    return rnd, services.project_transition(world.users.staff, p, "start")


def test_funding_makes_the_project_in_contracting_once(world):
    rnd, p = fund(world)
    assert p.status == "contracting" and p.funding == Decimal("1000000") and p.lump_sum  # 重大专项: 包干制
    assert p.applicant == world.ent_a and p.pi == world.person_a
    assert services.create_project_for(world.users.staff, p.application) == p
    assert ProjectEvent.objects.filter(project=p, action="create").count() == 1


def test_a_lump_sum_budget_is_a_total_per_year(world):
    _, p = fund(world)
    with pytest.raises(Refusal) as e:
        services.contract_save(
            world.users.org_a, p, **contract(p, [{"year": p.starts_on.year, "category": "equipment", "amount": "1000000"}])
        )
    assert e.value.reason_code == "lump_sum_total"


def test_a_budget_by_category_follows_the_form_and_its_caps(world):
    _, q = fund(world, "natural_science")
    assert not q.lump_sum
    y = q.starts_on.year
    with pytest.raises(Refusal) as e:
        services.contract_save(world.users.org_a, q, **contract(q, [{"year": y, "amount": "1000000"}]))
    assert e.value.reason_code == "budget_category"
    capped = [{"year": y, "category": "equipment", "amount": "700000"}, {"year": y, "category": "indirect", "amount": "300000"}]
    with pytest.raises(Refusal) as e:
        services.contract_save(world.users.org_a, q, **contract(q, capped))
    assert e.value.reason_code == "budget_cap" and "20%" in e.value.zh
    with pytest.raises(Refusal) as e:
        services.contract_save(world.users.org_a, q, **contract(q, [{"year": y, "category": "equipment", "amount": "10"}]))
    assert e.value.reason_code == "budget_total"
    ok = [{"year": y, "category": "equipment", "amount": "800000"}, {"year": y, "category": "indirect", "amount": "200000"}]
    assert services.contract_save(world.users.org_a, q, **contract(q, ok)).budget["lines"][0]["category"] == "equipment"


def test_the_contract_is_signed_by_both_before_the_project_starts(world):
    _, p = fund(world)
    with pytest.raises(Refusal) as e:
        services.project_transition(world.users.staff, p, "start")
    assert e.value.reason_code == "contract_unsigned"
    services.contract_save(world.users.org_a, p, **contract(p))
    services.contract_sign(world.users.org_a, p)
    with pytest.raises(Refusal):
        services.project_transition(world.users.staff, p, "start")
    with pytest.raises(PermissionDenied):
        services.project_transition(world.users.org_a, p, "start")
    services.contract_sign(world.users.staff, p)
    with pytest.raises(Refusal) as e:
        services.contract_save(world.users.org_a, p, **contract(p))
    assert e.value.reason_code in ("contract_signed", "wrong_state")
    assert services.project_transition(world.users.staff, p, "start").status == "running"


def test_milestones_and_payments_never_exceed_the_funding(world):
    _, p = running(world)
    staff, org = world.users.staff, world.users.org_a
    first, second = Milestone.objects.filter(project=p).order_by("due_on")
    services.pay(staff, p, "300000", "2026-12-01", "首笔 / initial")
    with pytest.raises(Refusal) as e:
        services.pay(staff, p, "1", "2026-12-01", "again")
    assert e.value.reason_code == "initial_paid"
    with pytest.raises(Refusal) as e:
        services.pay(staff, p, "300000", "2026-12-01", "M1", milestone=first)
    assert e.value.reason_code == "milestone_not_accepted"
    with pytest.raises(PermissionDenied):
        services.milestone_submit(staff, first, "样机照片")
    services.milestone_submit(org, first, "样机照片与测试报告")
    with pytest.raises(PermissionDenied):
        services.milestone_decide(org, first, True)
    with pytest.raises(Refusal) as e:
        services.milestone_decide(staff, first, False, "")
    assert e.value.field == "note"
    services.milestone_decide(staff, first, True)
    with pytest.raises(Refusal) as e:
        services.pay(staff, p, "300000.01", "2026-12-01", "M1", milestone=first)
    assert e.value.reason_code == "over_tranche"
    services.pay(staff, p, "300000", "2027-06-01", "M1", milestone=first)
    services.milestone_submit(org, second, "应用报告")
    services.milestone_decide(staff, second, True)
    with pytest.raises(Refusal) as e:
        services.pay(staff, p, "400000.01", "2028-01-01", "M2", milestone=second)
    assert e.value.reason_code in ("over_tranche", "over_funding")
    Milestone.objects.filter(pk=second.pk).update(tranche=Decimal("500000"))
    with pytest.raises(Refusal) as e:
        services.pay(staff, p, "450000", "2028-01-01", "M2", milestone=Milestone.objects.get(pk=second.pk))
    assert e.value.reason_code == "over_funding" and "400,000.00" in e.value.zh
    p.refresh_from_db()
    assert p.paid == Decimal("600000")
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds the line too
        Project.objects.filter(pk=p.pk).update(paid=Decimal("1000000.01"))
    for bad in ("-5", "abc", "1e30", "0.001"):
        with pytest.raises(Refusal):
            services.pay(staff, p, bad, "2028-01-01", "x", milestone=second)


def test_an_approved_change_applies_and_is_recorded(world):
    rnd, p = running(world)
    staff, org = world.users.staff, world.users.org_a
    with pytest.raises(Refusal) as e:
        services.change_request(org, p, "pi", {"pi": p.pi_id}, "负责人调动")
    assert e.value.reason_code == "pi_invalid"
    with pytest.raises(PermissionDenied):
        services.change_request(staff, p, "pi", {"pi": rnd.young.pk}, "x")
    c = services.change_request(org, p, "pi", {"pi": rnd.young.pk}, "原负责人调离 / moved")
    with pytest.raises(PermissionDenied):
        services.change_decide(org, c, True, "ok")
    services.change_decide(staff, c, True, "同意 / approved")
    p.refresh_from_db()
    assert p.pi == rnd.young and ChangeRequest.objects.get(pk=c.pk).before == {"pi": world.person_a.pk}
    new_end = (p.ends_on + dt.timedelta(days=180)).isoformat()
    s = services.change_request(org, p, "schedule", {"ends_on": new_end}, "延期半年")
    services.change_decide(staff, s, False, "理由不足 / not enough reason")
    p.refresh_from_db()
    assert p.ends_on.isoformat() != new_end
    y = p.starts_on.year
    b = services.change_request(org, p, "budget", {"lines": [{"year": y, "amount": "1000000"}]}, "调整年度预算")
    services.change_decide(staff, b, True, "同意")
    assert p.contract.__class__.objects.get(project=p).budget == {"lines": [{"year": y, "category": None, "amount": "1000000.00"}]}
    assert set(ProjectEvent.objects.filter(project=p).values_list("action", flat=True)) >= {"change_approve", "change_refuse"}
    pi_change = ProjectEvent.objects.filter(project=p, action="change_approve").first()
    assert pi_change.from_status == "" and pi_change.detail["values_before"] == {"pi": world.person_a.pk}


def test_acceptance_panel_has_no_conflict_then_the_project_is_accepted(world):
    rnd, p = running(world)
    staff, org = world.users.staff, world.users.org_a
    services.report_submit(org, p, "2027", "完成样机。", {str(p.indicators.first().pk): "2"})
    assert p.indicators.first().achieved == Decimal("2")
    services.project_transition(org, p, "request_acceptance")
    conflicted, _ = expert(40, world.ent_a, "轴承", "exp_conflicted")  # works for the project's organization
    panel = [e.pk for e in rnd.experts[:3]]
    with pytest.raises(Refusal) as e:
        services.acceptance_open(staff, p, [*panel, conflicted.pk], "2029-01-10")
    assert e.value.reason_code == "panel_conflict" and "专家40" in e.value.zh
    with pytest.raises(Refusal) as e:
        services.acceptance_open(staff, p, panel[:1], "2029-01-10")
    assert e.value.reason_code == "panel_size"
    acc = services.acceptance_open(staff, p, panel, "2029-01-10")
    # an expert on the panel reads the summary and the reports while it is open; another does not
    assert selectors.project_list(rnd.users[0]).filter(pk=p.pk).exists()
    assert not selectors.project_list(rnd.users[4]).exists()
    data = selectors.page(rnd.users[0], p)
    assert data["reports"] and not data["payments"] and not data["changes"]
    with pytest.raises(PermissionDenied):
        services.acceptance_opinion(rnd.users[4], acc, "好", "pass")
    with pytest.raises(Refusal):
        services.acceptance_close(staff, acc, "pass", "通过")
    for u in rnd.users[:3]:
        services.acceptance_opinion(u, acc, "完成任务书指标 / targets met", "pass")
    with pytest.raises(Refusal) as e:
        services.acceptance_opinion(rnd.users[0], acc, "x", "maybe")
    assert e.value.reason_code == "bad_verdict"
    with pytest.raises(Refusal) as e:
        services.project_transition(staff, p, "accept")
    assert e.value.reason_code == "acceptance_result"
    services.acceptance_close(staff, acc, "pass", "通过验收 / accepted")
    assert not selectors.project_list(rnd.users[0]).exists()  # the panel's view ends with the acceptance
    assert services.project_transition(staff, p, "accept").status == "accepted"
    ev = services.evaluate(staff, p, {"objectives": 95, "outputs": 90, "impact": 85, "management": 90})
    assert ev.grade == "excellent" and ev.total == Decimal("91.00")
    with pytest.raises(Refusal):
        services.evaluate(staff, p, {"objectives": 101, "outputs": 90, "impact": 85, "management": 90})
    services.result_add(org, p, "patent", "一种轴承寿命预测方法（CN2027…）")
    services.result_add(org, p, "achievement", "轴承寿命预测系统", market_id=12)
    page = selectors.page(org, p)
    assert [r.kind for r in page["results"]] == ["achievement", "patent"] and page["evaluation"].grade == "excellent"


def test_scope_per_role(world):
    _, p = fund(world)
    assert selectors.project_list(world.users.admin).filter(pk=p.pk).exists()
    assert selectors.project_list(world.users.org_a).filter(pk=p.pk).exists()
    assert selectors.project_list(world.users.district_a).filter(pk=p.pk).exists()
    assert not selectors.project_list(world.users.expert).exists()
    assert not selectors.project_list(None).exists()
    with pytest.raises(PermissionDenied):
        services.contract_save(world.users.district_a, p, **contract(p))
    with pytest.raises(Project.DoesNotExist):
        services.contract_sign(world.users.expert, p)


def test_bad_input_is_refused_with_reasons(world):
    _, p = fund(world)
    org = world.users.org_a
    for kw, code in (
        ({"objectives": ""}, "required"),
        ({"indicators": "x"}, "indicators_invalid"),
        ({"milestones": [{"title": "t", "due_on": "2099-01-01", "deliverables": "d"}]}, "milestone_date"),
        ({"milestones": [{"title": "t", "due_on": "nope", "deliverables": "d"}]}, "bad_date"),
        ({"budget": [{"year": 1900, "amount": "1"}]}, "budget_year"),
        ({"budget": [{"year": p.starts_on.year, "amount": "NaN"}]}, "bad_amount"),
    ):
        with pytest.raises(Refusal) as e:
            services.contract_save(org, p, **{**contract(p), **kw})
        assert e.value.reason_code == code and e.value.zh and e.value.en
    with pytest.raises(Refusal) as e:
        services.project_transition(world.users.staff, p, "fly")
    assert e.value.status == 422
    with pytest.raises(Refusal) as e:
        services.project_transition(world.users.staff, p, "terminate")
    assert e.value.reason_code == "reason_required"
    assert app_services  # the funding hook lives in the application's transition


def test_the_life_through_the_api(client, token_for, world):
    rnd, p = fund(world)
    staff, org = Api(client, token_for(world.users.staff)), Api(client, token_for(world.users.org_a))
    district, expert_api = Api(client, token_for(world.users.district_a)), Api(client, token_for(rnd.users[0]))
    url = f"projects/funded/{p.pk}"
    assert org.get("projects/funded").json()["count"] == 2 and district.get(url).status_code == 200
    assert expert_api.get(url).status_code == 404
    r = org.put(f"{url}/contract", {**contract(p), "budget": [{"year": p.starts_on.year, "amount": "12"}]})
    assert r.status_code == 422 and "资助经费" in r.text and "funding" in r.text
    assert org.put(f"{url}/contract", contract(p)).status_code == 200
    assert district.post(f"{url}/contract/sign").status_code == 403
    assert org.post(f"{url}/contract/sign").status_code == 200 and staff.post(f"{url}/contract/sign").status_code == 200
    assert staff.post(f"{url}/transitions", {"action": "start"}).json()["project"]["status"] == "running"
    assert staff.post(f"{url}/payments", {"amount": "2000000", "paid_on": "2026-12-01", "reference": "x"}).status_code == 409
    assert staff.post(f"{url}/payments", {"amount": "1e400", "paid_on": "2026-12-01", "reference": "x"}).status_code == 422
    assert org.post(f"{url}/payments", {"amount": "1", "paid_on": "2026-12-01", "reference": "x"}).status_code == 403
    body = staff.post(f"{url}/payments", {"amount": "300000", "paid_on": "2026-12-01", "reference": "首笔"}).json()
    m = body["milestones"][0]["id"]
    assert body["project"]["paid"] == "300000.00" or Decimal(body["project"]["paid"]) == 300000
    assert staff.post(f"{url}/milestones/{m}/submit", {"evidence": "x"}).status_code == 403
    assert org.post(f"{url}/milestones/{m}/submit", {"evidence": "样机"}).status_code == 200
    assert staff.post(f"{url}/milestones/{m}/decision", {"approve": True}).status_code == 200
    r = org.post(f"{url}/changes", {"kind": "schedule", "proposed": {"ends_on": "2031-13-40"}, "reason": "延期"})
    assert r.status_code == 422
    assert org.post(f"{url}/reports", {"period": "2027", "text": "进展", "progress": {"999999": "1"}}).status_code == 422
    assert org.post(f"{url}/results", {"kind": "achievement", "title": "系统", "market_id": 7}).status_code == 201
    assert org.post(f"{url}/transitions", {"action": "request_acceptance"}).status_code == 200
    r = staff.post(f"{url}/acceptance", {"experts": [e.pk for e in rnd.experts[:3]], "held_on": "2029-01-10"})
    assert r.status_code == 201
    assert expert_api.get(url).json()["reports"] == [] and expert_api.get(url).json()["payments"] == []
    assert expert_api.post(f"{url}/acceptance/opinion", {"opinion": "好", "verdict": "pass"}).status_code == 200
    assert expert_api.post(f"{url}/acceptance/opinion", {"opinion": "好", "verdict": "great"}).status_code == 422
    assert staff.post(f"{url}/acceptance/close", {"result": "pass", "conclusion": "通过"}).status_code == 409


def test_the_pages(client, world):
    rnd, p = running(world)
    url = f"/projects/funded/{p.pk}/"
    assert client.get(url).status_code == 302
    login(client, world.users.org_a)
    assert p.title in client.get("/projects/funded/").content.decode()
    page = client.get(url).content.decode()
    assert "样机" in page and "Record payment" not in page and "记录拨款" not in page
    r = client.post(f"{url}do/report/", {"period": "2027", "text": "完成样机"}, follow=True)
    assert r.status_code == 200 and p.reports.count() == 1
    assert client.post(f"{url}do/pay/", {"amount": "1", "paid_on": "2027-01-01", "reference": "x"}).status_code == 403
    r = client.post(f"{url}do/milestone_submit/", {"milestone": "999999999", "evidence": "x"}, follow=True)
    assert r.status_code == 200  # an unknown milestone is a message, not a 500
    login(client, world.users.staff)
    r = client.post(f"{url}do/pay/", {"amount": "abc", "paid_on": "2027-01-01", "reference": "x"}, follow=True)
    assert r.status_code == 200 and p.payments.count() == 0
    client.post(f"{url}do/pay/", {"amount": "300000", "paid_on": "2027-01-01", "reference": "首笔"})
    assert p.payments.count() == 1 and client.get(url).status_code == 200
    login(client, rnd.users[0])
    assert client.get(url).status_code == 404


def test_a_debarred_person_cannot_become_the_pi(world):
    rnd, p = running(world)
    IntegrityRecord.objects.create(
        person=rnd.young,
        finding="数据造假",
        sanction="五年内不得申报",
        scope="applications",
        starts_on=dt.date(2020, 1, 1),
        source="市科技局",
    )
    with pytest.raises(Refusal) as e:
        services.change_request(world.users.org_a, p, "pi", {"pi": rnd.young.pk}, "更换负责人")
    assert e.value.reason_code == "pi_debarred"
    assert not can(world.users.org_a, DELETE, p) and can(world.users.org_a, VIEW, p)
