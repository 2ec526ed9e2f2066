"""Cultivation work: pools (培育库), service officers (一企一专班), 免申即享 benefit lists, the rule-set
editor, their pages (who may open what) and the navigation entry.

Most tests use a small city rule set made with the rule-set builder and put on the 瞪羚 pool (which ships
without a rule set), evaluated for YEAR (it reads the accounting year YEAR−1):

    rd_ratio   rd_expense@-1 / sales_revenue@-1 >= 0.03   (tag C: a bare number)
    staff      total_staff@-1                   >= 50

with every enterprise at 10,000,000 sales in YEAR−1:

    firm        district      R&D        staff   result                         distance
    甲区高新企业  A (zone)     400,000    100     pass                           0
    甲企业       A            270,000    100     rd 2.7% < 3%                   |0.03−0.027|/0.03 = 0.1
    乙企业       B            350,000     40     staff 40 < 50                  |50−40|/50 = 0.2
    乙未公开企业  B            500,000    100     pass, but holds 瞪羚 → never in the pool

The 瞪羚 pool takes distance ≤ 0.3, so the pool is 甲区高新企业 (1), 甲企业 (2), 乙企业 (3).
"""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from heluo.cultivation.engine import pools as pool_config
from heluo.cultivation.engine.benefits import amount_for
from heluo.cultivation.engine.rules import RuleSetError, parse_ruleset
from heluo.cultivation.engine.ruleset_builder import build, parse_value, rows_of
from heluo.cultivation.models import (
    BenefitGrant,
    BenefitList,
    BenefitListStatus,
    BenefitPolicy,
    CustomRuleSet,
    EvaluationRun,
    PoolEntry,
    PoolSource,
    ServiceAssignment,
    ServiceRecord,
)
from heluo.cultivation.selectors import pools as pool_reads
from heluo.cultivation.selectors import servicework as service_reads
from heluo.cultivation.selectors.benefits import grants_for
from heluo.cultivation.selectors.rulesets import pool_ruleset
from heluo.cultivation.services import benefits, pools, servicework
from heluo.orgs.models import Qualification
from tests.helpers import login

from .conftest import GAZELLE_ROWS, META, YEAR, set_last_year


def entries(**filters):
    return {e.organization.name: e for e in PoolEntry.objects.filter(pool="gazelle", year=YEAR, **filters).select_related("organization")}


# --------------------------------------------------------------------------------------------------
# pools (engine.pools, selectors.pools, services.pools)
# --------------------------------------------------------------------------------------------------
def test_distance_sums_relative_shortfalls_and_counts_conditions_as_one():
    detail = {
        "criteria": {
            "rd_ratio": {"state": "fail", "value": 0.027, "threshold": 0.03},  # |0.03 − 0.027| / 0.03 = 0.1
            "staff": {"state": "fail", "value": 40, "threshold": 50},  # |50 − 40| / 50 = 0.2
            "debt": {"state": "fail", "value": 0.8, "threshold": 0.5},  # a <= check: |0.5 − 0.8| / 0.5 = 0.6
            "honour": {"state": "fail"},  # a yes/no condition: 1
            "flag": {"state": "fail", "value": False, "threshold": True},  # booleans are not numbers: 1
            "zero": {"state": "fail", "value": 2, "threshold": 0},  # threshold 0: 1
            "span": {"state": "fail", "value": [1, 2], "threshold": 5},  # an interval, not an exact value: 1
        }
    }
    assert pool_config.distance(detail, []) == 0
    assert pool_config.distance(detail, ["rd_ratio"]) == 0.1
    assert pool_config.distance(detail, ["rd_ratio", "staff"]) == 0.3
    assert pool_config.distance(detail, ["debt"]) == 0.6
    for code in ("honour", "flag", "zero", "span", "not-in-detail"):
        assert pool_config.distance(detail, [code]) == 1.0, code


def test_gaps_list_failed_then_criteria_left_to_verify():
    detail = {
        "criteria": {
            "rd_ratio": {"state": "fail", "gap_zh": "研发投入强度：还差 0.30 个百分点"},
            "honour": {"state": "fail"},
            "violation": {"state": "undetermined"},
            "helper": {"state": "undetermined"},
        }
    }  # not a named criterion: left out
    names = {"rd_ratio": "研发投入强度", "honour": "荣誉", "violation": "无重大违法"}
    assert pool_config.gaps(detail, ["rd_ratio", "honour"], names) == [
        {"code": "rd_ratio", "name": "研发投入强度", "gap": "研发投入强度：还差 0.30 个百分点", "state": "fail"},
        {"code": "honour", "name": "荣誉", "gap": "未满足", "state": "fail"},
        {"code": "violation", "name": "无重大违法", "gap": "待核实", "state": "undetermined"},
    ]


def test_pool_config_and_the_custom_rule_set_of_the_gazelle_pool(city):
    config = pool_config.pools()
    assert {"tech_sme", "hte_reserve", "gazelle"} <= set(config)
    assert config["hte_reserve"].qualification == "hte"
    assert config["gazelle"].ruleset is None and config["gazelle"].max_distance == 0.3
    assert pool_ruleset(config["gazelle"]) == "gazelle-test"
    assert pool_ruleset(config["hte_reserve"]) == "hte-2016"
    CustomRuleSet.objects.filter(name="gazelle-test").update(active=False)
    assert pool_ruleset(config["gazelle"]) is None
    with pytest.raises(ValueError, match="尚未指定规则集"):
        pools.refresh_pool(None, "gazelle", year=YEAR)


