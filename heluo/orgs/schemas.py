"""Bodies of the organization, qualification and annual-data endpoints."""

import datetime as dt

from ninja import Schema

from heluo.api.schemas import CodeName, Money, OrgRef, is_public
from heluo.orgs.models import DataStatus, OrganizationKind, QualificationKind


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
        return None if is_public(context) else obj.legal_representative

    @staticmethod
    def resolve_address(obj, context):
        return None if is_public(context) else obj.address

    @staticmethod
    def resolve_phone(obj, context):
        return None if is_public(context) else obj.phone


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
