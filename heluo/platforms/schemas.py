"""Bodies of the platform endpoints."""

import datetime as dt

from ninja import Schema

from heluo.api.schemas import CodeName, OrgRef
from heluo.core.permissions import scope_for
from heluo.platforms.models import PlatformHost, PlatformKind, PlatformLevel, PlatformStatus


class HostOut(Schema):
    organization: OrgRef
    role: str


class HostIn(Schema):
    organization: int
    role: PlatformHost.Role = PlatformHost.Role.LEAD


class PlatformOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    level: str
    level_label: str
    area: CodeName
    cluster: CodeName | None
    status: str
    status_label: str
    status_since: dt.date | None
    description: str
    is_published: bool
    hosts: list[HostOut]
    updated: dt.datetime

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_level_label(obj):
        return str(obj.get_level_display())

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())

    @staticmethod
    def resolve_hosts(obj, context):
        """Only hosts the caller may see: a published platform never names an unpublished host."""
        from heluo.orgs.models import Organization

        if hasattr(obj, "visible_host_links"):  # a list: read for the whole page, within the caller's scope
            return obj.visible_host_links
        links = list(obj.host_links.all())
        request = (context or {}).get("request")
        user = getattr(request, "auth", None)
        if not links or scope_for(user).is_bureau:
            return links
        seen = set(
            Organization.objects.restrict(user, "view").filter(pk__in=[link.organization_id for link in links]).values_list("pk", flat=True)
        )
        return [link for link in links if link.organization_id in seen]


class PlatformIn(Schema):
    """The current status is not written here: POST /platforms/{id}/status-changes records it with its date."""

    name: str
    kind: PlatformKind
    level: PlatformLevel
    area: str
    cluster: str | None = None
    description: str = ""
    is_published: bool = True
    hosts: list[HostIn] | None = None  # replaces the hosts when given


class StatusChangeOut(Schema):
    id: int
    platform: int
    status: str
    status_label: str
    date: dt.date
    document: str
    note: str

    @staticmethod
    def resolve_platform(obj):
        return obj.platform_id

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())


class StatusChangeIn(Schema):
    status: PlatformStatus
    date: dt.date
    document: str = ""
    note: str = ""
