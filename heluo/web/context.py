from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from heluo.core.models import Role
from heluo.core.permissions import scope_for

STAFF = (Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.DISTRICT_STAFF)
ANY_ROLE = tuple(Role)
# (section, URL name, label, icon, roles that see it — None: everyone); the reference section is a dropdown.
SECTIONS = [
    ("organizations", "web:organization_list", _("Organizations"), "building", None),
    ("annual", "web:annual_list", _("Annual data"), "table", STAFF + (Role.ORG_USER,)),
    ("qualifications", "web:qualification_list", _("Qualifications"), "patch-check", None),
    ("platforms", "web:platform_list", _("Platforms"), "bank", None),
    ("people", "web:person_list", _("Talents and experts"), "people", ANY_ROLE),
    ("cultivation", "cultivation:hub", _("Cultivation"), "rocket-takeoff", STAFF),
    ("cultivation", "cultivation:my", _("Cultivation"), "rocket-takeoff", (Role.ORG_USER,)),
    ("vouchers", "vouchers:home", _("Innovation vouchers"), "ticket-perforated", STAFF + (Role.ORG_USER,)),  # lands on each role's own page
    ("imports", "web:import_list", _("Imports"), "upload", STAFF + (Role.ORG_USER,)),
]
REFERENCE = [
    ("area", "web:area_list", _("Areas")),
    ("industry", "web:industry_list", _("Industries (GB/T 4754)")),
    ("hitechfield", "web:hitechfield_list", _("High-tech fields")),
    ("cluster", "web:cluster_list", _("Industry clusters")),
    ("programme", "web:programme_list", _("Talent programmes")),
]
SECTION_OF_URL = {"organization": "organizations", "qualification": "qualifications", "annual": "annual", "platform": "platforms",
                  "person": "people", "import": "imports", "area": "reference", "industry": "reference", "hitechfield": "reference",
                  "cluster": "reference", "programme": "reference"}


def scope_label(user, scope) -> str:
    """'涧西区 区县工作人员': what the user is scoped to, then the role."""
    if scope.role is None:
        return ""
    from heluo.core.models import UserProfile

    role = Role(scope.role).label
    profile = UserProfile.objects.filter(user=user).select_related("organization", "person").first()
    where = ""
    if profile is not None:
        if scope.role == Role.DISTRICT_STAFF:
            where = "、".join(a.name for a in profile.areas.all())
        elif scope.role == Role.ORG_USER and profile.organization:
            where = profile.organization.name
        elif scope.role == Role.EXPERT and profile.person:
            where = profile.person.name
    return f"{where} {role}".strip()


def navigation(request):
    user = getattr(request, "user", None)
    scope = scope_for(user)
    match = getattr(request, "resolver_match", None)
    url_name = (match.url_name or "") if match else ""
    current = SECTION_OF_URL.get(url_name.split("_")[0], "")
    if match and match.app_name in ("cultivation", "vouchers"):
        current = match.app_name
    sections = [
        {"key": key, "url": url, "label": label, "icon": icon, "active": key == current}
        for key, url, label, icon, roles in SECTIONS
        if roles is None or scope.role in roles
    ]
    return {
        "heluo_scope": scope,
        "heluo_site_name": settings.HELUO_SITE_NAME,
        "nav_sections": sections,
        "nav_reference": [{"key": k, "url": u, "label": lab, "active": url_name.startswith(k + "_")} for k, u, lab in REFERENCE],
        "nav_reference_active": current == "reference",
        "scope_label": SimpleLazyObject(lambda: scope_label(user, scope)) if scope.role else "",
    }
