"""Organizations, their qualifications, and enterprises' annual data.

Reads go through heluo.orgs.selectors, writes through heluo.orgs.services, so the API applies exactly the
web's scoping. Organizations and qualifications are readable without a token (the published part only);
annual data needs a token (an anonymous request gets 401), and a read by anyone but the enterprise itself
is recorded as a sensitive read.
"""

from ninja import Query, Router, Schema
from ninja.patch_dict import PatchDict
from ninja.responses import Status

from heluo.api.auth import OPEN, TOKEN, caller, writer
from heluo.api.common import READ, WRITE, apply, by_code, filter_data, many, paged, require_change, visible
from heluo.api.errors import invalid
from heluo.api.history import add_changes_route
from heluo.api.schemas import Day
from heluo.core.permissions import VIEW
from heluo.geo.api import area_code
from heluo.geo.models import Area
from heluo.orgs import selectors, services
from heluo.orgs.filtersets import AnnualFilterSet, OrganizationFilterSet, QualificationFilterSet
from heluo.orgs.models import DataStatus, EnterpriseAnnual, Organization, OrganizationKind, Qualification, QualificationKind
from heluo.orgs.schemas import AnnualIn, AnnualOut, OrganizationIn, OrganizationOut, QualificationIn, QualificationOut
from heluo.taxonomy.models import Cluster, HitechField, Industry

router = Router()

# --- organizations --------------------------------------------------------------------------------------


class OrganizationFilters(Schema):
    q: str | None = None  # name, short name or exact USCC
    kind: list[OrganizationKind] | None = None
    area: list[str] | None = None  # area codes; sub-areas included
    industry: str | None = None  # code; a section includes its divisions
    hitech_field: str | None = None  # top-level field code; includes its sub-fields
    cluster: str | None = None  # cluster code
    qualification: QualificationKind | None = None  # holds it today
    uscc: str | None = None


ORG_CODES = {"area": Area, "industry": Industry, "hitech_field": HitechField, "cluster": Cluster}


def _org_queryset(qs):
    return qs.prefetch_related("clusters")


@router.get("/organizations", response=list[OrganizationOut], **OPEN, tags=["organizations"])
@paged
def list_organizations(request, filters: Query[OrganizationFilters]):
    """Published organizations for everyone; plus, with a token, those in the caller's scope."""
    data = filter_data(OrganizationFilterSet, filters, ORG_CODES)
    return _org_queryset(selectors.organization_list(caller(request), data))


@router.get("/organizations/{int:id}", response={200: OrganizationOut, **READ}, **OPEN, tags=["organizations"])
def get_organization(request, id: int):
    return selectors.organization_get(caller(request), id)


def _save_org(user, org, data):
    clusters = data.pop("clusters", None)
    converters = {
        "area": area_code,
        "industry": lambda v: by_code(Industry, v, "industry"),
        "hitech_field": lambda v: by_code(HitechField, v, "hitech_field"),
    }
    apply(org, data, converters)
    services.organization_save(user, org, clusters=many(lambda c, f: by_code(Cluster, c, f), clusters, "clusters"))
    return selectors.organization_get(user, org.pk)


@router.post("/organizations", response={201: OrganizationOut, **WRITE}, tags=["organizations"])
def create_organization(request, payload: OrganizationIn):
    user = writer(request)
    return Status(201, _save_org(user, Organization(), payload.model_dump()))


@router.put("/organizations/{int:id}", response={200: OrganizationOut, **WRITE}, tags=["organizations"])
def replace_organization(request, id: int, payload: OrganizationIn):
    user = writer(request)
    org = selectors.organization_get(user, id)
    require_change(user, org)
    return _save_org(user, org, payload.model_dump())


@router.patch("/organizations/{int:id}", response={200: OrganizationOut, **WRITE}, tags=["organizations"])
def update_organization(request, id: int, payload: PatchDict[OrganizationIn]):
    user = writer(request)
    org = selectors.organization_get(user, id)
    require_change(user, org)
    return _save_org(user, org, payload)


@router.delete("/organizations/{int:id}", response={204: None, **WRITE}, tags=["organizations"])
def delete_organization(request, id: int):
    user = writer(request)
    services.organization_delete(user, selectors.organization_get(user, id))
    return Status(204, None)


# --- qualifications -------------------------------------------------------------------------------------


class QualificationFilters(Schema):
    kind: list[QualificationKind] | None = None
    organization: int | None = None
    valid_on: Day | None = None


def _qualification_get(user, pk):
    return selectors.qualification_list(user).get(pk=pk)


@router.get("/qualifications", response=list[QualificationOut], **OPEN, tags=["qualifications"])
@paged
def list_qualifications(request, filters: Query[QualificationFilters]):
    return selectors.qualification_list(caller(request), filter_data(QualificationFilterSet, filters))


class NestedQualificationFilters(Schema):
    kind: list[QualificationKind] | None = None
    valid_on: Day | None = None


@router.get("/organizations/{int:id}/qualifications", response={200: list[QualificationOut], **READ}, **OPEN, tags=["qualifications"])
@paged
def list_organization_qualifications(request, id: int, filters: Query[NestedQualificationFilters]):
    user = caller(request)
    org = selectors.organization_get(user, id)
    data = filter_data(QualificationFilterSet, filters)
    data["organization"] = org.pk
    return selectors.qualification_list(user, data)