def test_refresh_ranks_by_distance_and_leaves_out_holders(city):
    out = pools.refresh_pool(city.users.staff, "gazelle", year=YEAR)
    assert (out["added"], out["updated"], out["removed"], out["members"]) == (3, 0, 0, 3)
    assert out["run"].ruleset == "gazelle-test" and out["run"].year == YEAR
    got = entries()
    assert {n: (e.rank, e.distance, e.result) for n, e in got.items()} == {
        "甲区高新企业": (1, 0.0, "pass"),
        "甲企业": (2, 0.1, "fail"),
        "乙企业": (3, 0.2, "fail"),
    }
    assert "乙未公开企业" not in got  # passes, but already holds 瞪羚
    a = got["甲企业"]
    assert a.source == PoolSource.EVALUATION and a.added_by == city.users.staff and a.added_on == timezone.localdate()
    # 0.3 percentage points short (3% − 2.7%)
    assert a.gaps == [{"code": "rd_ratio", "name": "研发投入强度", "gap": "研发投入强度：还差 0.30 个百分点", "state": "fail"}]
    assert got["乙企业"].gaps == [{"code": "staff", "name": "职工人数", "gap": "职工人数：还差 10", "state": "fail"}]
    assert got["甲区高新企业"].gaps == []


def test_refresh_is_idempotent_on_the_latest_run(city):
    pools.refresh_pool(None, "gazelle", year=YEAR)
    before = {n: (e.pk, e.rank, e.distance, e.gaps, e.run_id) for n, e in entries().items()}
    out = pools.refresh_pool(None, "gazelle", year=YEAR, evaluate=False)
    assert (out["added"], out["updated"], out["removed"], out["members"]) == (0, 0, 0, 3)
    assert {n: (e.pk, e.rank, e.distance, e.gaps, e.run_id) for n, e in entries().items()} == before


def test_refresh_with_a_new_evaluation_on_unchanged_data_changes_nothing(city):
    pools.refresh_pool(None, "gazelle", year=YEAR)
    out = pools.refresh_pool(None, "gazelle", year=YEAR)
    assert (out["added"], out["updated"], out["removed"]) == (0, 0, 0)


def test_refresh_marks_leavers_removed_and_keeps_recommended_entries(city):
    pools.refresh_pool(None, "gazelle", year=YEAR)
    # hand-recommended although it holds the qualification: a recommendation stays until removed by hand
    rec = pools.recommend(city.users.staff, city.hidden_b, code="gazelle", year=YEAR, note="区县推荐")
    assert rec.source == PoolSource.RECOMMENDED and rec.rank is None
    # 甲企业's R&D falls to 1.5%: |0.03 − 0.015| / 0.03 = 0.5 > 0.3; 乙企业 becomes a 瞪羚
    set_last_year(city.ent_a, 150_000)
    Qualification.objects.create(organization=city.ent_b, kind="gazelle", valid_from=dt.date(2025, 1, 1))
    out = pools.refresh_pool(None, "gazelle", year=YEAR)
    assert (out["added"], out["removed"], out["members"]) == (0, 2, 1)
    got = entries()
    assert got["甲企业"].removed_on == timezone.localdate() and got["甲企业"].removed_reason == "criteria_not_met"
    assert got["乙企业"].removed_reason == "holds_qualification" and got["乙企业"].rank is None
    assert got["乙未公开企业"].removed_on is None and got["乙未公开企业"].note == "区县推荐"
    assert got["甲区高新企业"].removed_on is None and got["甲区高新企业"].rank == 1
    staff = city.users.staff
    assert {e.organization.name for e in pool_reads.members(staff, "gazelle", YEAR)} == {"甲区高新企业", "乙未公开企业"}
    assert pool_reads.members(staff, "gazelle", YEAR, include_removed=True).count() == 4
    # 甲企业 recovers: the same row comes back (no duplicate)
    set_last_year(city.ent_a, 270_000)
    out = pools.refresh_pool(None, "gazelle", year=YEAR)
    assert out["removed"] == 0 and entries()["甲企业"].removed_on is None and entries()["甲企业"].rank == 2
    assert PoolEntry.objects.filter(pool="gazelle", year=YEAR).count() == 4


def test_refresh_logs_each_entry_it_adds_changes_or_removes_as_a_save_would(city):
    from heluo.core.audit import history_for

    pools.refresh_pool(city.users.staff, "gazelle", year=YEAR)
    got = entries()
    a = got["甲企业"]
    [created] = history_for(a)
    assert (created.action, created.prechange_data) == ("create", None)
    assert created.postchange_data["rank"] == 2 and created.postchange_data["gaps"] == a.gaps
    # 甲企业 drops out (R&D 1.5%), so 乙企业 moves up to rank 2; 甲区高新企业 is unchanged
    set_last_year(city.ent_a, 150_000)
    pools.refresh_pool(None, "gazelle", year=YEAR)
    removed = history_for(a).filter(action="update").get()
    assert removed.prechange_data["removed_on"] is None and removed.postchange_data["removed_reason"] == "criteria_not_met"
    moved = history_for(got["乙企业"]).filter(action="update").get()
    assert (moved.prechange_data["rank"], moved.postchange_data["rank"]) == (3, 2)
    assert not history_for(got["甲区高新企业"]).filter(action="update").exists()  # only pointed at the newer run
    assert {n: e.rank for n, e in entries(removed_on__isnull=True).items()} == {"甲区高新企业": 1, "乙企业": 2}


def test_refresh_is_for_the_bureau(city):
    for user in (city.users.district_a, city.users.org_a, city.users.expert):
        with pytest.raises(PermissionDenied):
            pools.refresh_pool(user, "gazelle", year=YEAR)
    assert not PoolEntry.objects.exists()


def test_members_are_scoped_and_filtered_by_area(city):
    pools.refresh_pool(None, "gazelle", year=YEAR)
    names = lambda qs: {e.organization.name for e in qs}  # noqa: E731
    assert names(pool_reads.members(city.users.staff, "gazelle", YEAR)) == {"甲区高新企业", "甲企业", "乙企业"}
    # district A includes the hi-tech zone under it
    assert names(pool_reads.members(city.users.district_a, "gazelle", YEAR)) == {"甲区高新企业", "甲企业"}
    assert names(pool_reads.members(city.users.org_a, "gazelle", YEAR)) == {"甲企业"}
    assert names(pool_reads.members(city.users.expert, "gazelle", YEAR)) == set()
    assert names(pool_reads.members(city.users.staff, "gazelle", YEAR, area_ids=[city.b.pk])) == {"乙企业"}
    assert [e.rank for e in pool_reads.members(city.users.staff, "gazelle", YEAR)] == [1, 2, 3]


