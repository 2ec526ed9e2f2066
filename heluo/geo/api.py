"""Areas and planning zones. Read-only, readable without a token; loaded from data files
(`heluo load-reference`), not through the API."""

from ninja import Query, Router, Schema

from heluo.api.auth import OPEN
from heluo.api.common import by_code, paged, search_code_or_name
from heluo.api.errors import invalid
from heluo.api.schemas import Message
from heluo.geo.models import Area, PlanningZone
from heluo.geo.schemas import AreaOut, PlanningZoneOut

router = Router(tags=["reference data"])


class AreaFilters(Schema):
    q: str | None = None
    kind: list[Area.Kind] | None = None
    parent: str | None = None  # code of the parent area (direct children)
    current: bool | None = None  # true: only areas not retired


@router.get("/areas", response=list[AreaOut], **OPEN)
@paged
def list_areas(request, filters: Query[AreaFilters]):
    qs = search_code_or_name(Area.objects.select_related("parent", "planning_zone", "successor"), filters.q)
    if filters.kind:
        qs = qs.filter(kind__in=filters.kind)
    if filters.parent:
        qs = qs.filter(parent=by_code(Area, filters.parent, "parent"))
    if filters.current is not None:
        qs = qs.filter(valid_to__isnull=filters.current)
    return qs


@router.get("/areas/{code}", response={200: AreaOut, 404: Message}, **OPEN)
def get_area(request, code: str):
    return Area.objects.select_related("parent", "planning_zone", "successor").get(code=code)


class CityFilter(Schema):
    city: str | None = None  # city area code


@router.get("/planning-zones", response=list[PlanningZoneOut], **OPEN)
@paged
def list_planning_zones(request, filters: Query[CityFilter]):
    qs = PlanningZone.objects.select_related("city").prefetch_related("areas")
    return qs.filter(city=by_code(Area, filters.city, "city")) if filters.city else qs


@router.get("/planning-zones/{int:id}", response={200: PlanningZoneOut, 404: Message}, **OPEN)
def get_planning_zone(request, id: int):
    return PlanningZone.objects.select_related("city").get(pk=id)


def area_code(value):
    """Payload converter for a required area given by code (organizations, platforms)."""
    if not value:
        raise invalid("area", "必须填写行政区划 / The area is required.")
    return by_code(Area, value, "area")
