"""The demo accounts, one per role, and an API token for `staff`. Existing accounts are left as they are."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q

from heluo.core.models import ApiToken, Role, UserProfile
from heluo.demo.enterprises import DEMO_MARK
from heluo.geo.models import Area
from heluo.orgs.models import Organization
from heluo.people.models import Expert, Mentor, Person
from heluo.platforms.models import PlatformHost

PASSWORD = "heluo-demo-2024"
API_KEY = "heluo-demo-staff-token-2024"
USERNAMES = (
    "admin",
    "sysadmin",
    "secadmin",
    "auditor",
    "staff",
    "finance",
    "jianxi",
    "luolong",
    "zhongxin",
    "expert",
    "org",
    "provider",
    "host",
    "talent",
    "instruments",
    "mentor",
)
ROLE_ZH = {
    Role.BUREAU_ADMIN: "科技局管理员",
    Role.BUREAU_STAFF: "科技局工作人员",
    Role.DISTRICT_STAFF: "县区工作人员",
    Role.ORG_USER: "机构用户",
    Role.EXPERT: "专家",
    Role.SYSTEM_ADMIN: "系统管理员",
    Role.SECURITY_ADMIN: "安全管理员",
    Role.AUDIT_ADMIN: "审计管理员",
}


def _org_user_enterprise():
    """A small synthetic 科小 in 涧西区 with a 2024 draft it may still edit."""
    return (
        Organization.objects.filter(
            is_synthetic=True,
            kind="enterprise",
            area__code="410305",
            annual_data__year=2024,
            annual_data__status="draft",
            annual_data__total_staff__lte=100,
            qualifications__kind="tech_sme",
            qualifications__year=2024,
        )
        .order_by("uscc")
        .first()
    )


def _provider_organization():
    """A synthetic service agency: the innovation-voucher service provider of the demo (heluo.demo.vouchers)."""
    return Organization.objects.filter(is_synthetic=True, kind="service_agency").order_by("uscc").first()


def _pilot_base_host():
    """The lead host of the first approved pilot base: the platform-host account's organization (heluo.demo.carriers)."""
    link = (
        PlatformHost.objects.filter(platform__kind="pilot_base", platform__status="approved", role="lead")
        .select_related("organization", "platform")
        .order_by("platform_id")
        .first()
    )
    return (link.organization, link.platform) if link else (None, None)


def _talent_person():
    """A synthetic 河洛英才 member employed by an organization: the person-linked account of the talent pages."""
    return (
        Person.objects.filter(
            is_synthetic=True, talent_memberships__programme__code="heluo-yingcai", employer__isnull=False, expert__isnull=True
        )
        .select_related("employer")
        .order_by("pk")
        .first()
    )


def _instrument_owner():
    """A demo university or research institute: the owner of shared large instruments (heluo.demo.instruments)."""
    demo = Q(is_synthetic=True) | Q(description__contains=DEMO_MARK)
    return Organization.objects.filter(demo, kind__in=["university", "research_institute"]).order_by("uscc").first()


def _specs():
    """(username, role, scope description, profile fields)."""
    jianxi = Area.objects.filter(code="410305").first()
    luolong = Area.objects.filter(code="410311").first()
    citic = Organization.objects.filter(name="中信重工机械股份有限公司").first()
    # the one with the smallest ID number, as before they were encrypted (the database cannot order ciphertexts)
    experts = Expert.objects.filter(person__is_synthetic=True, active=True).select_related("person")
    expert = min(experts, key=lambda e: e.person.id_number or "", default=None)
    # a start-up mentor signs in as an expert-role account linked to its person (scope: its own pairings and sessions)
    mentor = Mentor.objects.filter(person__is_synthetic=True, active=True).select_related("person").order_by("pk").first()
    small = _org_user_enterprise()
    agency = _provider_organization()
    host, base = _pilot_base_host()
    talent = _talent_person()
    owner = _instrument_owner()
    return [
        ("admin", Role.BUREAU_ADMIN, "全市 / whole city", {"can_view_id_numbers": True}),
        # 三员分立: accounts, security and audit each have their own administrator; none is a superuser
        ("sysadmin", Role.SYSTEM_ADMIN, "账号与系统运行 / accounts and operation", {}),
        ("secadmin", Role.SECURITY_ADMIN, "角色授权、锁定与双因素 / roles, lockouts, second factors", {}),
        ("auditor", Role.AUDIT_ADMIN, "审计日志 / the audit log", {}),
        ("staff", Role.BUREAU_STAFF, "全市 / whole city", {}),
        ("finance", Role.BUREAU_STAFF, "全市，创新券结算（与核验分岗） / whole city, voucher payments (separate from verification)", {}),
        ("jianxi", Role.DISTRICT_STAFF, f"{jianxi.name_zh} {jianxi.code}" if jianxi else "—", {"areas": [jianxi] if jianxi else []}),
        ("luolong", Role.DISTRICT_STAFF, f"{luolong.name_zh} {luolong.code}" if luolong else "—", {"areas": [luolong] if luolong else []}),
        ("zhongxin", Role.ORG_USER, citic.name if citic else "—", {"organization": citic}),
        (
            "expert",
            Role.EXPERT,
            f"{expert.person.name}（专家库 / expert pool）" if expert else "—",
            {"person": expert.person if expert else None},
        ),
        ("org", Role.ORG_USER, small.name if small else "—", {"organization": small}),
        (
            "provider",
            Role.ORG_USER,
            f"{agency.name}（创新券服务机构 / voucher service provider）" if agency else "—",
            {"organization": agency},
        ),
        (
            "host",
            Role.ORG_USER,
            f"{host.name}（{base.name}的依托单位 / the pilot base's host）" if host else "—",
            {"organization": host},
        ),
        # a talent's own account: its employer's organization account linked to its person record (talent:me)
        (
            "talent",
            Role.ORG_USER,
            f"{talent.name}（{talent.employer.name}，河洛英才 / Heluo talent）" if talent else "—",
            {"organization": talent.employer if talent else None, "person": talent},
        ),
        (
            "instruments",
            Role.ORG_USER,
            f"{owner.name}（大型仪器管理单位 / instrument owner）" if owner else "—",
            {"organization": owner},
        ),
        (
            "mentor",
            Role.EXPERT,
            f"{mentor.person.name}（创业导师 / start-up mentor）" if mentor else "—",
            {"person": mentor.person if mentor else None},
        ),
    ]


@transaction.atomic
def ensure_accounts() -> list[tuple[str, str, str, str]]:
    """Create the missing demo accounts; return (username, password, role, scope) for the table."""
    User = get_user_model()
    hashed = None
    rows = []
    for username, role, scope, extra in _specs():
        user = User.objects.filter(username=username).first()
        if user is None:
            hashed = hashed or make_password(PASSWORD)  # hashed once: a PBKDF2 run per account would take seconds
            user = User.objects.create(username=username, password=hashed)  # the role decides admin-site access
            areas = extra.pop("areas", [])
            profile = UserProfile.objects.create(user=user, role=role, **extra)
            profile.areas.set(areas)
        rows.append((username, PASSWORD, f"{ROLE_ZH[role]} / {role.value}", scope))
    staff = User.objects.get(username="staff")
    if not ApiToken.objects.filter(name="demo", prefix=API_KEY[:8]).exists():
        ApiToken.issue(staff, name="demo", key=API_KEY)
    return rows