def test_recommend_and_remove_are_scope_checked(city):
    district_a = city.users.district_a
    with pytest.raises(PermissionDenied):
        pools.recommend(district_a, city.ent_b, code="gazelle", year=YEAR)
    assert not PoolEntry.objects.filter(organization=city.ent_b).exists()  # rolled back
    with pytest.raises(ValueError):
        pools.recommend(district_a, city.ent_a, code="no-such-pool", year=YEAR)
    with pytest.raises(PermissionDenied):
        pools.recommend(city.users.org_a, city.ent_a, code="gazelle", year=YEAR)
    entry = pools.recommend(district_a, city.ent_a, code="gazelle", year=YEAR, note="走访发现")
    assert entry.added_by == district_a and entry.source == PoolSource.RECOMMENDED
    # the evaluation then ranks it, and the entry stays a recommendation
    pools.refresh_pool(None, "gazelle", year=YEAR)
    entry.refresh_from_db()
    assert (entry.source, entry.rank, entry.distance, entry.note) == (PoolSource.RECOMMENDED, 2, 0.1, "走访发现")
    b_entry = PoolEntry.objects.get(organization=city.ent_b)
    assert pool_reads.can_change(district_a, entry) and not pool_reads.can_change(district_a, b_entry)
    with pytest.raises(PermissionDenied):
        pools.remove(district_a, b_entry, reason="迁出")
    assert PoolEntry.objects.get(pk=b_entry.pk).removed_on is None
    pools.remove(district_a, entry, reason="企业迁出本市" * 40)
    entry.refresh_from_db()
    assert entry.removed_on == timezone.localdate() and entry.rank is None and len(entry.removed_reason) == 200


# --------------------------------------------------------------------------------------------------
# service work (selectors/services .servicework)
# --------------------------------------------------------------------------------------------------
def test_eligible_officers(city):
    def usernames(user, org):
        return set(service_reads.eligible_officers(user, org).values_list("username", flat=True))

    # the bureau may pick bureau staff or the enterprise's own district staff; a district only its own staff
    assert usernames(city.users.staff, city.ent_a) == {"admin", "staff", "district_a"}
    assert usernames(city.users.staff, city.ent_b) == {"admin", "staff", "district_b"}
    assert usernames(city.users.district_a, city.ent_a) == {"district_a"}
    assert usernames(city.district_b, city.ent_b) == {"district_b"}


def test_assigning_an_officer_closes_the_current_assignment(city):
    staff, district_a = city.users.staff, city.users.district_a
    first = servicework.assign_officer(staff, city.ent_a, officer=district_a, since=dt.date(2026, 1, 5), note="首任")
    assert service_reads.current_officer(city.ent_a) == district_a and first.assigned_by == staff
    # the same officer again: nothing changes
    assert servicework.assign_officer(staff, city.ent_a, officer=district_a).pk == first.pk
    second = servicework.assign_officer(staff, city.ent_a, officer=staff, since=dt.date(2026, 3, 1))
    first.refresh_from_db()
    assert first.until == dt.date(2026, 3, 1) and second.until is None
    assert service_reads.current_officer(city.ent_a) == staff
    assert ServiceAssignment.objects.filter(organization=city.ent_a).count() == 2  # history kept


def test_only_eligible_officers_and_only_in_scope(city):
    district_a = city.users.district_a
    with pytest.raises(ValidationError):  # bureau staff is not an officer a district may assign
        servicework.assign_officer(district_a, city.ent_a, officer=city.users.staff)
    with pytest.raises(ValidationError):  # an enterprise user is nobody's officer
        servicework.assign_officer(city.users.staff, city.ent_a, officer=city.users.org_a)
    # the bureau's officer of 乙企业 stays when district A tries to replace it
    servicework.assign_officer(city.users.staff, city.ent_b, officer=city.district_b)
    with pytest.raises(PermissionDenied):
        servicework.assign_officer(district_a, city.ent_b, officer=district_a)
    assert service_reads.current_officer(city.ent_b) == city.district_b
    with pytest.raises(PermissionDenied):
        servicework.assign_officer(district_a, city.hidden_b, officer=district_a)  # unpublished, in B
    with pytest.raises((PermissionDenied, ValidationError)):  # an enterprise assigns nobody
        servicework.assign_officer(city.users.org_a, city.ent_a, officer=district_a)
    assert service_reads.current_officer(city.ent_a) is None
    assert servicework.assign_officer(district_a, city.ent_a2, officer=district_a).officer == district_a  # zone under A


def test_the_bureau_cannot_make_another_districts_staff_the_officer(city):
    with pytest.raises(ValidationError):
        servicework.assign_officer(city.users.staff, city.ent_b, officer=city.users.district_a)


def test_record_service_validation(city):
    district_a, today = city.users.district_a, timezone.localdate()
    with pytest.raises(ValidationError, match="至少填写一项"):
        servicework.record_service(district_a, city.ent_a, date=today, kind="visit", problems="  ", outcome="\n")
    with pytest.raises(ValidationError, match="不能晚于今天"):
        servicework.record_service(district_a, city.ent_a, date=today + dt.timedelta(days=1), kind="visit", problems="融资难")
    with pytest.raises(PermissionDenied):
        servicework.record_service(district_a, city.ent_b, date=today, kind="visit", problems="融资难")
    with pytest.raises(PermissionDenied):  # the enterprise reads its log, never writes it
        servicework.record_service(city.users.org_a, city.ent_a, date=today, kind="call", problems="融资难")
    rec = servicework.record_service(district_a, city.ent_a, date=today, kind="visit", help_given="  对接银行  ")
    assert (rec.help_given, rec.problems, rec.recorded_by, rec.status) == ("对接银行", "", district_a, "open")
    assert ServiceRecord.objects.count() == 1
    with pytest.raises(PermissionDenied):
        servicework.update_record(city.users.org_a, rec, status="resolved")
    servicework.update_record(city.users.staff, rec, status="resolved", outcome="已放款")
    rec.refresh_from_db()
    assert (rec.status, rec.outcome) == ("resolved", "已放款")


