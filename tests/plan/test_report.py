"""The annual monitoring report: narrative sentences checked against hand computations, the Word document,
the HTML pages and who may read which report, and the `heluo plan report` command."""

import datetime as dt
import io

import docx
import pytest
from django.core.management import call_command
from django.urls import reverse

from heluo.core.codes import make_uscc
from heluo.core.models import Role
from heluo.core.permissions import PUBLIC, SYSTEM
from heluo.geo.models import Area
from heluo.orgs.models import Organization, Qualification
from heluo.plan.models import Indicator, Plan
from heluo.plan.rendering.docx import render_docx
from heluo.plan.selectors.report import build_report, fmt_number, fmt_percent, is_chinese
from heluo.plan.services import observation_record

from ..conftest import make_user

JIANXI, LUOLONG = "410305", "410311"


@pytest.fixture
def hte(plan):
    """Three 高新技术企业 in 涧西区, one in 洛龙区; one of 涧西's certificates only from 2024, one expired in 2023."""
    jianxi, luolong = Area.objects.get(code=JIANXI), Area.objects.get(code=LUOLONG)
    spec = [
        (jianxi, dt.date(2022, 1, 1), dt.date(2027, 12, 31)),
        (jianxi, dt.date(2023, 3, 1), dt.date(2026, 2, 28)),
        (jianxi, dt.date(2024, 6, 1), dt.date(2027, 5, 31)),
        (luolong, dt.date(2022, 10, 1), dt.date(2025, 9, 30)),
        (jianxi, dt.date(2020, 12, 1), dt.date(2023, 11, 30)),
    ]
    for n, (area, start, end) in enumerate(spec, 1):
        org = Organization.objects.create(name=f"高企{n}", uscc=make_uscc("9", "1", area.code, f"MA0000{n:02d}"), area=area)
        Qualification.objects.create(organization=org, kind="hte", certificate_no=f"GR2024410000{n:02d}", valid_from=start, valid_to=end)
    return Indicator.objects.get(plan=plan, code="K06")


def item(report, code):
    return next(i for i in report.indicators_all if i.code == code)


def shares(actual, baseline=755, target=1600, years=4, span=5):
    """Completion and expected completion on K06's compound path, rounded as the report rounds (one decimal)."""
    expected = baseline * (target / baseline) ** (years / span)
    done = round((actual - baseline) / (target - baseline) * 100 + 1e-9, 1)
    due = round((expected - baseline) / (target - baseline) * 100 + 1e-9, 1)
    return done, due, round(done - due, 1)


# --- numbers the Chinese way ------------------------------------------------------------------------------------


def test_number_formatting():
    assert fmt_number(1496) == "1,496" and fmt_number(176.27) == "176.27" and fmt_number(3.4, 2) == "3.4"
    assert fmt_number(1019.567, 0) == "1,020" and fmt_percent(0.876923) == "87.7%" and fmt_percent(0.8) == "80.0%"
    assert is_chinese("各来源数据存在出入") and not is_chinese("Implied by the 2023 release: 3.47% “比上年”.")


# --- narrative sentences ----------------------------------------------------------------------------------------


def test_hte_sentence_with_a_reported_2024_value_is_ahead_of_schedule(plan, city, hte):
    observation_record(
        SYSTEM,
        indicator=hte,
        area=city,
        year=2024,
        value="1496",
        source_document="2025年全市科技工作会议",
        source_publisher="洛阳市科学技术局",
        source_date=dt.date(2025, 2, 20),
    )
    report = build_report(SYSTEM, plan, 2024, today=dt.date(2025, 3, 1))
    done, due, gap = shares(1496)
    # Hand computation: (1496 − 755) / (1600 − 755) = 87.7 %; the compound path asks 755·(1600/755)^0.8 = 1,376.8
    # → 73.6 % by 2024; 87.7 − 73.6 = 14.1 points ahead.
    assert (done, due, gap) == (87.7, 73.6, 14.1)
    sentence = item(report, "K06").sentence
    assert sentence.startswith(f"2024年全市高新技术企业达到1,496家，完成规划目标进度{done}%，比时序进度快{gap}个百分点。")
    # The platform's own count (the four valid certificates at 31 December 2024) is shown next to it.
    assert "据平台登记记录计算，2024年末全市高新技术企业为4家，与统计发布数相差-1,492家" in sentence
    k06 = item(report, "K06")
    assert (k06.latest_text, k06.period, k06.completion_text, k06.expected_text) == ("1,496", "2024年", "87.7%", "73.6%")
    assert report.sources[k06.source - 1].document == "2025年全市科技工作会议"


def test_hte_sentence_computed_from_the_records_is_behind_schedule(plan, hte):
    report = build_report(SYSTEM, plan, 2024, prefer="computed")
    # Valid on 31 Dec 2024: three in 涧西 (the 2020 certificate ended in 2023) and one in 洛龙 → 4.
    done, due, gap = shares(4)
    assert (done, due) == (-88.9, 73.6) and gap == -162.5
    assert item(report, "K06").sentence.startswith(
        "2024年末全市高新技术企业为4家（据平台登记记录计算），低于2020年基期水平（755家），"
        f"完成规划目标进度{done}%，比时序进度慢{abs(gap)}个百分点。"
    )


