"""The demo's cultivation work, so every role sees it filled in: pools for the latest application year,
a demonstration 瞪羚 rule set (labelled as such), service officers and logs for some reserve enterprises of
the demo districts, and a published 免申即享 list. Built once, with the demo data; a second run changes
nothing. ``reset_demo_cultivation`` removes it (``heluo demo --reset``).
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max

from heluo.core.middleware import acting_as
from heluo.cultivation.engine.pools import pools as configured_pools
from heluo.cultivation.engine.ruleset_builder import build
from heluo.cultivation.models import BenefitList, BenefitPolicy, CustomRuleSet, ServiceRecord
from heluo.cultivation.selectors.pools import members as pool_members
from heluo.cultivation.selectors.rulesets import pool_ruleset
from heluo.cultivation.services import benefits, servicework
from heluo.cultivation.services.pools import refresh_pools
from heluo.orgs.models import EnterpriseAnnual

GAZELLE_DEMO = {
    "meta": {
        "name": "gazelle-demo",
        "version": "demo.1",
        "title_zh": "瞪羚企业（演示用示例条件，非正式认定标准）",
        "title_en": "Gazelle enterprise (demonstration criteria, not an official standard)",
        "doc_number": "演示示例 / demo example",
        "doc_title": "瞪羚认定条件须按本市文件配置",
    },
    "rows": [
        {
            "code": "revenue_min",
            "zh": "上年营业收入不低于1000万元",
            "value": "sales_revenue@-1",
            "op": ">=",
            "threshold": "10000000",
            "tag": "NF",
        },
        {
            "code": "growth",
            "zh": "上年营业收入增长率不低于20%",
            "value": "growth(sales_revenue@-2, sales_revenue@-1)",
            "op": ">=",
            "threshold": "0.2",
            "tag": "NF",
        },
        {
            "code": "rd_ratio",
            "zh": "上年研发费用占营业收入比例不低于3%",
            "value": "rd_expense@-1 / sales_revenue@-1",
            "op": ">=",
            "threshold": "0.03",
            "tag": "NF",
        },
    ],
}
RECORDS = [
    ("visit", "研发费用归集不规范，担心高企认定时不被认可", "讲解研发费用辅助账设置，推荐财税服务机构", "企业已建立辅助账", "resolved"),
    ("meeting", "高新技术产品收入占比偏低", "梳理产品目录，指导按领域归集收入", "", "open"),
    ("call", "希望了解科技创新券使用范围", "介绍创新券申领流程", "企业计划申领检测券", "resolved"),
]


def build_demo_cultivation(log=print) -> dict:
    latest = EnterpriseAnnual.objects.aggregate(y=Max("year"))["y"]
    if latest is None or CustomRuleSet.objects.filter(name=GAZELLE_DEMO["meta"]["name"]).exists():
        return {}  # no demo data, or its cultivation work is already there
    year = latest + 1  # the application year that reads the newest annual data
    staff = get_user_model().objects.filter(username="staff").first()
    with acting_as(staff, "demo"), transaction.atomic():  # all or nothing, and one commit (one audit seal)
        d = build(GAZELLE_DEMO["meta"], GAZELLE_DEMO["rows"])
        CustomRuleSet.objects.create(
            name=d["name"], title=d["title_zh"], version=d["version"], pool="gazelle", definition=d, created_by=staff
        )
        codes = [code for code, pool in configured_pools().items() if pool_ruleset(pool)]
        sizes = {code: out["members"] for code, out in refresh_pools(staff, codes, year=year).items()}
        _service_work(year)
        benefits.sync_policies()
        for policy in BenefitPolicy.objects.filter(active=True):
            if not BenefitList.objects.filter(policy=policy, year=year).exists():
                blist = benefits.draft_list(staff, policy, year=year)
                benefits.confirm_list(staff, blist)
                benefits.publish_list(staff, blist)
    log(f"  培育库 / pools {year}: " + ", ".join(f"{k} {v}" for k, v in sizes.items()))
    return sizes


def _service_work(year: int):
    User = get_user_model()
    rng = random.Random(year)
    today = dt.date.today()
    for username in ("jianxi", "luolong"):
        officer = User.objects.filter(username=username).first()
        if officer is None:
            continue
        entries = pool_members(officer, "hte_reserve", year)[:12]
        for i, e in enumerate(entries):
            servicework.assign_officer(officer, e.organization, officer=officer, since=today - dt.timedelta(days=90))
            if ServiceRecord.objects.filter(organization=e.organization).exists():
                continue
            for j, (kind, problems, help_given, outcome, status) in enumerate(rng.sample(RECORDS, 2)):
                servicework.record_service(
                    officer,
                    e.organization,
                    date=today - dt.timedelta(days=60 - 20 * j + i),
                    kind=kind,
                    problems=problems,
                    help_given=help_given,
                    outcome=outcome,
                    status=status,
                )


def reset_demo_cultivation(usernames):
    """What the demo's cultivation step made: the lists of the example policies, the demo 瞪羚 set,
    and the evaluation runs of the demo accounts (pool entries and logs go with the demo enterprises)."""
    from heluo.cultivation.models import BenefitGrant, EvaluationRun, PoolEntry, ServiceAssignment

    ServiceAssignment.objects.filter(officer__username__in=usernames).delete()

    examples = BenefitPolicy.objects.filter(is_example=True)  # the policies themselves are reference data: they stay
    BenefitGrant.objects.filter(benefit_list__policy__in=examples).delete()
    BenefitList.objects.filter(policy__in=examples).delete()
    CustomRuleSet.objects.filter(name=GAZELLE_DEMO["meta"]["name"]).delete()
    runs = EvaluationRun.objects.filter(created_by__username__in=usernames)
    PoolEntry.objects.filter(run__in=runs).delete()
    BenefitList.objects.filter(run__in=runs).delete()
    runs.delete()