# --------------------------------------------------------------------------------------------------
# benefits (engine/selectors/services .benefits)
# --------------------------------------------------------------------------------------------------
def test_sync_policies_is_idempotent(db):
    assert benefits.sync_policies() == 2
    assert benefits.sync_policies() == 2
    assert BenefitPolicy.objects.count() == 2
    rd = BenefitPolicy.objects.get(code="innovative-sme-rd-award")
    assert (rd.amount_rate, rd.amount_cap, rd.amount_fixed, rd.amount_input) == (Decimal("0.05"), Decimal("100000"), None, "rd_expense@-1")
    assert rd.ruleset == "innovative-sme-2022" and rd.is_example and rd.exclude_holding == ""
    entry = BenefitPolicy.objects.get(code="tech-sme-entry-award")
    assert (entry.amount_fixed, entry.amount_rate, entry.amount_input, entry.exclude_holding) == (Decimal("10000"), None, "", "tech_sme")


def test_sync_keeps_an_admin_edit_when_the_file_did_not_change(db):
    benefits.sync_policies()
    BenefitPolicy.objects.filter(code="tech-sme-entry-award").update(amount_fixed=Decimal("20000"))
    benefits.sync_policies()
    assert BenefitPolicy.objects.get(code="tech-sme-entry-award").amount_fixed == Decimal("20000")


def test_amount_for_fixed_rate_cap_and_missing_base():
    fixed = BenefitPolicy(amount_fixed=Decimal("10000"))
    assert amount_for(fixed, None) == (Decimal("10000.00"), {"fixed": "10000"})
    capped_fixed = BenefitPolicy(amount_fixed=Decimal("10000"), amount_cap=Decimal("8000"))
    assert amount_for(capped_fixed, None) == (Decimal("8000.00"), {"fixed": "10000", "cap": "8000"})
    rate = BenefitPolicy(amount_rate=Decimal("0.05"), amount_input="rd_expense@-1", amount_cap=Decimal("100000"))
    # 5% of 1,500,000 = 75,000 (under the cap)
    amount, basis = amount_for(rate, Decimal("1500000"))
    assert amount == Decimal("75000.00") and basis == {"input": "rd_expense@-1", "value": "1500000", "rate": "0.05"}
    # 5% of 3,000,000 = 150,000 → capped at 100,000
    amount, basis = amount_for(rate, Decimal("3000000"))
    assert amount == Decimal("100000.00") and basis["cap"] == "100000"
    # 5% of 123.55 = 6.1775 → 6.18 (half up, to the fen)
    assert amount_for(rate, Decimal("123.55"))[0] == Decimal("6.18")
    assert amount_for(rate, None) == (None, {"input": "rd_expense@-1", "value": None})


def test_draft_list_amounts_and_basis(city, award):
    blist = benefits.draft_list(city.users.staff, award, year=YEAR)
    grants = {g.organization.name: g for g in blist.grants.select_related("organization")}
    assert {n: g.amount for n, g in grants.items()} == {"甲区高新企业": Decimal("18000.00"), "乙企业": Decimal("17500.00")}
    assert (blist.count, blist.total_amount, blist.status) == (2, Decimal("35500.00"), BenefitListStatus.DRAFT)
    basis = grants["甲区高新企业"].basis
    assert Decimal(basis["value"]) == 400_000 and Decimal(basis["rate"]) == Decimal("0.05") and Decimal(basis["cap"]) == 18_000
    assert basis["ruleset"] == "rd-award-test" and basis["run"] == blist.run_id and basis["year"] == YEAR
    # one live list per policy and year: a second draft is refused until the first is withdrawn
    with pytest.raises(ValidationError, match="请先撤回"):
        benefits.draft_list(None, award, year=YEAR)
    benefits.withdraw_list(city.users.staff, blist)
    # the next draft reuses the latest run of the rule set
    assert benefits.draft_list(None, award, year=YEAR).run_id == blist.run_id
    assert EvaluationRun.objects.filter(ruleset="rd-award-test").count() == 1


def test_draft_list_without_a_base_figure_or_with_an_unknown_input(city, award):
    award.amount_input = "total_income@-1"  # nobody has a total income in the registry: no grant
    empty = benefits.draft_list(None, award, year=YEAR)
    assert empty.count == 0
    benefits.withdraw_list(None, empty)
    award.amount_input = "bogus@-1"
    with pytest.raises(ValidationError):
        benefits.draft_list(None, award, year=YEAR)


def test_list_states_and_what_the_enterprise_sees(city, award, client):
    staff, org_b = city.users.staff, city.org_b
    blist = benefits.draft_list(staff, award, year=YEAR)
    visible = lambda user: [g.amount for g in grants_for(user, city.ent_b)]  # noqa: E731
    assert visible(staff) == [Decimal("17500.00")] and visible(city.district_b) == [Decimal("17500.00")]
    assert visible(org_b) == [] and visible(city.users.district_a) == []
    with pytest.raises(ValidationError):
        benefits.publish_list(staff, blist)  # a draft must be confirmed first
    benefits.confirm_list(staff, blist)
    assert blist.status == BenefitListStatus.CONFIRMED and blist.confirmed_by == staff and blist.confirmed_at
    with pytest.raises(ValidationError):
        benefits.confirm_list(staff, blist)
    assert visible(org_b) == []
    benefits.publish_list(staff, blist)
    assert BenefitList.objects.get(pk=blist.pk).status == BenefitListStatus.PUBLISHED and blist.published_at
    assert visible(org_b) == [Decimal("17500.00")]
    assert [g.organization_id for g in BenefitGrant.objects.restrict(org_b)] == [city.ent_b.pk]  # not 甲区高新企业's grant
    login(client, org_b)
    html = client.get(reverse("cultivation:enterprise", args=[city.ent_b.pk])).content.decode()
    assert "研发奖补（测试）" in html and "17500.00 元" in html
    benefits.withdraw_list(staff, blist)
    assert visible(org_b) == [] and visible(staff) == []
    with pytest.raises(ValidationError):
        benefits.withdraw_list(staff, blist)


