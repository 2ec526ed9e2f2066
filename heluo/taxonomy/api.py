"""Industries (GB/T 4754), high-tech fields and the city's clusters. Read-only, readable without a token; loaded from data files
(`heluo load-reference`), not through the API."""

from ninja import Query, Router, Schema

from heluo.api.auth import OPEN
from heluo.api.common import by_code, paged, search_code_or_name
from heluo.api.schemas import Message
from heluo.geo.models import Area
from heluo.taxonomy.models import Cluster, HitechField, Industry
from heluo.taxonomy.schemas import ClusterOut, HitechFieldOut, IndustryOut

router = Router(tags=["reference data"])


class IndustryFilters(Schema):
    q: str | None = None
    level: Industry.Level | None = None
    parent: str | None = None  # section code: its divisions


@router.get("/industries", response=list[IndustryOut], **OPEN)
@paged
def list_industries(request, filters: Query[IndustryFilters]):
    qs = search_code_or_name(Industry.objects.select_related("parent"), filters.q)
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
    qs = search_code_or_name(HitechField.objects.select_related("parent"), filters.q)
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
    qs = search_code_or_name(Cluster.objects.select_related("city"), filters.q)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.city:
        qs = qs.filter(city=by_code(Area, filters.city, "city"))
    return qs


@router.get("/clusters/{int:id}", response={200: ClusterOut, 404: Message}, **OPEN)
def get_cluster(request, id: int):
    return Cluster.objects.select_related("city").get(pk=id)
