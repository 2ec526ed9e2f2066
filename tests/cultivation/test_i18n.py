"""The cultivation pages speak Chinese first and English when the user picks it.

Texts of the pages are English msgids translated in the zh_Hans catalogue; texts of the data files (pool
names, rule-set titles, criterion names, gap texts, configuration labels) carry both languages and follow
the active one. Uses the city of ``test_work`` with English criterion names on the 瞪羚 rule
set: 甲企业 is number 2 of the 瞪羚 pool, 0.30 percentage points short of the 3% R&D intensity.
"""

import io

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from heluo.cultivation.engine import pools as pool_config
from heluo.cultivation.models import Outcome, PoolEntry, PoolSource
from heluo.cultivation.services import pools
from heluo.cultivation.templatetags.cultivation_i18n import join_local, localize
from tests.helpers import PASSWORD

from .conftest import YEAR

ROWS = [
    {
        "code": "rd_ratio",
        "zh": "研发投入强度",
        "en": "R&D intensity",
        "value": "rd_expense@-1 / sales_revenue@-1",
        "op": ">=",
        "threshold": "0.03",
        "article": "第三条",
        "tag": "C",
    },
    {
        "code": "staff",
        "zh": "职工人数",
        "en": "Staff",
        "value": "total_staff@-1",
        "op": ">=",
        "threshold": "50",
        "article": "第三条",
        "tag": "C",
    },
]


@pytest.fixture
def gazelle_rows():
    return ROWS


@pytest.fixture
def city(city):
    """The shared city (with English criterion names), its 瞪羚 pool filled."""
    pools.refresh_pool(None, "gazelle", year=YEAR)
    return city


def page(client, user, url, language=None, **params):
    """The page as ``user`` sees it; ``language="en"`` picks English as the language switcher does (cookie)."""
    assert client.login(username=user.username, password=PASSWORD)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


def test_set_language_switches_the_hub_to_english(city, client):
    assert client.login(username="staff", password=PASSWORD)
    html = client.get(reverse("cultivation:hub"), {"year": YEAR}).content.decode()
    assert '<html lang="zh-hans">' in html
    assert all(t in html for t in ("企业梯度培育", "培育库", "上市后备库", "高新技术企业培育库", "重新评价并更新", "2025 年在库企业"))
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("cultivation:hub")})
    assert response.status_code == 302
    html = client.get(reverse("cultivation:hub"), {"year": YEAR}).content.decode()
    assert '<html lang="en">' in html
    assert all(
        t in html
        for t in (
            "Tiered enterprise cultivation",
            "Cultivation pools",
            "Listing reserve pool",
            "High-tech enterprise reserve",
            "Gazelle candidates",
            "Re-evaluate and update",
            "Enterprises in the pool, 2025",
            "Rule sets",
            "Evaluation runs",
        )
    )
    for chinese in ("企业梯度培育", "培育库", "上市后备库", "高新技术企业培育库", "重新评价并更新", "研发激励", "免申即享", "在库企业"):
        assert chinese not in html, chinese


def test_pool_page_in_both_languages(city, client):
    url = reverse("cultivation:pool", args=["gazelle"])
    html = page(client, city.users.staff, url, year=YEAR)
    assert "瞪羚企业培育对象 · 2025" in html and "共 3 家" in html and "还差什么" in html and "服务专员" in html
    assert "研发投入强度：研发投入强度：还差 0.30 个百分点" in html and "评价结果" in html  # the source of the entries
    html = page(client, city.users.staff, url, language="en", year=YEAR)
    assert "Gazelle candidates · 2025" in html and "3 enterprises in all." in html
    assert all(t in html for t in ("Rank", "What is missing", "Service officer", "Evaluation result", "Export Excel"))
    # the gaps stored in Chinese are shown with the criterion's English name and the evaluation's English gap
    assert "R&amp;D intensity: R&amp;D intensity: short by 0.30 pp" in html and "Staff: Staff: short by 10" in html
    for chinese in ("瞪羚企业培育对象", "共 3 家", "还差什么", "服务专员", "还差 0.30 个百分点", "研发投入强度", "评价结果", "出库"):
        assert chinese not in html, chinese


