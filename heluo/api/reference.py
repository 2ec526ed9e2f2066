"""Reference data: areas, planning zones, industries, high-tech fields, clusters, talent programmes.
Read-only, and readable without a token. Loaded from data files (`heluo load-reference`), not through the API."""

from django.db.models import Q
from ninja import Query, Router, Schema

from heluo.geo.models import Area, PlanningZone
from heluo.people.models import TalentProgramme
from heluo.taxonomy.models import Cluster, HitechField, Industry

from .auth import OPEN
from .common import by_code, paged
from .schemas import AreaOut, ClusterOut, HitechFieldOut, IndustryOut, Message, PlanningZoneOut, TalentProgrammeOut

router = Router(tags=["reference data"])
NOT_FOUND = {404: Message}


def _search(qs, q):
    q = (q or "").strip()
    return qs.filter(Q(code__iexact=q) | Q(name_zh__icontains=q) | Q(name_en__icontains=q)) if q else qs


class AreaFilters(Schema):
    q: str | None = None
    kind: list[Area.Kind] | None = None
    parent: str | None = None  # code of the parent area (direct children)
    current: bool | None = None  # true: only areas not retired


@router.get("/areas", response=list[AreaOut], **OPEN)
@paged
def list_areas(request, filters: Query[AreaFilters]):
    qs = _search(Area.objects.select_related("parent", "planning_zone", "successor"), filters.q)
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


class IndustryFilters(Schema):
    q: str | None = None
    level: Industry.Level | None = None
    parent: str | None = None  # section code: its divisions


@router.get("/industries", response=list[IndustryOut], **OPEN)
@paged
def list_industries(request, filters: Query[IndustryFilters]):
    qs = _search(Industry.objects.select_related("parent"), filters.q)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.parent:
        qs = qs.filter(parent=by_code(Industry, filters.parent, "parent"))
    return qs


@router.get("/industries/{code}", response={200: IndustryOut, 404: Message}, **OPEN)
def get_industry(request, code: str):
    return Industry.objects.select_related("parent").get(code=code)


class HitechFilters(Schema):
    q: str | None = None
    parent: str | None = None  # field code ("8"): its sub-fields
    top: bool | None = None  # true: the 8 fields only


@router.get("/hitech-fields", response=list[HitechFieldOut], **OPEN)
@paged
def list_hitech_fields(request, filters: Query[HitechFilters]):
    qs = _search(HitechField.objects.select_related("parent"), filters.q)
    if filters.parent:
        qs = qs.filter(parent=by_code(HitechField, filters.parent, "parent"))
    if filters.top is not None:
        qs = qs.filter(parent__isnull=filters.top)
    return qs


@router.get("/hitech-fields/{code}", response={200: HitechFieldOut, 404: Message}, **OPEN)
def get_hitech_field(request, code: str):
    return HitechField.objects.select_related("parent").get(code=code)


class ClusterFilters(Schema):
    q: str | None = None
    kind: Cluster.Kind | None = None
    city: str | None = None


@router.get("/clusters", response=list[ClusterOut], **OPEN)
@paged
def list_clusters(request, filters: Query[ClusterFilters]):
    qs = _search(Cluster.objects.select_related("city"), filters.q)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.city:
        qs = qs.filter(city=by_code(Area, filters.city, "city"))
    return qs


@router.get("/clusters/{int:id}", response={200: ClusterOut, 404: Message}, **OPEN)
def get_cluster(request, id: int):
    return Cluster.objects.select_related("city").get(pk=id)


class ProgrammeFilters(Schema):
    q: str | None = None


@router.get("/talent-programmes", response=list[TalentProgrammeOut], **OPEN)
@paged
def list_talent_programmes(request, filters: Query[ProgrammeFilters]):
    return _search(TalentProgramme.objects.all(), filters.q)


@router.get("/talent-programmes/{code}", response={200: TalentProgrammeOut, 404: Message}, **OPEN)
def get_talent_programme(request, code: str):
    return TalentProgramme.objects.get(code=code)
