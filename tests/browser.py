"""What the browser tests share: Debian's chromium driven by Playwright (no browser is downloaded), and a watch on
each page for Content Security Policy violations and uncaught script errors.

A module using it starts with `playwright = browser.require()` and sets `pytestmark = browser.MARKS`; the fixtures
`chromium` (one launch per module) and `visit(username)` (a signed-in page of its own context, its violations and
errors asserted at the end) are in tests/conftest.py."""

import os
import shutil
from contextlib import contextmanager

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MARKS = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM, reason="Debian's chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]

# Runs before any script of each document (Playwright's init scripts are not subject to the page's policy): every
# violation is written to the console, where `Watch` collects it across navigations.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


def require():
    """The Playwright sync API, or the module is skipped."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop in this thread
    return pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")


@contextmanager
def launched():
    """Debian's chromium, launched once for many contexts (a module's tests share it: a launch takes seconds)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page, base: str, username: str):
    """Signs the page's context in through the login form as `username` (the test users' password)."""
    from tests.helpers import PASSWORD

    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form:has(#id_username) button[type=submit]")
    page.wait_for_load_state()


@contextmanager
def chromium(**context_options):
    """A new browser context (`bypass_csp=True`: the page's policy is ignored, to test escaping on its own)."""
    with launched() as browser:
        yield browser.new_context(**context_options)


class Watch:
    """The policy violations and script errors of a page, as 'url: message' lines."""

    def __init__(self, page):
        self.page, self.violations, self.errors = page, [], []
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))

    def _console(self, message):
        text = message.text
        if "CSP violation" in text or "Content Security Policy" in text:
            self.violations.append(f"{self.page.url}: {text}")


# Markup that came from data and became elements: an <img> with an error handler, a <script> that is ours to run.
INJECTED = 'img[onerror], script:not([src]):not([type="application/json"])'

# Shows the tooltip of every data item of every ECharts chart on the page, one after the other, as a pointer resting
# on it would; returns the text of each tooltip shown, marked "INJECTED" where the tooltip holds such elements.
SHOW_EVERY_TOOLTIP = """
(injected) => {
  if (typeof echarts === "undefined") return [];
  const texts = [];
  document.querySelectorAll("[_echarts_instance_]").forEach((el) => {
    const chart = echarts.getInstanceByDom(el);
    if (!chart) return;
    (chart.getOption().series || []).forEach((series, si) => {
      (series.data || []).forEach((_, di) => {
        chart.dispatchAction({type: "showTip", seriesIndex: si, dataIndex: di});
        const tip = Array.from(el.querySelectorAll("div")).filter((d) => d.style.zIndex && d.innerText.trim());
        texts.push(tip.map((d) => d.innerText).join(" ") + (el.querySelector(injected) ? " INJECTED" : ""));
      });
    });
    chart.dispatchAction({type: "hideTip"});
  });
  return texts;
}
"""


def show_every_tooltip(page):
    page.wait_for_load_state("load")
    return page.evaluate(SHOW_EVERY_TOOLTIP, INJECTED)


def injected(page) -> bool:
    """Whether markup from data ran (window.__xss was set) or became elements on the page. An image's error handler
    runs only once its request failed, so the elements are looked for as well as the flag."""
    page.wait_for_function("() => Array.from(document.images).every((i) => i.complete)")
    return page.evaluate("(injected) => window.__xss !== undefined || document.querySelector(injected) !== null", INJECTED)