@router.get("/qualifications/{int:id}", response={200: QualificationOut, **READ}, **OPEN, tags=["qualifications"])
def get_qualification(request, id: int):
    return _qualification_get(caller(request), id)


def _org_required(user):
    """Converter: organization id → an organization the caller may see (else 422, as if it did not exist)."""

    def convert(value):
        if not value:
            raise invalid("organization", "必须指定组织 / The organization is required.")
        return visible(Organization, user, value, "organization")

    return convert


def _save_qual(user, qual, data):
    apply(qual, data, {"organization": _org_required(user)})
    if qual.organization_id is None:
        raise invalid("organization", "必须指定组织 / The organization is required.")
    services.qualification_save(user, qual)
    return _qualification_get(user, qual.pk)


@router.post("/qualifications", response={201: QualificationOut, **WRITE}, tags=["qualifications"])
def create_qualification(request, payload: QualificationIn):
    user = writer(request)
    return Status(201, _save_qual(user, Qualification(), payload.model_dump()))


@router.post("/organizations/{int:id}/qualifications", response={201: QualificationOut, **WRITE}, tags=["qualifications"])
def create_organization_qualification(request, id: int, payload: QualificationIn):
    user = writer(request)
    org = selectors.organization_get(user, id)
    data = payload.model_dump()
    data["organization"] = org.pk
    return Status(201, _save_qual(user, Qualification(), data))


@router.put("/qualifications/{int:id}", response={200: QualificationOut, **WRITE}, tags=["qualifications"])
def replace_qualification(request, id: int, payload: QualificationIn):
    user = writer(request)
    qual = _qualification_get(user, id)
    require_change(user, qual)
    data = payload.model_dump()
    if data.get("organization") is None:
        data.pop("organization")  # PUT may leave the organization as it is
    return _save_qual(user, qual, data)


@router.patch("/qualifications/{int:id}", response={200: QualificationOut, **WRITE}, tags=["qualifications"])
def update_qualification(request, id: int, payload: PatchDict[QualificationIn]):
    user = writer(request)
    qual = _qualification_get(user, id)
    require_change(user, qual)
    return _save_qual(user, qual, payload)


@router.delete("/qualifications/{int:id}", response={204: None, **WRITE}, tags=["qualifications"])
def delete_qualification(request, id: int):
    user = writer(request)
    services.qualification_delete(user, _qualification_get(user, id))
    return Status(204, None)


# --- annual data ----------------------------------------------------------------------------------------


class AnnualFilters(Schema):
    q: str | None = None  # enterprise name or exact USCC
    year: int | None = None
    area: list[str] | None = None  # area codes
    status: list[DataStatus] | None = None
    organization: int | None = None


@router.get("/annual-data", response=list[AnnualOut], auth=TOKEN, tags=["annual data"])
@paged
def list_annual_data(request, filters: Query[AnnualFilters]):
    """Token required. A read by anyone but the enterprise itself is logged as a sensitive read."""
    data = filter_data(AnnualFilterSet, filters, {"area": Area})
    return selectors.annual_list(caller(request), data, log_reason="api")


@router.get("/annual-data/{int:id}", response={200: AnnualOut, **READ}, auth=TOKEN, tags=["annual data"])
def get_annual_data(request, id: int):
    return selectors.annual_get(caller(request), id)


def _annual_get(user, pk):
    """The row for a write: through the selector (404 outside the scope; a non-owner's access is logged)."""
    return selectors.annual_get(user, pk)


def _save_annual(user, row, data):
    apply(row, data, {"organization": _org_required(user)})
    services.annual_save(user, row)
    return EnterpriseAnnual.objects.restrict(user, VIEW).select_related("organization").get(pk=row.pk)


@router.post("/annual-data", response={201: AnnualOut, **WRITE}, tags=["annual data"])
def create_annual_data(request, payload: AnnualIn):
    user = writer(request)
    return Status(201, _save_annual(user, EnterpriseAnnual(), payload.model_dump()))


@router.put("/annual-data/{int:id}", response={200: AnnualOut, **WRITE}, tags=["annual data"])
def replace_annual_data(request, id: int, payload: AnnualIn):
    user = writer(request)
    row = _annual_get(user, id)
    require_change(user, row)
    return _save_annual(user, row, payload.model_dump())


@router.patch("/annual-data/{int:id}", response={200: AnnualOut, **WRITE}, tags=["annual data"])
def update_annual_data(request, id: int, payload: PatchDict[AnnualIn]):
    """An enterprise edits its own rows until they are verified; only bureau or district staff verify."""
    user = writer(request)
    row = _annual_get(user, id)
    require_change(user, row)
    return _save_annual(user, row, payload)


@router.delete("/annual-data/{int:id}", response={204: None, **WRITE}, tags=["annual data"])
def delete_annual_data(request, id: int):
    user = writer(request)
    services.annual_delete(user, _annual_get(user, id))
    return Status(204, None)


add_changes_route(router, "organizations", selectors.organization_get)
add_changes_route(router, "qualifications", lambda user, pk: selectors.qualification_list(user).get(pk=pk))
add_changes_route(router, "annual-data", selectors.annual_get)
