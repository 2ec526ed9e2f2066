"""`heluo demo`: deterministic, valid, calibrated synthetic data; accounts; idempotent re-runs."""

import datetime as dt
import io
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F, Q

from heluo.core.codes import check_id_number, check_uscc
from heluo.core.models import ApiToken, ObjectChange, Role, UserProfile
from heluo.demo import accounts, generator
from heluo.orgs.models import EnterpriseAnnual, Organization, Qualification
from heluo.people.models import Expert, Person, TalentMembership
from heluo.platforms.models import Platform, PlatformStatusChange

pytestmark = pytest.mark.django_db

NAMED_ORGS = [
    "中信重工机械股份有限公司",
    "中国一拖集团有限公司",
    "洛阳LYC轴承有限公司",
    "中航光电科技股份有限公司",
    "中钢洛耐科技股份有限公司",
    "洛阳建龙微纳新材料股份有限公司",
    "河南科技大学",
    "洛阳理工学院",
    "洛阳师范学院",
    "中国船舶集团有限公司第七二五研究所",
    "中国空空导弹研究院",
    "黎明化工研究设计院有限责任公司",
    "洛阳中硅高科技有限公司",
    "中国洛阳浮法玻璃集团有限责任公司",
    "麦斯克电子材料股份有限公司",
    "中钛新材",
    "三杰新材",
]
NAMED_PLATFORMS = {
    "龙门实验室": "provincial_lab",
    "国家农机装备创新中心": "manufacturing_innovation_center",
    "河南省轴承技术创新中心": "tech_innovation_center",
    "河南省智能矿山技术创新中心": "tech_innovation_center",
    "先进耐火材料国家重点实验室": "national_key_lab",
    "航空精密轴承国家重点实验室": "national_key_lab",
    "周山双创智慧岛": "tech_industry_community",
    "联东U谷·洛阳光电科技产业社区": "tech_industry_community",
}
INCONSISTENT = (
    Q(sales_revenue__gt=F("operating_revenue"))
    | Q(operating_revenue__gt=F("total_income"))
    | Q(hitech_income__gt=F("total_income"))
    | Q(rd_expense_domestic__gt=F("rd_expense"))
    | Q(st_staff__gt=F("total_staff"))
    | Q(net_assets__gt=F("total_assets"))
    | Q(invention_patents__gt=F("ip_class1"))
    | Q(high_value_invention_patents__gt=F("invention_patents"))
)
RD_SUM = (
    F("rd_personnel")
    + F("rd_direct_input")
    + F("rd_depreciation")
    + F("rd_amortization")
    + F("rd_design")
    + F("rd_equipment_trial")
    + F("rd_outsourced")
    + F("rd_other")
)


@pytest.fixture
def reference():
    call_command("load_reference", city="luoyang", verbosity=0)


def build(size="small", seed=generator.DEFAULT_SEED):
    generator.generate(size, seed, log=lambda *a: None)
    return list(Organization.objects.order_by("pk").values_list("name", "uscc"))


def row_counts():
    models = [
        Organization,
        Qualification,
        EnterpriseAnnual,
        Platform,
        PlatformStatusChange,
        Person,
        Expert,
        TalentMembership,
        UserProfile,
        ApiToken,
        get_user_model(),
    ]
    return {m.__name__: m.objects.count() for m in models}


def hte_valid(day):
    return Qualification.objects.filter(Qualification.valid_on_q(day), kind="hte").values("organization").distinct().count()


def test_same_seed_gives_the_same_data(reference):
    first = build()
    generator.reset(accounts.USERNAMES)
    assert not Organization.objects.filter(is_synthetic=True).exists()
    assert build() == first
    generator.reset(accounts.USERNAMES)
    assert build(seed=7) != first


def test_codes_are_valid_and_everything_synthetic_is_marked(reference):
    build()
    for uscc in Organization.objects.values_list("uscc", flat=True):
        assert check_uscc(uscc).valid, uscc
    for number in Person.objects.values_list("id_number", flat=True):
        assert check_id_number(number).valid, number
    assert not Person.objects.filter(is_synthetic=False).exists()
    assert not EnterpriseAnnual.objects.filter(is_synthetic=False).exists()
    assert not EnterpriseAnnual.objects.exclude(source__contains="合成").exists()
    named = Organization.objects.filter(is_synthetic=False)
    assert named.count() >= len(NAMED_ORGS)
    assert not named.exclude(description__contains="合成").exists()


