"""Innovation platforms and their status history. Published platforms are readable without a token."""

from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects
from ninja import Query, Router, Schema
from ninja.patch_dict import PatchDict
from ninja.responses import Status

from heluo.api.auth import OPEN, caller, writer
from heluo.api.common import READ, WRITE, apply, by_code, filter_data, paged, require_change, visible
from heluo.api.history import add_changes_route
from heluo.core.permissions import VIEW, scope_for
from heluo.geo.api import area_code
from heluo.geo.models import Area
from heluo.orgs.models import Organization
from heluo.platforms import selectors, services
from heluo.platforms.models import Platform, PlatformHost, PlatformKind, PlatformLevel, PlatformStatus, PlatformStatusChange
from heluo.platforms.schemas import PlatformIn, PlatformOut, StatusChangeIn, StatusChangeOut
from heluo.platforms.selectors import PlatformFilterSet
from heluo.taxonomy.models import Cluster

router = Router(tags=["platforms"])


class PlatformFilters(Schema):
    q: str | None = None  # platform or host name
    kind: list[PlatformKind] | None = None
    level: list[PlatformLevel] | None = None
    status: list[PlatformStatus] | None = None
    area: list[str] | None = None  # area codes; sub-areas included
    cluster: str | None = None  # cluster code
    host: int | None = None  # host organization id


@router.get("/platforms", response=list[PlatformOut], **OPEN)
@paged
def list_platforms(request, filters: Query[PlatformFilters]):
    data = filter_data(PlatformFilterSet, filters, {"area": Area, "cluster": Cluster})
    user = caller(request)
    return selectors.platform_list(user, data).prefetch_related(visible_hosts(user))


def visible_hosts(user) -> Prefetch:
    """The host links of a page of platforms, only those to organizations the caller may see (read with the page,
    not one query per platform: PlatformOut.resolve_hosts)."""
    links = PlatformHost.objects.select_related("organization")
    if not scope_for(user).is_bureau:
        # EXISTS for the page's few links, not IN over every organization the caller may see
        links = links.filter(Exists(Organization.objects.restrict(user, VIEW).filter(pk=OuterRef("organization_id"))))
    return Prefetch("host_links", queryset=links, to_attr="visible_host_links")


@router.get("/platforms/{int:id}", response={200: PlatformOut, **READ}, **OPEN)
def get_platform(request, id: int):
    return _with_hosts(selectors.platform_get(caller(request), id))


def _with_hosts(platform):
    prefetch_related_objects([platform], "host_links__organization")
    return platform


def _save_platform(user, platform, data):
    hosts = data.pop("hosts", None)
    apply(platform, data, {"area": area_code, "cluster": lambda v: by_code(Cluster, v, "cluster")})
    if hosts is not None:
        hosts = [
            (visible(Organization, user, h["organization"], f"hosts.{i}.organization"), h.get("role") or "lead")
            for i, h in enumerate(hosts)
        ]
    services.platform_save(user, platform, hosts=hosts)
    return _with_hosts(selectors.platform_get(user, platform.pk))


@router.post("/platforms", response={201: PlatformOut, **WRITE})
def create_platform(request, payload: PlatformIn):
    user = writer(request)
    return Status(201, _save_platform(user, Platform(), payload.model_dump()))


@router.put("/platforms/{int:id}", response={200: PlatformOut, **WRITE})
def replace_platform(request, id: int, payload: PlatformIn):
    user = writer(request)
    platform = selectors.platform_get(user, id)
    require_change(user, platform)
    return _save_platform(user, platform, payload.model_dump())


@router.patch("/platforms/{int:id}", response={200: PlatformOut, **WRITE})
def update_platform(request, id: int, payload: PatchDict[PlatformIn]):
    user = writer(request)
    platform = selectors.platform_get(user, id)
    require_change(user, platform)
    return _save_platform(user, platform, payload)


@router.delete("/platforms/{int:id}", response={204: None, **WRITE})
def delete_platform(request, id: int):
    user = writer(request)
    services.platform_delete(user, selectors.platform_get(user, id))
    return Status(204, None)


@router.get("/platforms/{int:id}/status-changes", response={200: list[StatusChangeOut], **READ}, **OPEN)
@paged
def list_status_changes(request, id: int):
    """The platform's status over time (cultivating → approved → revoked), oldest first."""
    user = caller(request)
    platform = selectors.platform_get(user, id)
    return PlatformStatusChange.objects.restrict(user, VIEW).filter(platform=platform).order_by("date", "pk")


@router.post("/platforms/{int:id}/status-changes", response={201: StatusChangeOut, **WRITE})
def record_status_change(request, id: int, payload: StatusChangeIn):
    """Appends to the history; the platform's current status follows its latest change."""
    user = writer(request)
    platform = selectors.platform_get(user, id)
    require_change(user, platform)
    data = payload.model_dump()
    return Status(
        201,
        services.platform_record_status(
            user, platform, status=data["status"], date=data["date"], document=data["document"], note=data["note"]
        ),
    )


add_changes_route(router, "platforms", selectors.platform_get)