def test_benefit_lists_are_the_bureaus(city, award):
    blist = benefits.draft_list(None, award, year=YEAR)  # no user: the command line
    for user in (city.users.district_a, city.users.org_a, city.users.expert):
        with pytest.raises(PermissionDenied):
            benefits.draft_list(user, award, year=YEAR)
        with pytest.raises(PermissionDenied):
            benefits.confirm_list(user, blist)
    assert BenefitList.objects.count() == 1 and BenefitList.objects.get().status == BenefitListStatus.DRAFT


# --------------------------------------------------------------------------------------------------
# engine.ruleset_builder
# --------------------------------------------------------------------------------------------------
def test_parse_value():
    assert parse_value("rd_expense@-1") == ("rd_expense@-1", "yuan")
    assert parse_value(" total_staff@-1 ") == ("total_staff@-1", "count")
    assert parse_value("rd_expense@-1 / sales_revenue@-1") == ({"ratio": ["rd_expense@-1", "sales_revenue@-1"]}, "pp")
    # growth(a, b) = (b − a) / a
    assert parse_value("growth(sales_revenue@-2, sales_revenue@-1)") == (
        {"ratio": [{"sub": ["sales_revenue@-1", "sales_revenue@-2"]}, "sales_revenue@-2"]},
        "pp",
    )
    for bad in ("", "rd_expense@-1 + 5", "Sales@-1", "growth(a@-1)", "1 / 2"):
        with pytest.raises(RuleSetError):
            parse_value(bad)


def test_build_makes_non_confirmed_thresholds_parameters():
    rows = [
        {
            "code": "rd_ratio",
            "zh": "研发投入强度",
            "value": "rd_expense@-1 / sales_revenue@-1",
            "op": ">=",
            "threshold": "0.03",
            "tag": "C",
        },
        {
            "code": "growth",
            "zh": "营收增长",
            "value": "growth(sales_revenue@-2, sales_revenue@-1)",
            "op": ">=",
            "threshold": "20",
            "as_percent": True,
            "tag": "NF",
            "article": "第五条",
        },
        {"code": "", "value": "ignored"},  # an empty row of the editor
    ]
    d = build(META, rows)
    rd, growth = d["criteria"]
    assert rd["check"] == {"value": {"ratio": ["rd_expense@-1", "sales_revenue@-1"]}, "op": ">=", "threshold": 0.03}
    assert growth["check"]["threshold"] == "$growth_threshold"
    # 20 given as a percentage: 0.2
    assert d["parameters"] == {"growth_threshold": {"value": 0.2, "tag": "NF", "note": "set in the rule-set editor; 第五条"}}
    assert growth["cite"] == {"doc": "main", "article": "第五条", "tag": "NF"}
    assert d["result"] == {"all": ["rd_ratio", "growth"]} and d["documents"]["main"]["number"] == "洛科〔2026〕1号"
    assert rd["gap"]["zh"] == "研发投入强度：还差 {gap} 个百分点"
    rs = parse_ruleset(d)
    assert [c.code for c in rs.criteria] == ["rd_ratio", "growth"] and rs.years == (-2, -1)
    assert "extra_inputs" not in d


def test_build_errors():
    ok = {"code": "staff", "value": "total_staff@-1", "op": ">=", "threshold": "50", "tag": "C"}
    with pytest.raises(RuleSetError, match="门槛必须是数字"):
        build(META, [ok, {**ok, "code": "x", "threshold": "五十"}])
    with pytest.raises(RuleSetError, match="第 1 行"):
        build(META, [{**ok, "threshold": ""}])
    with pytest.raises(RuleSetError, match="无法识别的取值表达式"):
        build(META, [{**ok, "value": "total_staff@-1 * 2"}])
    with pytest.raises(RuleSetError, match="至少需要一条条件"):
        build(META, [{"code": " "}])
    with pytest.raises(RuleSetError):  # an unknown input
        build(META, [{**ok, "value": "no_such_column@-1"}])
    with pytest.raises(RuleSetError):  # an unknown comparison
        build(META, [{**ok, "op": "=>"}])


def test_rows_of_round_trip():
    rows = [
        {
            "code": "rd",
            "zh": "研发费用",
            "en": "R&D",
            "value": "rd_expense@-1",
            "op": ">=",
            "threshold": 300000.0,
            "article": "第二条",
            "tag": "C",
        },
        {
            "code": "ratio",
            "zh": "研发强度",
            "en": "R&D ratio",
            "value": "rd_expense@-1 / sales_revenue@-1",
            "op": ">",
            "threshold": 0.05,
            "article": "第三条",
            "tag": "S",
        },
        {
            "code": "growth",
            "zh": "增长",
            "en": "growth",
            "value": "growth(sales_revenue@-2, sales_revenue@-1)",
            "op": ">=",
            "threshold": 0.2,
            "article": "第四条",
            "tag": "NF",
        },
    ]
    assert rows_of(build(META, rows)) == rows
    # a definition richer than the editor's rows (a score criterion): None
    assert rows_of({"criteria": [{"code": "s", "zh": "分", "cite": {}, "score": {"points": "x"}}]}) is None


# --------------------------------------------------------------------------------------------------
# Pages: who may open what
# --------------------------------------------------------------------------------------------------
def status(client, url, method="get", **data):
    return getattr(client, method)(url, data).status_code


def test_bureau_staff_open_everything(city, client):
    pools.refresh_pool(None, "gazelle", year=YEAR)
    login(client, city.users.staff)
    for url in (
        "/cultivation/",
        "/cultivation/pools/gazelle/",
        "/cultivation/listing/",
        "/cultivation/benefits/",
        "/cultivation/rulesets/",
        "/cultivation/rulesets/new/",
        "/cultivation/rulesets/gazelle-test/",
        "/cultivation/rulesets/hte-2016/",
        f"/cultivation/enterprises/{city.ent_b.pk}/",
        f"/cultivation/enterprises/{city.hidden_b.pk}/",
        f"/cultivation/enterprises/{city.ent_b.pk}/service/",
    ):
        assert status(client, url) == 200, url
    assert status(client, "/cultivation/pools/no-such-pool/") == 404
    assert status(client, "/cultivation/rulesets/no-such-set/") == 404
    assert status(client, "/cultivation/my/") == 404  # staff have no enterprise of their own
    assert BenefitPolicy.objects.count() == 0  # a page view writes nothing: `ensure_database` loads the policies


