"""Request and response bodies. Outputs name reference data by code and (active-language) name; inputs take
codes for reference data (area "410305", industry "C" or "34", high-tech field "8.4", cluster code) and ids for
registry rows (organizations, people)."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema

from heluo.core.permissions import scope_for
from heluo.orgs.models import DataStatus, OrganizationKind, QualificationKind
from heluo.platforms.models import PlatformHost, PlatformKind, PlatformLevel, PlatformStatus

Money = Decimal | None


# --- shared ---------------------------------------------------------------------------------------------


class Message(Schema):
    detail: str


class FieldError(Schema):
    field: str | None
    message: str


class Invalid(Schema):
    detail: list[FieldError]


class CodeName(Schema):
    code: str
    name: str


class OrgRef(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    name: str


def _is_public(context) -> bool:
    request = (context or {}).get("request")
    return request is None or scope_for(getattr(request, "auth", None)).is_public


def _code(related):
    return related.code if related is not None else None


# --- reference data -------------------------------------------------------------------------------------


class AreaOut(Schema):
    code: str
    name: str
    name_zh: str
    name_en: str
    kind: str
    code_is_official: bool
    parent: str | None
    planning_zone: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    successor: str | None

    @staticmethod
    def resolve_parent(obj):
        return _code(obj.parent)

    @staticmethod
    def resolve_planning_zone(obj):
        return _code(obj.planning_zone)

    @staticmethod
    def resolve_successor(obj):
        return _code(obj.successor)


class PlanningZoneOut(Schema):
    id: int
    city: str
    code: str
    name: str
    name_zh: str
    name_en: str
    areas: list[str]

    @staticmethod
    def resolve_city(obj):
        return obj.city.code

    @staticmethod
    def resolve_areas(obj):
        return [a.code for a in obj.areas.all()]


class IndustryOut(Schema):
    code: str
    name: str
    name_zh: str
    name_en: str
    level: str
    parent: str | None
    standard: str

    @staticmethod
    def resolve_parent(obj):
        return _code(obj.parent)


class HitechFieldOut(Schema):
    code: str
    number: int
    name: str
    name_zh: str
    name_en: str
    parent: str | None

    @staticmethod
    def resolve_parent(obj):
        return _code(obj.parent)


class ClusterOut(Schema):
    id: int
    city: str
    code: str
    kind: str
    name: str
    name_zh: str
    name_en: str
    focus_zh: str

    @staticmethod
    def resolve_city(obj):
        return obj.city.code


class TalentProgrammeOut(Schema):
    code: str
    name: str
    name_zh: str
    name_en: str
    level: str
    issuer: str


# --- organizations --------------------------------------------------------------------------------------


class OrganizationOut(Schema):
    """Public (anonymous) callers get the published profile: contact fields come back as null."""

    id: int
    name: str
    short_name: str
    kind: str
    kind_label: str
    uscc: str | None
    area: CodeName
    industry: CodeName | None
    hitech_field: CodeName | None
    clusters: list[CodeName]
    founded_on: dt.date | None
    legal_representative: str | None
    address: str | None
    phone: str | None
    website: str
    description: str
    is_published: bool
    updated: dt.datetime

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_clusters(obj):
        return list(obj.clusters.all())

    @staticmethod
    def resolve_legal_representative(obj, context):
        return None if _is_public(context) else obj.legal_representative

    @staticmethod
    def resolve_address(obj, context):
        return None if _is_public(context) else obj.address

    @staticmethod
    def resolve_phone(obj, context):
        return None if _is_public(context) else obj.phone


class OrganizationIn(Schema):
    name: str
    short_name: str = ""
    kind: OrganizationKind = OrganizationKind.ENTERPRISE
    uscc: str | None = None
    area: str  # area code, e.g. "410305"
    industry: str | None = None  # GB/T 4754 code, e.g. "C" or "34"
    hitech_field: str | None = None  # e.g. "8" or "8.4"
    clusters: list[str] = []  # cluster codes
    founded_on: dt.date | None = None
    legal_representative: str = ""
    address: str = ""
    phone: str = ""
    website: str = ""
    description: str = ""
    is_published: bool = True


class QualificationOut(Schema):
    id: int
    organization: OrgRef
    kind: str
    kind_label: str
    certificate_no: str
    year: int | None
    valid_from: dt.date
    valid_to: dt.date | None
    revoked_on: dt.date | None
    valid_today: bool
    issuer: str
    document: str
    stage: str
    stock_code: str
    exchange: str
    note: str

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_valid_today(obj):
        from django.utils import timezone

        return obj.is_valid_on(timezone.localdate())


class QualificationIn(Schema):
    organization: int | None = None  # required on POST /qualifications; implied by the path when nested
    kind: QualificationKind
    certificate_no: str = ""
    year: int | None = None
    valid_from: dt.date
    valid_to: dt.date | None = None
    revoked_on: dt.date | None = None
    issuer: str = ""
    document: str = ""
    stage: str = ""
    stock_code: str = ""
    exchange: str = ""
    note: str = ""


class AnnualOut(Schema):
    """Money in yuan (元), as decimal strings."""

    id: int
    organization: OrgRef
    year: int
    operating_revenue: Money
    sales_revenue: Money
    hitech_income: Money
    total_income: Money
    rd_expense: Money
    rd_expense_domestic: Money
    rd_personnel: Money
    rd_direct_input: Money
    rd_depreciation: Money
    rd_amortization: Money
    rd_design: Money
    rd_equipment_trial: Money
    rd_outsourced: Money
    rd_other: Money
    total_staff: int | None
    st_staff: int | None
    net_assets: Money
    total_assets: Money
    ip_class1: int | None
    ip_class2: int | None
    invention_patents: int | None
    high_value_invention_patents: int | None
    tech_contract_income: Money
    equity_financing: Money
    rd_intensity: float | None
    source: str
    status: str
    status_label: str
    updated: dt.datetime

    @staticmethod
    def resolve_rd_intensity(obj):
        value = obj.rd_intensity
        return None if value is None else round(float(value), 6)

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())


class AnnualIn(Schema):
    organization: int
    year: int
    operating_revenue: Money = None
    sales_revenue: Money = None
    hitech_income: Money = None
    total_income: Money = None
    rd_expense: Money = None
    rd_expense_domestic: Money = None
    rd_personnel: Money = None
    rd_direct_input: Money = None
    rd_depreciation: Money = None
    rd_amortization: Money = None
    rd_design: Money = None
    rd_equipment_trial: Money = None
    rd_outsourced: Money = None
    rd_other: Money = None
    total_staff: int | None = None
    st_staff: int | None = None
    net_assets: Money = None
    total_assets: Money = None
    ip_class1: int | None = None
    ip_class2: int | None = None
    invention_patents: int | None = None
    high_value_invention_patents: int | None = None
    tech_contract_income: Money = None
    equity_financing: Money = None
    source: str = ""
    status: DataStatus = DataStatus.DRAFT


# --- platforms ------------------------------------------------------------------------------------------


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

        links = list(obj.host_links.all())  # prefetched (with the organizations) on lists
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


# --- people ---------------------------------------------------------------------------------------------


class PersonOut(Schema):
    """`id_number` is always masked (first 6 and last 4 characters); POST /people/{id}/id-number reveals it."""

    id: int
    name: str
    id_number: str
    gender: str
    birth_year: int | None
    employer: OrgRef | None
    title: str
    degree: str
    phone: str
    email: str
    updated: dt.datetime

    @staticmethod
    def resolve_id_number(obj):
        return obj.masked_id_number


class PersonIn(Schema):
    name: str
    id_number: str | None = None
    gender: Literal["", "male", "female"] = ""
    birth_year: int | None = None
    employer: int | None = None  # organization id
    title: str = ""
    degree: str = ""
    phone: str = ""
    email: str = ""


class IdNumberOut(Schema):
    id: int
    id_number: str


class ExpertOut(Schema):
    id: int
    person: PersonRef
    employer: OrgRef | None
    hitech_fields: list[CodeName]
    industries: list[CodeName]
    specialty: str
    active: bool
    joined_on: dt.date | None

    @staticmethod
    def resolve_employer(obj):
        return obj.person.employer

    @staticmethod
    def resolve_hitech_fields(obj):
        return list(obj.hitech_fields.all())

    @staticmethod
    def resolve_industries(obj):
        return list(obj.industries.all())


class ExpertIn(Schema):
    person: int
    hitech_fields: list[str] = []
    industries: list[str] = []
    specialty: str = ""
    active: bool = True
    joined_on: dt.date | None = None


class TalentOut(Schema):
    id: int
    person: PersonRef
    programme: CodeName
    year: int
    category: str
    note: str


class TalentIn(Schema):
    person: int
    programme: str  # talent programme code
    year: int
    category: str = ""
    note: str = ""


# --- change history -------------------------------------------------------------------------------------


class DiffOut(Schema):
    field: str
    before: Any = None
    after: Any = None


class ChangeOut(Schema):
    id: int
    time: dt.datetime
    action: str
    user: str
    via: str
    object_repr: str
    before: dict | None
    after: dict | None
    diff: list[DiffOut]

    @staticmethod
    def resolve_user(obj):
        return obj.user_name

    @staticmethod
    def resolve_before(obj):
        return obj.prechange_data

    @staticmethod
    def resolve_after(obj):
        return obj.postchange_data

    @staticmethod
    def resolve_diff(obj):
        return [{"field": f, "before": b, "after": a} for f, b, a in obj.diff()]