def test_annual_rows_are_consistent(reference):
    build()
    rows = EnterpriseAnnual.objects.all()
    assert rows.count() > 1000
    assert not rows.filter(INCONSISTENT).exists()
    assert not rows.exclude(rd_expense=RD_SUM).exists()
    # Only enterprises that existed in the year have a row for it.
    assert not rows.filter(organization__founded_on__year__gt=F("year")).exists()
    assert rows.filter(year=2024, status="draft").exists() and rows.filter(year=2019).exclude(status="verified").count() == 0


def test_command_prints_accounts_and_rerun_changes_nothing(reference, monkeypatch, client):
    """One build (a demo build is the suite's slowest part) for the command's output, the rerun, the accounts and the
    cultivation work."""
    out = io.StringIO()
    call_command("demo", "--no-serve", "--size", "small", "--port", "8123", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8123/" in text and accounts.PASSWORD in text and accounts.API_KEY in text
    for username in accounts.USERNAMES:
        assert f"\n{username} " in text
    before = row_counts()

    def must_not_rebuild(*args, **kwargs):  # the rerun finds the demo and builds nothing (was: "takes under 5 s")
        raise AssertionError("the demo was built again")

    monkeypatch.setattr(generator, "generate", must_not_rebuild)
    out = io.StringIO()
    call_command("demo", "--no-serve", "--size", "small", stdout=out)
    assert row_counts() == before
    assert "已存在" in out.getvalue()
    check_accounts_have_their_roles_and_scopes()
    check_cultivation_work_is_there_for_the_bureau_a_district_and_an_enterprise(client)


def test_reset_rebuilds_the_same_data(reference):
    call_command("demo", "--no-serve", "--size", "small", stdout=io.StringIO())
    usccs = list(Organization.objects.order_by("uscc").values_list("uscc", flat=True))
    counts = row_counts()
    call_command("demo", "--no-serve", "--size", "small", "--reset", stdout=io.StringIO())
    assert list(Organization.objects.order_by("uscc").values_list("uscc", flat=True)) == usccs
    assert row_counts() == counts


def check_accounts_have_their_roles_and_scopes():
    User = get_user_model()
    profile = {u: UserProfile.objects.get(user__username=u) for u in accounts.USERNAMES}
    assert not User.objects.filter(username__in=accounts.USERNAMES, is_superuser=True).exists()  # daily work needs none
    assert profile["admin"].role == Role.BUREAU_ADMIN and not User.objects.get(username="admin").is_staff
    assert profile["auditor"].role == Role.AUDIT_ADMIN and User.objects.get(username="auditor").is_staff
    assert profile["staff"].role == Role.BUREAU_STAFF
    assert list(profile["jianxi"].areas.values_list("code", flat=True)) == ["410305"]
    assert profile["luolong"].role == Role.DISTRICT_STAFF and profile["luolong"].areas.get().name_zh == "洛龙区"
    assert profile["zhongxin"].role == Role.ORG_USER and profile["zhongxin"].organization.name == "中信重工机械股份有限公司"
    assert profile["expert"].role == Role.EXPERT and Expert.objects.filter(person=profile["expert"].person).exists()
    assert profile["org"].role == Role.ORG_USER and profile["org"].organization.is_synthetic
    assert User.objects.get(username="staff").check_password(accounts.PASSWORD)
    assert ApiToken.authenticate(accounts.API_KEY).user.username == "staff"


@pytest.mark.slow
def test_city_scale_matches_the_plan_baselines(reference):
    started = time.monotonic()
    generator.generate("city", log=lambda *a: None)
    elapsed = time.monotonic() - started
    print(f"city demo built in {elapsed:.1f} s")
    end_2020 = dt.date(2020, 12, 31)
    assert abs(hte_valid(end_2020) - 755) <= 755 * 0.03
    assert abs(Qualification.objects.filter(kind="tech_sme", year=2020).count() - 1880) <= 1880 * 0.03
    assert abs(Qualification.objects.filter(Qualification.valid_on_q(end_2020), kind="tech_sme").count() - 1880) <= 1880 * 0.03
    assert 1100 <= hte_valid(dt.date(2022, 12, 31)) <= 1250
    assert 1400 <= hte_valid(dt.date(2024, 12, 31)) <= 1600
    assert 3200 <= Qualification.objects.filter(kind="tech_sme", year=2024).count() <= 3600
    assert 4000 <= Organization.objects.filter(kind="enterprise").count() <= 5000
    distinct = lambda kind: Qualification.objects.filter(kind=kind).values("organization").distinct().count()  # noqa: E731
    assert 440 <= distinct("srdi_sme") <= 520 and 50 <= distinct("little_giant") <= 62
    assert (
        Qualification.objects.filter(kind="hte", certificate_no__regex=r"^GR20\d\d41\d{6}$").count()
        == Qualification.objects.filter(kind="hte").count()
    )

    rows = EnterpriseAnnual.objects.all()
    assert not rows.filter(INCONSISTENT).exists() and not rows.exclude(rd_expense=RD_SUM).exists()
    for name in NAMED_ORGS:
        assert Organization.objects.filter(name=name).exists(), name
    for name, kind in NAMED_PLATFORMS.items():
        assert Platform.objects.filter(name=name, kind=kind).exists(), name
    longmen = Platform.objects.get(name="龙门实验室")
    assert longmen.host_links.filter(role="lead", organization__name="河南科技大学").exists()
    # Each platform's current status is its latest change.
    for platform in Platform.objects.order_by("?")[:200]:
        latest = platform.status_changes.order_by("-date", "-pk").first()
        assert (platform.status, platform.status_since) == (latest.status, latest.date)
    assert 12 <= Platform.objects.filter(kind="new_type_rd_institution", status="approved").count() <= 20
    assert 20 <= Platform.objects.filter(kind="tech_industry_community", status="approved").count() <= 30
    assert 380 <= TalentMembership.objects.filter(programme__code="heluo-yingcai").count() <= 420
    assert Expert.objects.count() == 300
    assert ObjectChange.objects.filter(via="demo", action="create").count() > 50_000
    assert elapsed < 120


def check_cultivation_work_is_there_for_the_bureau_a_district_and_an_enterprise(client):
    from heluo.cultivation.models import BenefitGrant, PoolEntry, ServiceRecord

    assert PoolEntry.objects.filter(pool="hte_reserve").exists() and PoolEntry.objects.filter(pool="gazelle").exists()
    assert ServiceRecord.objects.filter(organization__area__code="410305").exists()
    assert BenefitGrant.objects.filter(benefit_list__status="published").exists()
    for username, url, status in [
        ("staff", "/cultivation/", 200),
        ("staff", "/cultivation/incentives/", 200),
        ("staff", "/cultivation/points/", 200),
        ("staff", "/cultivation/benefits/", 200),
        ("jianxi", "/cultivation/pools/hte_reserve/", 200),
        ("jianxi", "/cultivation/benefits/", 403),
        ("org", "/cultivation/my/", 302),
    ]:
        client.force_login(get_user_model().objects.get(username=username))
        assert client.get(url).status_code == status, (username, url)
    # the district sees only its own enterprises in a pool
    jianxi = get_user_model().objects.get(username="jianxi")
    client.force_login(jianxi)
    year = PoolEntry.objects.order_by("-year").values_list("year", flat=True).first()
    page = client.get(f"/cultivation/pools/hte_reserve/?year={year}").content.decode()
    outside = PoolEntry.objects.filter(pool="hte_reserve", year=year).exclude(organization__area__code__startswith="410305").first()
    assert outside is None or outside.organization.name not in page


@pytest.mark.slow
def test_a_new_sqlite_database_is_built_by_the_command_and_left_intact(tmp_path):
    """The README's path: `heluo demo` on a database file that does not exist yet, in a process of its own (the
    build writes a new database without waiting for the disk at each commit, and syncs it at the end)."""
    import os
    import sqlite3
    import subprocess
    import sys

    db = tmp_path / "demo.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELUO_", "DATABASE_URL", "PYTEST"))}
    env.update(DATABASE_URL=f"sqlite:///{db}", HELUO_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="heluo.settings")
    command = [sys.executable, "-c", "import sys; from heluo.cli import main; main(sys.argv[1:])", "demo", "--no-serve", "--size", "small"]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM orgs_organization WHERE is_synthetic").fetchone()[0] > 300
        assert conn.execute("SELECT count(*) FROM cultivation_poolentry").fetchone()[0] > 0
        assert conn.execute("SELECT count(*) FROM core_objectchange WHERE chain_seq IS NULL").fetchone() == (0,)  # all sealed
