"""The pilot service list and finding a service by need, on the technology market's matching engine."""

from heluo.core.models import Role
from heluo.core.permissions import CHANGE, VIEW, scope_for
from heluo.market.selectors import matching  # the market's engine and settings: one matching engine, not a second
from heluo.platforms.models import Platform, PlatformKind

from ..models import PilotService


def service_list(user, q=""):
    qs = PilotService.objects.restrict(user, VIEW).select_related("platform__area", "platform__cluster")
    if q.strip():
        qs = qs.filter(name__icontains=q.strip()) | qs.filter(platform__name__icontains=q.strip())
    return qs


def service_get(user, pk) -> PilotService:
    return PilotService.objects.restrict(user, VIEW).select_related("platform").get(pk=pk)


def may_change(user, service) -> bool:
    return PilotService.objects.restrict(user, CHANGE).filter(pk=service.pk).exists()


def own_bases(user):
    """The pilot bases the user may publish services for: its organization's (as a host), or any for the bureau."""
    scope = scope_for(user)
    qs = Platform.objects.filter(kind=PlatformKind.PILOT_BASE).order_by("name")
    if scope.is_bureau:
        return qs
    if scope.role == Role.ORG_USER and scope.organization_id:
        return qs.filter(host_links__organization_id=scope.organization_id)
    return qs.none()


def _record(s: PilotService):
    cluster = s.platform.cluster
    return matching.Record(
        str(s.pk),
        {"title": s.name, "keywords": s.keywords, "abstract": f"{s.description}\n{s.platform.name}\n{cluster.name_zh if cluster else ''}"},
        {"cluster": [str(s.platform.cluster_id)] if s.platform.cluster_id else []},
    )


def find(user, need: str, cluster=None, limit: int = 10) -> list[tuple[PilotService, object]]:
    """The services the user may see that best answer a firm's need (best first), each with the engine's match
    (its shared terms). The list is small (a city's pilot bases): its index is built for each search."""
    services = {str(s.pk): s for s in service_list(user).select_related("platform__cluster")}
    if not services or not need.strip():
        return []
    index = matching.MatchIndex([_record(s) for s in services.values()], matching.settings(), matching.words())
    filters = {"cluster": str(getattr(cluster, "pk", cluster))} if cluster else {}
    return [(services[m.id], m) for m in index.search(need, limit, filters)]
