"""A few end-to-end checks in a real browser (Playwright driving Debian's chromium, no downloaded browser).
Skipped where chromium or Playwright is not installed; `.ci/run` installs both. No page may report a Content
Security Policy violation or a script error."""

import pytest

from heluo.core.audit import history_for
from heluo.core.models import SensitiveAccess
from tests import browser
from tests.helpers import PASSWORD

playwright = browser.require()
pytestmark = browser.MARKS


@pytest.fixture
def page():
    with browser.chromium(locale="en-US") as context:
        page = context.new_page()
        watch = browser.Watch(page)
        yield page
        assert watch.violations == [] and watch.errors == []


def login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form:has(#id_username) button[type=submit]")
    page.wait_for_load_state()


def test_public_home_is_chinese_even_for_an_english_browser(world, live_server, page):
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "机构" in page.locator("nav").inner_text()


def test_district_staff_sees_own_annual_data_only(world, live_server, page):
    login(page, live_server, "district_a")
    page.goto(live_server.url + "/annual/")
    text = page.locator("main").inner_text()
    assert "甲企业" in text and "乙企业" not in text


def test_admin_reveals_an_id_number_with_htmx(world, live_server, page):
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}/people/{world.person_a.pk}/")
    assert world.person_a.id_number not in page.content()
    page.locator("#id-number ~ form button, form[hx-post*='reveal'] button").first.click()
    page.wait_for_function(f"() => document.querySelector('#id-number').innerText.includes('{world.person_a.id_number}')")
    assert SensitiveAccess.objects.filter(kind="id_number", object_id=world.person_a.pk).count() == 1


def test_editing_an_organization_records_history(world, live_server, page):
    login(page, live_server, "staff")
    page.goto(f"{live_server.url}/organizations/{world.ent_a.pk}/edit/")
    page.fill("input[name=name]", "甲企业（浏览器改名）")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"**/organizations/{world.ent_a.pk}/")
    assert "甲企业（浏览器改名）" in page.content()
    assert history_for(world.ent_a).filter(action="update", via="web").exists()


def test_api_docs_load_under_the_policy(world, live_server, page):
    """The API's Swagger UI (django-ninja's own files, no inline script) runs under the same policy."""
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    assert page.locator(".swagger-ui .opblock").count() > 10
