"""Script injection through the plan's charts, in a real browser: a period label or a unit that holds markup is
shown as text in the tooltip and never runs (it did: the tooltip built HTML from the label)."""

import os
import shutil

import pytest

from heluo.core.permissions import SYSTEM
from heluo.plan.models import Indicator
from heluo.plan.services import observation_record

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM, reason="Debian's chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop in this thread

PAYLOAD = '<img src=x onerror="window.__injected=1">'


def test_a_period_label_with_markup_is_text_in_the_sparkline_tooltip(plan, live_server):
    indicator = Indicator.objects.filter(plan=plan, is_published=True).order_by("sort", "code").first()
    observation_record(SYSTEM, indicator=indicator, area=plan.city, year=2024, value="4321", period_label=PAYLOAD, source_document="测试")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        page = browser.new_page()
        page.goto(f"{live_server.url}/plan/")
        page.wait_for_function("window.echarts !== undefined")
        shown = page.evaluate(
            """() => {
              const sparks = JSON.parse(document.getElementById("plan-sparks").textContent);
              const out = [];
              for (const id of Object.keys(sparks)) {
                const el = document.getElementById(id), chart = el && echarts.getInstanceByDom(el);
                if (!chart) continue;
                const series = chart.getOption().series;
                series.forEach((s, si) => (s.data || []).forEach((d, di) => {
                  if (d && d.period && d.period.indexOf("<img") >= 0) {
                    chart.dispatchAction({type: "showTip", seriesIndex: si, dataIndex: di});
                    out.push(el.parentElement.innerText + " " + document.body.innerText);
                  }
                }));
              }
              return out;
            }"""
        )
        page.wait_for_timeout(300)
        injected = page.evaluate("window.__injected")
        tooltip_text = page.evaluate("Array.from(document.querySelectorAll('div')).map(d => d.innerText).join(' ')")
        browser.close()
    assert shown, "the observation with the payload is on a sparkline"
    assert injected is None
    assert "<img" in tooltip_text  # shown as text