def test_district_staff_work_in_their_areas(city, client):
    login(client, city.users.district_a)
    for url in (
        "/cultivation/",
        "/cultivation/pools/gazelle/",
        "/cultivation/listing/",
        f"/cultivation/enterprises/{city.ent_a.pk}/",
        f"/cultivation/enterprises/{city.ent_a2.pk}/",
        f"/cultivation/enterprises/{city.ent_a.pk}/service/",
    ):
        assert status(client, url) == 200, url
    for url in (
        f"/cultivation/enterprises/{city.ent_b.pk}/",
        f"/cultivation/enterprises/{city.hidden_b.pk}/",
        f"/cultivation/enterprises/{city.hidden_b.pk}/service/",
    ):
        assert status(client, url) == 404, url
    for url in ("/cultivation/benefits/", "/cultivation/rulesets/", "/cultivation/rulesets/new/", "/cultivation/runs/"):
        assert status(client, url) == 403, url
    assert status(client, "/cultivation/pools/gazelle/refresh/", "post", year=YEAR) == 403
    assert status(client, "/cultivation/rulesets/gazelle-test/evaluate/", "post", year=YEAR) == 403
    # the district writes its enterprises' service log
    r = client.post(
        f"/cultivation/enterprises/{city.ent_a.pk}/service/",
        {"date": timezone.localdate().isoformat(), "kind": "visit", "problems": "用地紧张"},
    )
    assert r.status_code == 302 and ServiceRecord.objects.get().problems == "用地紧张"
    r = client.post(f"/cultivation/enterprises/{city.ent_a.pk}/service/", {"date": "2026-13-40", "problems": "x"})
    assert "日期格式应为" in r.content.decode()
    r = client.post(f"/cultivation/enterprises/{city.ent_a.pk}/service/", {"date": timezone.localdate().isoformat()})
    assert "至少填写一项" in r.content.decode()
    r = client.post(f"/cultivation/enterprises/{city.ent_a.pk}/service/", {"action": "assign", "officer": city.users.district_a.pk})
    assert r.status_code == 302 and service_reads.current_officer(city.ent_a) == city.users.district_a
    # another district's enterprise cannot be recommended
    client.post("/cultivation/pools/gazelle/recommend/", {"organization": city.ent_b.pk, "year": YEAR})
    assert not PoolEntry.objects.filter(organization=city.ent_b).exists()
    r = client.post("/cultivation/pools/gazelle/recommend/", {"organization": city.ent_a.pk, "year": YEAR, "note": "走访"})
    assert r.status_code == 302 and PoolEntry.objects.get(organization=city.ent_a).source == PoolSource.RECOMMENDED


def test_district_staff_get_404_for_another_districts_service_page(city, client):
    login(client, city.users.district_a)
    assert status(client, f"/cultivation/enterprises/{city.ent_b.pk}/service/") == 404


def test_district_listing_reserve_shows_only_its_areas(city, client):
    Qualification.objects.create(organization=city.ent_a, kind="listing_reserve", valid_from=dt.date(2025, 1, 1), stage="tutoring")
    Qualification.objects.create(organization=city.ent_b, kind="listing_reserve", valid_from=dt.date(2025, 1, 1), stage="restructuring")
    login(client, city.users.district_a)
    html = client.get("/cultivation/listing/").content.decode()
    assert "甲企业" in html
    assert "乙企业" not in html


def test_enterprise_user_sees_only_its_own_pages(city, client):
    servicework.record_service(city.users.staff, city.ent_a, date=timezone.localdate(), kind="visit", problems="缺研发人员")
    login(client, city.users.org_a)
    r = client.get("/cultivation/my/")
    assert r.status_code == 302 and r.url == f"/cultivation/enterprises/{city.ent_a.pk}/"
    assert status(client, f"/cultivation/enterprises/{city.ent_a.pk}/") == 200
    r = client.get(f"/cultivation/enterprises/{city.ent_a.pk}/service/")
    html = r.content.decode()
    assert r.status_code == 200 and "缺研发人员" in html
    assert "新增服务记录" not in html and "指派服务专员" not in html  # read-only
    r = client.post(f"/cultivation/enterprises/{city.ent_a.pk}/service/", {"date": timezone.localdate().isoformat(), "problems": "x"})
    assert r.status_code == 403 and ServiceRecord.objects.count() == 1
    for url in (
        f"/cultivation/enterprises/{city.ent_a2.pk}/",
        f"/cultivation/enterprises/{city.ent_b.pk}/",
        f"/cultivation/enterprises/{city.ent_b.pk}/service/",
    ):
        assert status(client, url) == 404, url
    for url in (
        "/cultivation/",
        "/cultivation/pools/gazelle/",
        "/cultivation/listing/",
        "/cultivation/benefits/",
        "/cultivation/rulesets/",
    ):
        assert status(client, url) == 403, url


def test_expert_gets_nothing(city, client):
    login(client, city.users.expert)
    for url in (
        "/cultivation/",
        "/cultivation/pools/gazelle/",
        "/cultivation/listing/",
        "/cultivation/benefits/",
        "/cultivation/rulesets/",
        "/cultivation/rulesets/new/",
    ):
        assert status(client, url) == 403, url
    for url in ("/cultivation/my/", f"/cultivation/enterprises/{city.ent_a.pk}/", f"/cultivation/enterprises/{city.ent_a.pk}/service/"):
        assert status(client, url) == 404, url
    assert status(client, "/cultivation/rulesets/gazelle-test/evaluate/", "post", year=YEAR) == 403
    client.logout()
    r = client.get("/cultivation/")
    assert r.status_code == 302 and "login" in r.url


