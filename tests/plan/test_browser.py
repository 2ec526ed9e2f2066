"""Script injection through the plan's pages and charts, in a real browser: a period label, an indicator's name or
unit, a district's or a planning zone's name that holds markup is shown as text (in the tooltips too) and never runs
(it did: the tooltip built HTML from the label). Under the Content Security Policy no violation is reported, so no
script of ours is inline; the same walk with the policy bypassed shows that escaping alone holds."""

import pytest

from heluo.core.models import Role
from heluo.core.permissions import SYSTEM
from heluo.geo.models import Area, PlanningZone
from heluo.plan.models import Indicator
from heluo.plan.services import observation_record
from tests import browser
from tests.helpers import PASSWORD, make_user

playwright = browser.require()
pytestmark = browser.MARKS

IMG = "<img src=x onerror=__xss=1>"
SCRIPT = "'\"><script>__xss=1</script>"
JIANXI = "410305"
# pages where a choice re-renders part of the page with htmx: the select changed, the chart redrawn
SWAPS = {
    "/plan/map/?year=2024": ("#map-indicator", "district-map"),
    "/plan/assessment/?year=2024&runs=20": ("#id_normalisation", "assessment-chart"),
}


@pytest.fixture
def marked(plan):
    """The plan with markup in a published indicator's name and unit, in a period label of its city value, in a
    district's and a planning zone's name; bureau staff to read the internal pages."""
    indicator = Indicator.objects.filter(plan=plan, is_published=True).order_by("sort", "code").first()
    Indicator.objects.filter(pk=indicator.pk).update(name_zh=indicator.name_zh + IMG + SCRIPT, unit=IMG)
    indicator.refresh_from_db()
    observation_record(SYSTEM, indicator=indicator, area=plan.city, year=2024, value="4321", period_label="2024年" + IMG + SCRIPT)
    Area.objects.filter(code=JIANXI).update(name_zh="涧西区" + IMG)
    zone = Area.objects.get(code=JIANXI).planning_zone
    PlanningZone.objects.filter(pk=zone.pk).update(name_zh=zone.name_zh + IMG)
    make_user("staff", Role.BUREAU_STAFF)
    return indicator


def walk(indicator, base, **context_options):
    """(texts of the tooltips shown, pages without a payload shown as text, violations, script errors, whether any
    payload ran) over the public pages and bureau staff's pages, the htmx re-renders included."""
    code = indicator.code
    tours = {
        None: ["/plan/public/", f"/plan/public/indicators/{code}/", "/plan/public/map/?year=2024", "/plan/report/?year=2024"],
        "staff": [
            "/plan/",
            f"/plan/indicators/{code}/",
            "/plan/map/?year=2024",
            "/plan/warnings/",
            "/plan/assessment/?year=2024&runs=20",
            "/plan/report/?year=2024",
            "/plan/report/print/?year=2024",
        ],
    }
    tips, not_shown, violations, errors, ran = [], [], [], [], False
    for username, urls in tours.items():
        with browser.chromium(**context_options) as context:
            page = context.new_page()
            watch = browser.Watch(page)
            if username:
                page.goto(f"{base}/login/")
                page.fill("#id_username", username)
                page.fill("#id_password", PASSWORD)
                page.click("form:has(#id_username) button[type=submit]")
                page.wait_for_load_state()
            for url in urls:
                assert page.goto(base + url).status == 200, url
                tips += browser.show_every_tooltip(page)
                if IMG not in page.locator("body").inner_text():
                    not_shown.append(url)
                ran = ran or browser.injected(page)
                if url in SWAPS:  # htmx swaps in a new result (its data block too); plan.js draws its chart
                    select, chart = SWAPS[url]
                    page.evaluate("(id) => { document.getElementById(id).dataset.old = '1'; }", chart)
                    page.select_option(select, index=1)
                    page.wait_for_function(
                        "(id) => { const el = document.getElementById(id); return el && !el.dataset.old && echarts.getInstanceByDom(el); }",
                        arg=chart,
                    )
                    tips += browser.show_every_tooltip(page)
                    ran = ran or browser.injected(page)
            violations += watch.violations
            errors += watch.errors
    ran = ran or any(t.endswith("INJECTED") for t in tips)
    return tips, not_shown, violations, errors, ran


def test_markup_in_plan_data_never_runs(marked, live_server):
    tips, not_shown, violations, errors, ran = walk(marked, live_server.url)
    assert not ran
    assert violations == [] and errors == []
    assert not_shown == []
    shown = " ".join(tips)
    assert "2024年" + IMG in shown  # the period label, as text in the sparkline's and the indicator chart's tooltips
    assert "涧西区" + IMG in shown  # the district, in the map's and the assessment's tooltips


def test_escaping_holds_without_the_policy(marked, live_server):
    _, _, _, errors, ran = walk(marked, live_server.url, bypass_csp=True)
    assert not ran
    assert errors == []


def test_a_pointer_on_a_sparkline_point_shows_the_label_as_text(marked, live_server):
    """A real pointer resting on the point (not a dispatched action): the original report's path."""
    with browser.chromium() as context:
        page = context.new_page()
        watch = browser.Watch(page)
        page.goto(f"{live_server.url}/plan/public/")
        point = page.evaluate(
            """() => {
              const sparks = JSON.parse(document.getElementById("plan-sparks").textContent);
              for (const id of Object.keys(sparks)) {
                const el = document.getElementById(id), chart = el && echarts.getInstanceByDom(el);
                if (!chart) continue;
                const series = chart.getOption().series;
                for (let si = 0; si < series.length; si++) {
                  for (const d of series[si].data || []) {
                    if (d && d.period && d.period.indexOf("<img") >= 0) {
                      el.scrollIntoView({behavior: "instant", block: "center"});  // not smooth: measured at once
                      const [x, y] = chart.convertToPixel({seriesIndex: si}, d.value), box = el.getBoundingClientRect();
                      return [box.left + x, box.top + y, id];
                    }
                  }
                }
              }
              return null;
            }"""
        )
        assert point, "the observation with the payload is on a sparkline"
        page.mouse.move(point[0] - 30, point[1] + 10)  # from beside the point onto it, as a hand would
        page.mouse.move(point[0], point[1], steps=5)
        page.wait_for_function(f"() => document.getElementById('{point[2]}').innerText.includes('2024年<img')")
        assert not browser.injected(page)
        assert watch.violations == [] and watch.errors == []
