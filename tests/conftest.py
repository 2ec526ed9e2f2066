"""A small registry world shared by the permission, API, web and import tests.

Two districts (A under the city, B under the city), one enterprise in each, an unpublished one in B,
annual data for each, a platform in each district, people employed by each enterprise, an expert, and
one user per role.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from heluo.core.codes import make_id_number, make_uscc
from heluo.core.models import ApiToken, Role
from heluo.geo.models import Area, PlanningZone
from heluo.orgs.models import DataStatus, EnterpriseAnnual, Organization, Qualification
from heluo.people.models import Expert, Person
from heluo.platforms.models import Platform, PlatformHost
from tests.helpers import PASSWORD, make_user  # noqa: F401  (PASSWORD: older imports from conftest)

# Property tests judge results, never time: on a loaded machine (CI runs both databases) an example may be slow.
hypothesis_settings.register_profile("heluo", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("heluo")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, dropped cleanly at the end: on PostgreSQL the live server's request threads (browser
    tests) may still hold a session when the database is torn down, and DROP DATABASE refuses while they do."""
    yield
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Test users only: a cheap hasher saves a second or more for every test that creates users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def sign_in_rules_off(settings):
    """Django's test client signs in without a request, which the lockout (django-axes) refuses, and most tests
    are not about the second factor: both are switched on by the sign-in tests (tests/core/test_signin.py)."""
    settings.AXES_ENABLED = False
    settings.HELUO_2FA_ROLES = []


@pytest.fixture(autouse=True)
def tasks_run_inline(settings):
    """Background jobs (imports, periodic jobs) run where they are enqueued, so a test sees their outcome at once;
    tests of the queue itself set the database backend back (tests/core/test_jobs.py)."""
    settings.HELUO_TASKS = "immediate"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def world(db):
    return make_world()


def make_world():
    """The world's records (for a fixture of a wider scope: tests/core/test_permission_matrix.py)."""
    city = Area.objects.create(code="410300", name_zh="洛阳市", name_en="Luoyang", kind="city")
    core = PlanningZone.objects.create(city=city, code="core", name_zh="都市核心区", name_en="Core")
    a = Area.objects.create(code="410305", name_zh="涧西区", name_en="Jianxi", kind="district", parent=city, planning_zone=core)
    b = Area.objects.create(code="410311", name_zh="洛龙区", name_en="Luolong", kind="district", parent=city, planning_zone=core)
    zone_in_a = Area.objects.create(
        code="410371", name_zh="洛阳高新区", name_en="Luoyang Hi-tech Zone", kind="functional_zone", parent=a, code_is_official=False
    )

    ent_a = Organization.objects.create(
        name="甲企业", uscc=make_uscc("9", "1", "410305", "MA000001"), area=a, founded_on=dt.date(2015, 1, 1)
    )
    ent_a2 = Organization.objects.create(name="甲区高新企业", uscc=make_uscc("9", "1", "410371", "MA000004"), area=zone_in_a)
    ent_b = Organization.objects.create(name="乙企业", uscc=make_uscc("9", "1", "410311", "MA000002"), area=b)
    hidden_b = Organization.objects.create(name="乙未公开企业", uscc=make_uscc("9", "1", "410311", "MA000003"), area=b, is_published=False)
    for org in (ent_a, ent_a2, ent_b, hidden_b):
        for year, status in ((2023, DataStatus.VERIFIED), (2024, DataStatus.SUBMITTED)):
            EnterpriseAnnual.objects.create(
                organization=org,
                year=year,
                status=status,
                sales_revenue=Decimal("1000000"),
                rd_expense=Decimal("50000"),
                total_staff=100,
                st_staff=20,
            )
    Qualification.objects.create(
        organization=ent_b, kind="hte", certificate_no="GR202341000001", valid_from=dt.date(2023, 12, 1), valid_to=dt.date(2029, 11, 30)
    )
    Qualification.objects.create(
        organization=hidden_b, kind="tech_sme", year=2024, valid_from=dt.date(2024, 1, 1), valid_to=dt.date(2024, 12, 31)
    )

    plat_a = Platform.objects.create(name="甲区重点实验室", kind="key_lab", level="municipal", area=a)
    plat_b = Platform.objects.create(name="乙区孵化器", kind="incubator", level="municipal", area=b, is_published=False)
    PlatformHost.objects.create(platform=plat_a, organization=ent_a)
    PlatformHost.objects.create(platform=plat_b, organization=ent_b)

    person_a = Person.objects.create(name="张三", id_number=make_id_number("410305", dt.date(1980, 1, 2), 11), employer=ent_a)
    person_b = Person.objects.create(name="李四", id_number=make_id_number("410311", dt.date(1985, 3, 4), 22), employer=ent_b)
    expert_person = Person.objects.create(name="王专家", id_number=make_id_number("410305", dt.date(1970, 5, 6), 33), employer=ent_b)
    Expert.objects.create(person=expert_person, specialty="轴承")

    users = SimpleNamespace(
        admin=make_user("admin", Role.BUREAU_ADMIN),
        staff=make_user("staff", Role.BUREAU_STAFF),
        district_a=make_user("district_a", Role.DISTRICT_STAFF, areas=[a]),
        org_a=make_user("org_a", Role.ORG_USER, organization=ent_a),
        expert=make_user("expert", Role.EXPERT, person=expert_person),
        anonymous=None,
    )
    return SimpleNamespace(
        city=city,
        a=a,
        b=b,
        zone_in_a=zone_in_a,
        ent_a=ent_a,
        ent_a2=ent_a2,
        ent_b=ent_b,
        hidden_b=hidden_b,
        plat_a=plat_a,
        plat_b=plat_b,
        person_a=person_a,
        person_b=person_b,
        expert_person=expert_person,
        users=users,
    )


@pytest.fixture
def token_for(db):
    """Bearer header for a user: `client.get(url, headers=token_for(user))`."""

    def make(user):
        _, key = ApiToken.issue(user, name="test")
        return {"Authorization": f"Bearer {key}"}

    return make


# --- browser tests (tests/browser.py: Debian's chromium driven by Playwright) ---------------------------------------


@pytest.fixture(scope="module")
def chromium():
    """One chromium for a browser test module (a launch takes seconds); each user gets a context of its own."""
    from tests import browser

    with browser.launched() as launched:
        yield launched


@pytest.fixture
def visit(chromium, live_server):
    """`visit(username)`: a page of a new context (its own cookies) signed in as that user (None: the public). At the
    end, no page of the test reported a Content Security Policy violation or a script error."""
    from tests import browser

    contexts, watches = [], []

    def open_as(username=None):
        context = chromium.new_context(locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        watches.append(browser.Watch(page))
        if username:
            browser.sign_in(page, live_server.url, username)
        return page

    yield open_as
    for context in contexts:
        context.close()
    assert [v for w in watches for v in w.violations] == []
    assert [e for w in watches for e in w.errors] == []