def test_pool_page_filters_by_district_and_exports_xlsx(city, client):
    import openpyxl

    pools.refresh_pool(None, "gazelle", year=YEAR)
    login(client, city.users.staff)
    html = client.get("/cultivation/pools/gazelle/", {"year": YEAR}).content.decode()
    assert all(n in html for n in ("甲区高新企业", "甲企业", "乙企业")) and "共 3 家" in html
    html = client.get("/cultivation/pools/gazelle/", {"year": YEAR, "area": city.a.code}).content.decode()
    assert "甲区高新企业" in html and "甲企业" in html and "乙企业" not in html and "共 2 家" in html  # the zone under A counts
    html = client.get("/cultivation/pools/gazelle/", {"year": YEAR, "area": city.b.code}).content.decode()
    assert "乙企业" in html and "甲企业" not in html
    r = client.get("/cultivation/pools/gazelle/", {"year": YEAR, "area": city.a.code, "format": "xlsx"})
    assert r.status_code == 200
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in r["Content-Disposition"]
    rows = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row and row[0] == "排名")
    assert [row[1] for row in rows[header + 1 :] if row and row[1]] == ["甲区高新企业", "甲企业"]
    # district A sees only its own areas, even when asking for B
    login(client, city.users.district_a)
    html = client.get("/cultivation/pools/gazelle/", {"year": YEAR}).content.decode()
    assert "甲企业" in html and "乙企业" not in html
    html = client.get("/cultivation/pools/gazelle/", {"year": YEAR, "area": city.b.code}).content.decode()
    assert "乙企业" not in html and "共 0 家" in html


def test_pool_refresh_and_remove_from_the_page(city, client):
    login(client, city.users.staff)
    r = client.post("/cultivation/pools/gazelle/refresh/", {"year": YEAR})
    assert r.status_code == 302 and r.url == f"/cultivation/pools/gazelle/?year={YEAR}"
    assert PoolEntry.objects.filter(pool="gazelle", year=YEAR).count() == 3
    entry = PoolEntry.objects.get(organization=city.ent_a)
    client.post(f"/cultivation/pool-entries/{entry.pk}/remove/", {"reason": ""})
    assert PoolEntry.objects.get(pk=entry.pk).removed_on is None  # a reason is required
    client.post(f"/cultivation/pool-entries/{entry.pk}/remove/", {"reason": "企业迁出"})
    assert PoolEntry.objects.get(pk=entry.pk).removed_reason == "企业迁出"
    login(client, city.users.district_a)
    b_entry = PoolEntry.objects.get(organization=city.ent_b)
    assert status(client, f"/cultivation/pool-entries/{b_entry.pk}/remove/", "post", reason="x") == 404


# --------------------------------------------------------------------------------------------------
# Rule-set editor and evaluation from the web
# --------------------------------------------------------------------------------------------------
def editor_post(name, rows=(), json_text="", pool=""):
    data = {
        "name": name,
        "version": "2026.1",
        "title_zh": "本市瞪羚（测试）",
        "doc_number": "洛科〔2026〕2号",
        "pool": pool,
        "active": "on",
        "rows": str(max(len(rows), 1)),
        "json": json_text,
    }
    for i, row in enumerate(rows):
        data.update({f"r{i}-{k}": str(v) for k, v in row.items()})
    return data


def test_editor_creates_a_custom_set_from_rows(city, client):
    login(client, city.users.staff)
    r = client.post(
        "/cultivation/rulesets/new/",
        editor_post(
            "gazelle-city",
            [
                {
                    "code": "rd",
                    "zh": "研发费用",
                    "value": "rd_expense@-1",
                    "op": ">=",
                    "threshold": "300000",
                    "article": "第二条",
                    "tag": "NF",
                },
                {
                    "code": "staff",
                    "zh": "职工人数",
                    "value": "total_staff@-1",
                    "op": ">=",
                    "threshold": "50",
                    "article": "第二条",
                    "tag": "C",
                },
            ],
        ),
    )
    assert r.status_code == 302 and r.url == "/cultivation/rulesets/gazelle-city/"
    obj = CustomRuleSet.objects.get(name="gazelle-city")
    assert obj.version == "2026.1" and obj.active and obj.created_by == city.users.staff
    assert obj.definition["parameters"]["rd_threshold"]["value"] == 300000.0
    assert obj.parsed().name == "gazelle-city"
    assert client.get(r.url).status_code == 200
    edit = client.get(f"/cultivation/rulesets/custom/{obj.pk}/edit/").content.decode()
    assert 'value="rd_expense@-1"' in edit and 'value="300000.0"' in edit


def test_editor_creates_a_custom_set_from_json(city, client):
    login(client, city.users.staff)
    definition = build({**META, "name": "ignored"}, GAZELLE_ROWS)
    r = client.post("/cultivation/rulesets/new/", editor_post("gazelle-json", json_text=json.dumps(definition, ensure_ascii=False)))
    assert r.status_code == 302
    obj = CustomRuleSet.objects.get(name="gazelle-json")
    assert obj.definition["name"] == "gazelle-json" and obj.title == "瞪羚企业（测试）"
    r = client.post("/cultivation/rulesets/new/", editor_post("gazelle-bad", json_text="{not json"))
    assert r.status_code == 200 and not CustomRuleSet.objects.filter(name="gazelle-bad").exists()


def test_editor_rejects_shipped_names_and_invalid_rows(city, client):
    login(client, city.users.staff)
    row = {"code": "rd", "zh": "研发费用", "value": "rd_expense@-1", "op": ">=", "threshold": "300000", "tag": "C"}
    r = client.post("/cultivation/rulesets/new/", editor_post("hte-2016", [row]))
    assert r.status_code == 200 and "名称与内置规则集重复" in r.content.decode()
    r = client.post("/cultivation/rulesets/new/", editor_post("city-set", [{**row, "threshold": "三十万"}]))
    assert r.status_code == 200 and "第 1 行：门槛必须是数字" in r.content.decode()
    r = client.post("/cultivation/rulesets/new/", editor_post("city-set", [{**row, "value": "rd_expense@-1 * 2"}]))
    assert r.status_code == 200 and "无法识别的取值表达式" in r.content.decode()
    r = client.post("/cultivation/rulesets/new/", editor_post("city-set", [row], pool="no-such-pool"))
    assert r.status_code == 200 and "未知的培育库" in r.content.decode()
    assert CustomRuleSet.objects.filter(name__in=["hte-2016", "city-set"]).count() == 0


