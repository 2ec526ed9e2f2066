"""Cultivation on the registry: stored evaluation runs with diffs, the enterprise evaluation page, what-if."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from heluo.cultivation.engine.rules import load_ruleset
from heluo.cultivation.models import EvaluationResult, EvaluationRun
from heluo.cultivation.selectors.inputs import registry_inputs
from heluo.cultivation.selectors.runs import diff_runs, is_close
from heluo.cultivation.services.evaluation import run_evaluation
from heluo.orgs.models import EnterpriseAnnual, Organization
from tests.helpers import login

AS_OF = dt.date(2025, 6, 1)


@pytest.fixture
def annual(world):
    """Three accounting years (2022–2024) for 甲企业: R&D at 2% of sales, a class I IP item, assets known."""
    for year in (2022, 2023, 2024):
        EnterpriseAnnual.objects.update_or_create(
            organization=world.ent_a,
            year=year,
            defaults=dict(
                sales_revenue=Decimal("10000000"),
                total_income=Decimal("10500000"),
                hitech_income=Decimal("7000000"),
                rd_expense=Decimal("600000") if year == 2024 else Decimal("200000"),
                rd_expense_domestic=Decimal("600000") if year == 2024 else Decimal("200000"),
                total_assets=Decimal("20000000"),
                net_assets=Decimal("8000000"),
                total_staff=100,
                st_staff=20,
                ip_class1=1,
                ip_class2=0,
            ),
        )
    return world


def test_inputs_come_from_the_registry_in_bulk(annual, django_assert_max_num_queries):
    rs = load_ruleset("hte-2016")
    with django_assert_max_num_queries(3):
        inputs = registry_inputs(rs, 2025, as_of=AS_OF)
    a = inputs[annual.ent_a.pk]
    assert sorted(a) == [2022, 2023, 2024]
    assert a[2024]["rd_expense"] == 600000.0 and a[2024]["registered_on"] == dt.date(2015, 1, 1)
    assert "cost_total" not in a[2022]  # not in the registry: unknown
    assert inputs[annual.ent_b.pk][2024]["has_valid_hte"] is True
    assert inputs[annual.ent_a.pk][2024]["has_valid_hte"] is False


def test_run_stores_one_result_per_enterprise_with_the_ruleset_version(annual):
    run = run_evaluation(annual.users.staff, "tech-sme-2022", year=2025, as_of=AS_OF)
    rs = load_ruleset("tech-sme-2022")
    n = Organization.objects.filter(kind="enterprise").count()
    assert run.total == n == EvaluationResult.objects.filter(run=run).count()
    assert run.ruleset_version == rs.version and len(run.ruleset_hash) == 64
    assert run.passed + run.failed + run.undetermined == n
    res = EvaluationResult.objects.get(run=run, organization=annual.ent_a)
    # the registry holds no 重大违法 record, so even a strong firm stays undetermined (not failed)
    assert res.result == "undetermined" and res.failed == "", res.detail
    assert res.detail["version"] == rs.version and "rd_sales_score" in res.detail["criteria"]


def test_second_run_after_data_change_shows_the_enterprise_in_the_diff(annual, capsys):
    # HTE: R&D 1.0M of 30M sales (3.33%) against 5%: fails far (by a third of the threshold)
    first = run_evaluation(None, "hte-2016", year=2025, as_of=AS_OF)
    assert EvaluationResult.objects.get(run=first, organization=annual.ent_a).failed == "rd_ratio"
    # R&D 1.4M (4.67%): within 10% (not 5%) of the threshold
    EnterpriseAnnual.objects.filter(organization=annual.ent_a, year=2024).update(
        rd_expense=Decimal("1000000"), rd_expense_domestic=Decimal("1000000")
    )
    second = run_evaluation(None, "hte-2016", year=2025, as_of=AS_OF)
    assert second.previous() == first
    diff = diff_runs(second, first)
    assert [r.organization for r in diff.newly_close] == [annual.ent_a]
    assert not diff.newly_qualified and not diff.lost
    assert not diff_runs(second, first, share=0.05).newly_close
    # the command prints counts and the diff (unchanged data: nothing new)
    call_command("cultivation", "evaluate", "--ruleset", "hte-2016", "--year", "2025", "--as-of", "2025-06-01")
    out = capsys.readouterr().out
    assert f"enterprises {second.total}" in out and "newly close: 0" in out and f"compared with run #{second.pk}" in out


def test_close_means_every_failed_threshold_within_the_share():
    r = EvaluationResult(
        result="fail", failed="a;b", detail={"criteria": {"a": {"value": 0.046, "threshold": 0.05}, "b": {"value": 95, "threshold": 100}}}
    )
    assert is_close(r, 0.1) and not is_close(r, 0.05)
    r.detail["criteria"]["b"] = {"state": "fail"}  # a yes/no condition is never close
    assert not is_close(r, 0.5)


def test_page_shows_gap_sentence_for_failing_criterion(annual, client):
    login(client, annual.users.staff)
    url = reverse("cultivation:organization", args=[annual.ent_a.pk])
    r = client.get(url, {"ruleset": "hte-2016", "year": 2025})
    assert r.status_code == 200
    html = r.content.decode()
    assert "研发费用还差" in html and "万元" in html


def test_district_user_cannot_see_another_districts_enterprise(annual, client):
    login(client, annual.users.district_a)
    assert client.get(reverse("cultivation:organization", args=[annual.ent_b.pk]), {"ruleset": "hte-2016", "year": 2025}).status_code == 404
    assert client.get(reverse("cultivation:organization", args=[annual.ent_a.pk]), {"ruleset": "hte-2016", "year": 2025}).status_code == 200
    assert client.get(reverse("cultivation:runs")).status_code == 403
    login(client, annual.users.org_a)
    assert client.get(reverse("cultivation:organization", args=[annual.ent_a2.pk])).status_code == 404


def test_what_if_changes_the_result(annual, client):
    login(client, annual.users.org_a)
    url = reverse("cultivation:organization", args=[annual.ent_a.pk]) + "?ruleset=tech-sme-2022&year=2025"
    r = client.get(url)
    assert '评价结果：<strong class="result-undetermined">' in r.content.decode()
    # with no major violation declared, the firm qualifies; with little R&D and no IP, it fails
    r = client.post(url, {"major_violation@-1": "false"}, headers={"HX-Request": "true"})
    html = r.content.decode()
    assert r.status_code == 200 and "<html" not in html
    assert "原结果 无法判定" in html and "现结果 符合" in html
    r = client.post(
        url,
        {"major_violation@-1": "false", "rd_expense@-1": "10000", "ip_class1@-1": "0", "cost_total@-1": "9000000"},
        headers={"HX-Request": "true"},
    )
    html = r.content.decode()
    assert "现结果 无法判定" in html and "综合评价得分还差" in html
    r = client.post(url, {"rd_expense@-1": "-5"}, headers={"HX-Request": "true"})
    assert "不能为负数" in r.content.decode()


def test_bureau_enters_ip_sub_item_scores_in_the_what_if_form(annual, client):
    """Expert scores are entered like any input of the form: the 知识产权 sub-items as the whole indicator."""
    login(client, annual.users.staff)
    url = reverse("cultivation:organization", args=[annual.ent_a.pk]) + "?ruleset=hte-2016&year=2025"
    html = client.get(url).content.decode()
    assert 'name="expert_ip_advanced_score@-1"' in html and 'name="expert_ip_score@-1"' in html
    assert "知识产权：知识产权数量（≤8分）" in html
    # one class I item: number 7–8, obtained 1–6; with advanced 6 and core 5: 6 + 5 + 7–8 + 1–6 + 0–2
    r = client.post(url, {"expert_ip_advanced_score@-1": "6", "expert_ip_core_score@-1": "5"}, headers={"HX-Request": "true"})
    assert "<td>19 – 27</td>" in r.content.decode()
    r = client.post(url, {"expert_ip_advanced_score@-1": "9"}, headers={"HX-Request": "true"})
    assert "应在 0–8 之间" in r.content.decode()


def test_run_pages_for_bureau(annual, client):
    run_evaluation(None, "hte-2016", year=2025, as_of=AS_OF)
    EnterpriseAnnual.objects.filter(organization=annual.ent_a, year=2024).update(
        rd_expense=Decimal("1000000"), rd_expense_domestic=Decimal("1000000")
    )
    run = run_evaluation(None, "hte-2016", year=2025, as_of=AS_OF)
    login(client, annual.users.staff)
    assert str(run.pk) in client.get(reverse("cultivation:runs")).content.decode()
    html = client.get(reverse("cultivation:run", args=[run.pk])).content.decode()
    assert "新增接近符合（1）" in html and "甲企业" in html
    assert EvaluationRun.objects.count() == 2
