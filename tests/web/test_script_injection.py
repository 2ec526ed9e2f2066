"""No script injection, in a real browser: markup in every free-text field that reaches a page or a chart (names of
organizations, people, platforms, districts, voucher programmes, types and services, a pool entry's note) is shown as text on
list pages, detail pages, the voucher pages with their charts (every tooltip shown) and the home page, and never runs.

Each page is walked twice: under the Content Security Policy, where no violation may be reported (so none of our own
scripts is inline) and nothing runs; and with the policy bypassed, so that escaping alone is shown to hold too."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from heluo.cultivation.models import PoolEntry
from heluo.geo.models import Area
from heluo.orgs.models import Organization, Qualification
from heluo.vouchers import services
from heluo.vouchers.loader import load_programme
from heluo.vouchers.models import Provider, ProviderService, VoucherType
from tests import browser
from tests.helpers import PASSWORD

playwright = browser.require()
pytestmark = browser.MARKS

IMG = "<img src=x onerror=__xss=1>"  # short enough for a 30-character field; sets window.__xss if it runs
SCRIPT = "'\"><script>__xss=1</script>"  # breaks out of a quoted attribute


def evil(label, room=200):
    """`label` followed by both payloads, or by the first alone where the field is short."""
    return (label + IMG + SCRIPT) if len(label + IMG + SCRIPT) <= room else (label + IMG)[:room]


@pytest.fixture
def stage(world):
    """The world with markup in its free text, a voucher programme whose name, type and district hold markup, an issued
    voucher, a provider whose name and service hold markup, and a pool entry whose note holds markup."""
    w = world
    Organization.objects.filter(pk=w.ent_a.pk).update(name=evil("甲企业"))
    type(w.person_a).objects.filter(pk=w.person_a.pk).update(name=evil("张三", 60))
    type(w.plat_a).objects.filter(pk=w.plat_a.pk).update(name=evil("甲区重点实验室"))
    Area.objects.filter(pk=w.a.pk).update(name_zh=evil("涧西区", 50), name_en=evil("Jianxi", 80))
    now = timezone.now()
    programme = load_programme(
        "example",
        year=2025,
        authority=w.city.code,
        code="xss-2025",
        overrides={
            "window": {"opens": (now - dt.timedelta(days=1)).isoformat(), "closes": (now + dt.timedelta(days=1)).isoformat()},
            "budget": "100000.00",
            "cap_per_enterprise": "60000.00",
            "eligible_rulesets": [],
            "eligible_qualifications": ["hte"],
            "startup_max_years": None,
        },
    )
    type(programme).objects.filter(pk=programme.pk).update(name_zh=evil("创新券", 120))
    rd = programme.types.get(code="rd")
    VoucherType.objects.filter(pk=rd.pk).update(name_zh=evil("研发券", 60), name_en=evil("R&D", 100))
    Qualification.objects.create(organization=w.ent_a, kind="hte", certificate_no="GR-XSS", valid_from=dt.date(2020, 1, 1))
    voucher = services.apply(w.users.org_a, programme, voucher_type=programme.types.get(pk=rd.pk), amount="20000").voucher
    prov_org = Organization.objects.create(name=evil("检测服务公司"), kind="service_agency", area=w.a)
    provider = Provider.objects.create(organization=prov_org, authority=w.city, status="approved")
    ProviderService.objects.create(provider=provider, category="testing", name=evil("材料检测"), price=Decimal("20000"))
    PoolEntry.objects.create(
        pool="gazelle", year=2025, organization=w.ent_a, source="recommended", note=evil("推荐"), added_on=dt.date(2025, 3, 1)
    )
    w.programme, w.voucher = programme, voucher
    return w


def sign_in(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form:has(#id_username) button[type=submit]")
    page.wait_for_load_state()


def walk(stage, base, **context_options):
    """Every page with markup for each role: [(url, payload shown as text, chart tooltips)], the violations and
    the script errors seen, and whether any payload ran."""
    w = stage
    tours = {
        None: ["/", "/organizations/", f"/organizations/{w.ent_a.pk}/", "/platforms/", f"/platforms/{w.plat_a.pk}/"],
        "staff": [
            "/",
            "/organizations/",
            f"/organizations/{w.ent_a.pk}/",
            "/people/",
            f"/people/{w.person_a.pk}/",
            "/platforms/",
            f"/platforms/{w.plat_a.pk}/",
            "/annual/",
            "/vouchers/programmes/",
            f"/vouchers/programmes/{w.programme.pk}/",
            "/vouchers/list/",
            f"/vouchers/{w.voucher.pk}/",
            "/vouchers/providers/",
            "/cultivation/pools/gazelle/?year=2025",
            f"/cultivation/enterprises/{w.ent_a.pk}/",
        ],
        "org_a": ["/", "/vouchers/my/", f"/vouchers/{w.voucher.pk}/", f"/vouchers/programmes/{w.programme.pk}/apply/"],
    }
    seen, violations, errors, ran = [], [], [], False
    for username, urls in tours.items():
        with browser.chromium(**context_options) as context:
            page = context.new_page()
            watch = browser.Watch(page)
            if username:
                sign_in(page, base, username)
            for url in urls:
                response = page.goto(base + url)
                assert response.status == 200, url
                tips = browser.show_every_tooltip(page)
                seen.append((url, IMG in page.locator("body").inner_text(), tips))
                ran = ran or browser.injected(page) or any(t.endswith("INJECTED") for t in tips)
            violations += watch.violations
            errors += watch.errors
    return seen, violations, errors, ran


def test_markup_in_free_text_never_runs(stage, live_server):
    seen, violations, errors, ran = walk(stage, live_server.url)
    assert not ran
    assert violations == []  # under the policy: none of our scripts is inline, none needs eval
    assert errors == []
    not_shown = [url for url, shown, _ in seen if not shown and url != "/"]
    assert not_shown == []  # every page but the home page shows a payload, as text
    tooltips = " ".join(" ".join(tips) for _, _, tips in seen)
    assert IMG in tooltips and "研发券" in tooltips  # the voucher type and district charts' tooltips show it as text


def test_escaping_holds_without_the_policy(stage, live_server):
    """The same walk with the policy switched off in the browser: nothing runs because everything is escaped."""
    _, _, errors, ran = walk(stage, live_server.url, bypass_csp=True)
    assert not ran
    assert errors == []