def test_district_report_counts_its_own_hte_and_compares_with_last_year(plan, hte):
    report = build_report(SYSTEM, plan, 2024, Area.objects.get(code=JIANXI))
    assert report.title == "洛阳市“十四五”科技创新和一流创新生态建设规划涧西区2024年度监测报告"
    k06 = item(report, "K06")
    # 涧西区: 31 Dec 2023 → 2 (the 2020 and 2023 certificates… the 2020 one ended 30 Nov 2023, so 2022 + 2023 ones);
    # 31 Dec 2024 → 3. No target for a district: change on the year, no completion.
    assert k06.sentence.startswith("2024年末涧西区高新技术企业达到3家（据平台登记记录计算），比上年增加1家（增长50.0%）")
    assert k06.completion_text == "—" and k06.target_text == "—"
    assert [p.value for p in k06.series] == [1, 1, 2, 2, 3]  # 2020 … 2024


def test_revised_value_says_so(plan):
    report = build_report(SYSTEM, plan, 2023)
    sentence = item(report, "K02").sentence
    # 2023: 3.47 % first released, revised to 3.44 %.
    assert sentence.startswith("2023年全市全社会研发经费投入强度达到3.44%（修订后数据，初次发布为3.47%；")
    assert item(report, "K02").revised
    statuses = {(s.indicator, s.period, s.value): s.status for s in report.sources}
    assert statuses[("全社会研发经费投入强度", "2023年", "3.44%")] == "修订"
    assert statuses[("全社会研发经费投入强度", "2023年", "3.47%")] == "初次发布（已被修订）"


def test_no_data_for_the_year_partial_year_and_target_achieved_wording(plan):
    report = build_report(SYSTEM, plan, 2024)
    k04 = item(report, "K04").sentence
    # (113 − 53.8) / (120 − 53.8) = 89.4 %; 2022 on the compound path: 53.8·(120/53.8)^0.4 → 30.7 % → 58.7 points.
    assert k04.startswith(
        "全市技术合同成交额暂无2024年数据，最近一期为2022年（113亿元），按该期数据，完成规划目标进度89.4%，比同期时序进度快58.7个百分点。"
    )
    assert "2024年上半年全市技术合同成交额为83.75亿元（年内累计数，不与年度目标比较）" in k04
    assert item(report, "K03").sentence.startswith(
        "2024年全市高新技术产业增加值占规模以上工业增加值比重达到55.8%，完成规划目标进度186.6%，已提前实现规划目标（2025年达到50%）。"
    )
    assert item(report, "K01").sentence.startswith(
        "全市财政科技投入暂无规划期内监测数据（2020年基期值为25.98亿元）；规划目标为2025年达到50亿元"
    )
    # Part of a year: the source's own words (截至10月), or 1—9月 for a ratio given by month.
    observation_record(
        SYSTEM,
        indicator=Indicator.objects.get(plan=plan, code="K02"),
        area=plan.city,
        year=2025,
        month=9,
        value="3.2",
        source_document="测试：前三季度研发投入快报",
    )
    report = build_report(SYSTEM, plan, 2025)
    assert item(report, "K06").sentence.startswith("2025年（截至10月）全市高新技术企业达到1,610家，完成规划目标进度101.2%，已实现规划目标")
    assert item(report, "K02").sentence.startswith("2025年1—9月全市全社会研发经费投入强度达到3.2%，")
    assert item(report, "K02").period == "2025年1—9月"


def test_decrease_is_better_indicator(plan, city):
    rank = Indicator.objects.get(plan=plan, code="G20")  # 洛阳高新区全国综合排名: 进入前30名
    rank.baseline_year, rank.baseline_value = 2020, 50
    rank.save()
    observation_record(SYSTEM, indicator=rank, area=city, year=2024, value="38", source_document="科技部火炬中心评价结果")
    sentence = item(build_report(SYSTEM, plan, 2024), "G20").sentence
    # (38 − 50) / (30 − 50) = 60.0 %; linear path → 80.0 % in 2024; 20.0 points behind.
    assert sentence.startswith("2024年洛阳高新区全国综合排名上升至第38名，完成规划目标进度60.0%，比时序进度慢20.0个百分点。")


def test_summary_at_risk_and_method(plan):
    report = build_report(SYSTEM, plan, 2024)
    assert report.title == "洛阳市“十四五”科技创新和一流创新生态建设规划2024年度监测报告"
    assert "2024年是规划期（2021—2025年）的第4年，按时间计算的时序进度为80.0%" in report.summary[0]
    risky = {i.code: i for i in report.at_risk}
    assert "K02" in risky and any("达不到目标3.75%" in r for r in risky["K02"].risk_reasons)
    method = "".join(report.method)
    assert "R ≥ 0.95" in method and "0.6 ≤ R < 0.95" in method and "1.5%" in method and "Statistics Canada" in method
    assert len(report.table_rows) == Indicator.objects.filter(plan=plan).count()


