"""Service providers: an organization applies (to this city's bureau) with its services and prices; the
bureau approves, rejects, suspends or reinstates."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from heluo.core.models import Role
from heluo.core.permissions import scope_for
from heluo.geo.models import Area
from heluo.geo.selectors import home_city

from ..models import Provider, ProviderService, ProviderStatus
from .common import Refused, actor, bureau_only, forbidden, money


def admitting_authority(code: str | None = None) -> Area:
    """The authority a provider applies to: this city's bureau only (the area `code` names must be our city;
    no code: our city). A partner city's providers come through the partner API instead."""
    ours = home_city()
    area = Area.objects.filter(code=code).first() if code else ours
    if area is not None and area != ours:
        raise Refused("not_our_authority", "只能向本市申请入库", "Providers apply to this city's bureau only.", 422, "authority")
    if area is None:
        raise Refused("unknown_area", f"未知的行政区划代码：{code}", f"Unknown area code: {code}", 422, "authority")
    return area


def provider_apply(user, authority, *, services: list[dict], contact: str = "", description: str = "") -> Provider:
    """An organization's user applies for its organization to join as a service provider, with its services
    and prices; a rejected provider may apply again. The bureau reviews."""
    s = scope_for(user)
    if s.role != Role.ORG_USER or not s.organization_id:
        raise forbidden("只有机构用户可以申请入库", "Only an organization's user may apply to be a provider.")
    if not services:
        raise Refused("services_required", "请至少登记一项服务及价格", "List at least one service with its price.", 422, "services")
    with transaction.atomic():
        provider = Provider.objects.select_for_update().filter(organization_id=s.organization_id).first()
        if provider is not None and provider.status != ProviderStatus.REJECTED:
            raise Refused("provider_exists", "本机构已提交入库申请或已入库", "This organization has already applied or been admitted.")
        provider = provider or Provider(organization_id=s.organization_id)
        provider.authority, provider.status, provider.contact, provider.description = (
            authority,
            ProviderStatus.APPLIED,
            contact[:100],
            description,
        )
        provider.applied_at, provider.reviewed_at, provider.review_reason = timezone.now(), None, ""
        provider.save()
        provider_set_services(user, provider, services=services)
    return provider


def provider_set_services(user, provider: Provider, *, services: list[dict]):
    s = scope_for(user)
    if not (s.is_bureau or (s.role == Role.ORG_USER and s.organization_id == provider.organization_id)):
        raise forbidden()
    rows = []
    for i, item in enumerate(services):
        category = item.get("category")
        if category not in dict(ProviderService._meta.get_field("category").choices):
            raise Refused("service_category", f"第{i + 1}项服务的类别无效", f"Service {i + 1} has an unknown category.", 422, "services")
        if not str(item.get("name", "")).strip():
            raise Refused("service_name", f"第{i + 1}项服务缺少名称", f"Service {i + 1} has no name.", 422, "services")
        rows.append(
            ProviderService(
                provider=provider,
                category=category,
                name=str(item["name"]).strip()[:120],
                description=item.get("description", ""),
                price=money(item.get("price"), "services"),
                unit=str(item.get("unit", ""))[:30],
            )
        )
    with transaction.atomic():
        for old in provider.services.all():
            old.delete()  # one by one, so the change log records them
        for row in rows:
            row.save()


PROVIDER_DECISIONS = {  # decision → (allowed from, to)
    "approve": ((ProviderStatus.APPLIED,), ProviderStatus.APPROVED),
    "reject": ((ProviderStatus.APPLIED,), ProviderStatus.REJECTED),
    "suspend": ((ProviderStatus.APPROVED,), ProviderStatus.SUSPENDED),
    "reinstate": ((ProviderStatus.SUSPENDED,), ProviderStatus.APPROVED),
}


def provider_review(user, provider: Provider, *, decision: str, reason: str = "") -> Provider:
    """The bureau approves, rejects, suspends or reinstates a provider. A suspended provider signs no new
    contract and claims nothing until reinstated; what is already claimed is still verified by the bureau."""
    bureau_only(user)
    if decision not in PROVIDER_DECISIONS:
        raise Refused(
            "decision_invalid",
            "决定须为 approve、reject、suspend 或 reinstate",
            "The decision must be approve, reject, suspend or reinstate.",
            422,
            "decision",
        )
    if decision != "approve" and not (reason or "").strip():
        raise Refused("reason_required", "请填写理由", "A reason is required.", 422, "reason")
    sources, target = PROVIDER_DECISIONS[decision]
    with transaction.atomic():
        p = Provider.objects.select_for_update().get(pk=provider.pk)
        if p.status not in sources:
            raise Refused("wrong_state", f"服务机构当前状态不能执行“{decision}”", f"The provider's status does not allow '{decision}'.")
        p.status, p.reviewed_at, p.reviewed_by, p.review_reason = target, timezone.now(), actor(user), reason[:500]
        p.save()
    return p