def test_pool_export_headers_follow_the_language(city, client):
    import openpyxl

    url = reverse("cultivation:pool", args=["gazelle"])
    assert client.login(username="staff", password=PASSWORD)
    first = lambda r: list(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))[:2]  # noqa: E731
    header, row = first(client.get(url, {"year": YEAR, "format": "xlsx"}))
    assert header[:3] == ("排名", "企业", "统一社会信用代码") and row[4] == "评价结果"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    header, row = first(client.get(url, {"year": YEAR, "format": "xlsx"}))
    assert header[:3] == ("Rank", "Enterprise", "Unified social credit code") and row[4] == "Evaluation result"


def test_enterprise_page_in_both_languages(city, client):
    url = reverse("cultivation:enterprise", args=[city.ent_a.pk])
    html = page(client, city.users.org_a, url)
    assert all(
        t in html
        for t in (
            "甲企业 · 培育概况",
            "已获资质",
            "接近符合：还差什么",
            "瞪羚企业培育对象",
            "（2025 年，库内第 2 名）",
            "研发投入强度：研发投入强度：还差 0.30 个百分点",
            "服务专员与近期服务",
        )
    )
    html = page(client, city.users.org_a, url, language="en")
    assert all(
        t in html
        for t in (
            "甲企业 · Cultivation overview",
            "Qualifications held",
            "Nearly qualifies: what is missing",
            "Gazelle candidates</strong> (2025, number 2 in the pool)",
            "R&amp;D intensity: short by 0.30 pp",
            "Service officer and recent services",
            "Not assigned yet",
        )
    )
    assert "甲企业" in html  # data is shown as stored
    for chinese in ("培育概况", "已获资质", "接近符合", "瞪羚企业培育对象", "库内第", "还差", "服务专员", "尚未指派"):
        assert chinese not in html, chinese


def test_incentives_page_in_both_languages(city, client):
    url = reverse("cultivation:incentives")
    html = page(client, city.users.staff, url, year=YEAR - 1, list="deduction")
    assert all(
        t in html
        for t in (
            "研发激励 · 2024 年度",
            "研发投入十强",
            "研发增长十快",
            "研发费用加计扣除估算",
            "加计扣除额（元）",
            "示例配置",
            "加计扣除为估算，不是税务核定",
            "共 4 家。",
        )
    )
    html = page(client, city.users.staff, url, language="en", year=YEAR - 1, list="deduction")
    assert all(
        t in html
        for t in (
            "R&D incentives · 2024",
            "Top ten by R&amp;D expense",
            "Top ten by R&amp;D growth",
            "R&amp;D super-deduction estimate",
            "Extra deduction (yuan)",
            "EXAMPLE configuration",
            "The super-deduction is an estimate, not a tax assessment",
            "4 enterprises in all.",
        )
    )
    for chinese in ("研发激励", "研发投入十强", "研发增长十快", "加计扣除", "研发费用", "示例配置", "共 4 家", "年度"):
        assert chinese not in html, chinese


def test_labels_and_the_localized_filter_follow_the_language():
    pool = pool_config.pools()["hte_reserve"]
    with translation.override("zh-hans"):
        assert (str(Outcome.PASS.label), str(PoolSource.RECOMMENDED.label)) == ("符合", "推荐入库")
        assert (
            str(PoolEntry._meta.verbose_name) == "培育库企业"
            and str(PoolEntry._meta.get_field("removed_reason").verbose_name) == "出库原因"
        )
        assert localize(pool) == "高新技术企业培育库" and localize({"gap": "还差 1 人", "gap_en": "1 short"}, "gap") == "还差 1 人"
        assert join_local(["a", "<b>"]) == "a、&lt;b&gt;"
    with translation.override("en"):
        assert (str(Outcome.PASS.label), str(PoolSource.RECOMMENDED.label)) == ("Qualifies", "Recommended")
        assert (
            str(PoolEntry._meta.verbose_name) == "Pool entry"
            and str(PoolEntry._meta.get_field("removed_reason").verbose_name) == "Reason for removal"
        )
        assert localize(pool) == "High-tech enterprise reserve" and localize({"gap": "还差 1 人", "gap_en": "1 short"}, "gap") == "1 short"
        assert localize({"title_zh": "标题", "title_en": ""}) == "标题"  # no English: the Chinese stays
        assert join_local(["a", "<b>"]) == "a, &lt;b&gt;"