def test_public_version_has_published_figures_only(plan, hte):
    report = build_report(PUBLIC, plan, 2024, public=True)
    assert report.public and "公开版" in report.edition
    assert all(s.status != "平台计算" for s in report.sources)
    assert "平台登记记录计算，2024年末" not in item(report, "K06").sentence


# --- Word -------------------------------------------------------------------------------------------------------


def _table_with_header(document, first):
    return next(t for t in document.tables if t.rows[0].cells[0].text == first)


def test_docx_has_title_progress_table_and_sources(plan, hte):
    report = build_report(SYSTEM, plan, 2024)
    document = docx.Document(io.BytesIO(render_docx(report)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "洛阳市“十四五”科技创新和一流创新生态建设规划" in text and "2024年度监测报告" in text
    assert document.core_properties.title == report.title
    progress = _table_with_header(document, "代码")
    assert [c.text for c in progress.rows[0].cells][:6] == ["代码", "指标", "单位", "基期值（年）", "目标值（年）", "最新值"]
    assert len(progress.rows) == 1 + Indicator.objects.filter(plan=plan).count()
    k06 = next(r for r in progress.rows if r.cells[0].text == "K06")
    assert [c.text for c in k06.cells][1:5] == ["高新技术企业数", "家", "755（2020）", "1,600（2025）"]
    sources = _table_with_header(document, "序号")
    assert len(sources.rows) == 1 + len(report.sources)
    assert "附录一　数据来源" in text and "附录二　方法说明" in text
    # Chinese text is set in 宋体 through the East Asian font slot.
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "宋体"


def test_command_writes_a_docx(plan, tmp_path):
    out = tmp_path / "report.docx"
    call_command("plan", "report", "--year", "2024", "--format", "docx", "--output", str(out))
    document = docx.Document(str(out))
    assert any("2024年度监测报告" in p.text for p in document.paragraphs)
    html = tmp_path / "report.html"
    call_command("plan", "report", "--year", "2024", "--area", JIANXI, "--format", "html", "--output", str(html))
    page = html.read_text(encoding="utf-8")
    assert "涧西区2024年度监测报告" in page and "echarts" in page


# --- web --------------------------------------------------------------------------------------------------------


def test_report_page_for_bureau_staff(plan, hte, client):
    client.force_login(make_user("staff", Role.BUREAU_STAFF))
    response = client.get(reverse("plan:report"), {"year": 2024})
    assert response.status_code == 200
    page = response.content.decode()
    assert "2024年度监测报告" in page and 'id="chart-K06"' in page and "vendor/echarts/echarts.min.js" in page
    assert "内部版" in page and "指标进展总表" in page
    district = client.get(reverse("plan:report"), {"year": 2024, "area": JIANXI})
    assert district.status_code == 200 and "涧西区2024年度监测报告" in district.content.decode()
    download = client.get(reverse("plan:report_download"), {"year": 2024, "format": "docx"})
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in download["Content-Disposition"]
    docx.Document(io.BytesIO(download.content))
    printed = client.get(reverse("plan:report_print"), {"year": 2024})
    assert printed.status_code == 200 and "<html" in printed.content.decode()


def test_report_pages_carry_the_policy_nonce_and_the_download_carries_its_scripts(plan, client):
    """Under the Content Security Policy: the report's style and scripts carry the response's nonce (the charts are
    plan/report.js, not inline); the downloaded file, opened offline, holds ECharts and the chart script inline."""
    import re

    for name in ("plan:report", "plan:report_print"):
        response = client.get(reverse(name), {"year": 2024})
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        tags = re.findall(r"<(?:script|style)\b[^>]*>", response.content.decode())
        assert 'src="/static/plan/report.js"' in " ".join(tags)
        assert all(f'nonce="{nonce}"' in t for t in tags if "application/json" not in t), (name, tags)
    page = client.get(reverse("plan:report_download"), {"year": 2024, "format": "html"}).content.decode()
    assert 'src="/static/' not in page and "echarts" in page and 'getElementById("report-charts")' in page


def test_who_may_read_which_report(plan, client):
    jianxi = Area.objects.get(code=JIANXI)
    # Anonymous: the public city report; a district report asks to log in.
    public = client.get(reverse("plan:report"), {"year": 2024})
    assert public.status_code == 200 and "公开版" in public.content.decode()
    assert client.get(reverse("plan:report"), {"year": 2024, "area": JIANXI}).status_code == 302
    # District staff: the city and their own district, not another one.
    client.force_login(make_user("jianxi", Role.DISTRICT_STAFF, areas=[jianxi]))
    assert client.get(reverse("plan:report"), {"year": 2024, "area": JIANXI}).status_code == 200
    assert "内部版" in client.get(reverse("plan:report"), {"year": 2024}).content.decode()
    assert client.get(reverse("plan:report"), {"year": 2024, "area": LUOLONG}).status_code == 403
    assert client.get(reverse("plan:report"), {"year": 1990}).status_code == 404
    # An unpublished plan has no public report.
    client.logout()
    Plan.objects.filter(pk=plan.pk).update(is_published=False)
    assert client.get(reverse("plan:report"), {"year": 2024}).status_code == 404