def test_editor_rejects_a_shipped_name_given_in_the_json(city, client):
    login(client, city.users.staff)
    definition = build({**META, "name": "hte-2016"}, GAZELLE_ROWS)
    client.post("/cultivation/rulesets/new/", editor_post("", json_text=json.dumps(definition, ensure_ascii=False)))
    assert not CustomRuleSet.objects.filter(name="hte-2016").exists()


def test_evaluate_from_the_web_creates_a_run(city, client):
    login(client, city.users.staff)
    r = client.post("/cultivation/rulesets/gazelle-test/evaluate/", {"year": YEAR})
    run = EvaluationRun.objects.get()
    assert r.status_code == 302 and r.url == f"/cultivation/runs/{run.pk}/"
    # the 4 enterprises of the module docstring: 甲区高新企业 and 乙未公开企业 pass, 甲企业 and 乙企业 fail
    assert (run.ruleset, run.year, run.created_by) == ("gazelle-test", YEAR, city.users.staff)
    assert run.passed == 2 and run.failed == 2 and run.total == 4
    r = client.post("/cultivation/rulesets/no-such-set/evaluate/", {"year": YEAR})
    assert r.status_code == 302 and r.url == "/cultivation/rulesets/" and EvaluationRun.objects.count() == 1


# --------------------------------------------------------------------------------------------------
# The enterprise page: qualifications with expiry
# --------------------------------------------------------------------------------------------------
def test_enterprise_page_warns_of_expiry_and_computes_the_hte_end(city, client):
    today = timezone.localdate()
    start = today + dt.timedelta(days=100)
    if (start.month, start.day) == (2, 29):
        start += dt.timedelta(days=1)
    # no valid_to: HTE certificates last 3 years, so the end is start − 1 day, 3 years after valid_from
    Qualification.objects.create(
        organization=city.ent_a, kind="hte", certificate_no="GR-TEST-1", valid_from=start.replace(year=start.year - 3)
    )
    end = start - dt.timedelta(days=1)
    Qualification.objects.create(
        organization=city.ent_a, kind="tech_sme", valid_from=today - dt.timedelta(days=100), valid_to=today + dt.timedelta(days=200)
    )  # beyond the 183-day warning
    login(client, city.users.org_a)
    html = client.get(f"/cultivation/enterprises/{city.ent_a.pk}/").content.decode()
    assert f"{(end - today).days} 天后到期" in html and html.count("天后到期") == 1
    assert f"至 {end:%Y-%m-%d}" in html and "国科发火〔2016〕32号 第十二条 [M]" in html
    assert "到期前 183 天起提醒" in html


def test_enterprise_page_shows_the_pool_gaps(city, client):
    pools.refresh_pool(None, "gazelle", year=YEAR)
    login(client, city.users.org_a)
    html = client.get(f"/cultivation/enterprises/{city.ent_a.pk}/").content.decode()
    assert "瞪羚企业培育对象" in html and "库内第 2 名" in html and "研发投入强度：还差 0.30 个百分点" in html


# --------------------------------------------------------------------------------------------------
# Navigation
# --------------------------------------------------------------------------------------------------
def nav(client, user):
    login(client, user)
    r = client.get(reverse("web:home"))
    assert r.status_code == 200
    return {s["key"]: s["url"] for s in r.context["nav_sections"]}, r.content.decode()


def test_navigation_by_role(city, client):
    sections, html = nav(client, city.users.staff)
    assert sections["cultivation"] == "cultivation:hub" and 'href="/cultivation/"' in html and "annual" in sections
    sections, html = nav(client, city.users.district_a)
    assert sections["cultivation"] == "cultivation:hub"
    sections, html = nav(client, city.users.org_a)
    assert sections["cultivation"] == "cultivation:my" and 'href="/cultivation/my/"' in html and "annual" in sections
    sections, html = nav(client, city.users.expert)
    assert "annual" not in sections and "cultivation" not in sections and 'href="/cultivation/' not in html
    client.logout()
    r = client.get(reverse("web:home"))
    assert "cultivation" not in {s["key"] for s in r.context["nav_sections"]}


def test_cultivation_nav_label_is_translated():
    with translation.override("zh-hans"):
        assert translation.gettext("Cultivation") != "Cultivation"


def test_district_recommends_its_own_enterprise_by_name_or_credit_code(city, client):
    login(client, city.users.district_a)
    url = reverse("cultivation:pool_recommend", args=["gazelle"])
    client.post(url, {"year": YEAR, "organization": city.ent_a.name, "note": "成长快"})
    assert PoolEntry.objects.filter(pool="gazelle", organization=city.ent_a, source="recommended").exists()
    # another district's enterprise is not found, whatever the district types
    for text in (city.ent_b.name, city.ent_b.uscc or "", str(city.ent_b.pk)):
        client.post(url, {"year": YEAR, "organization": text})
    assert not PoolEntry.objects.filter(pool="gazelle", organization=city.ent_b).exists()


def test_reading_firms_figures_on_cultivation_pages_is_in_the_audit_log(city, client):
    from heluo.core.models import SensitiveAccess

    login(client, city.users.staff)
    assert client.get(reverse("cultivation:enterprise", args=[city.ent_b.pk])).status_code == 200
    assert client.get(reverse("cultivation:pool", args=["gazelle"])).status_code == 200
    reads = SensitiveAccess.objects.filter(user=city.users.staff, kind="enterprise_financials")
    assert reads.filter(object_id=city.ent_b.pk, detail__contains="enterprise page").exists()
    assert reads.filter(detail__contains="pool gazelle").exists()
    login(client, city.org_b)  # a firm reading its own figures is not another party's read
    client.get(reverse("cultivation:enterprise", args=[city.ent_b.pk]))
    assert not SensitiveAccess.objects.filter(user=city.org_b).exists()
