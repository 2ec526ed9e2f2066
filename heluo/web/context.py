from django.conf import settings
from django.utils.functional import SimpleLazyObject

from heluo.core.models import Role
from heluo.core.permissions import scope_for
from heluo.core.registry import nav_entries


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


def _is_active(entry, view_name: str) -> bool:
    return any(view_name.startswith(m) for m in entry.matches)


def navigation(request):
    """The navigation bar from the entries each app registers (`heluo.core.registry.add_nav`)."""
    user = getattr(request, "user", None)
    scope = scope_for(user)
    match = getattr(request, "resolver_match", None)
    view_name = (match.view_name or "") if match else ""
    sections = [
        {"key": e.key, "url": e.url_name, "label": e.label, "icon": e.icon, "active": _is_active(e, view_name)}
        for e in nav_entries()
        if e.roles is None or scope.role in e.roles
    ]
    reference = [{"key": e.key, "url": e.url_name, "label": e.label, "active": _is_active(e, view_name)} for e in nav_entries("reference")]
    return {
        "heluo_scope": scope,
        "heluo_site_name": settings.HELUO_SITE_NAME,
        "nav_sections": sections,
        "nav_reference": reference,
        "nav_reference_active": any(r["active"] for r in reference),
        "scope_label": SimpleLazyObject(lambda: scope_label(user, scope)) if scope.role else "",
    }


def csp_nonce(request):
    """The response's Content Security Policy nonce as `csp_nonce` (the name django-htmx's {% htmx_script %} reads):
    every <script> and <style> element of a page carries it. Empty where no request passed the CSP middleware."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
