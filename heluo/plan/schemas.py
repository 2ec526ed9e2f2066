"""API bodies of plan monitoring: plans, indicators with their progress, observations, assessment results."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class PlanOut(Schema):
    code: str
    name_zh: str
    name_en: str
    city: str = Field(..., alias="city.code")
    period_start: int
    period_end: int
    issuer: str
    document_number: str
    document_link: str
    document_date: dt.date | None


class ValueSourceOut(Schema):
    """Where the latest value comes from: the publication (or the platform's records) and its revision."""

    document: str
    publisher: str
    date: str  # ISO date, "" when unknown
    link: str
    revision: str  # first_release, revised, estimate, derived; "computed" for a value computed from records
    observation_id: int | None


class IndicatorProgressOut(Schema):
    code: str
    name_zh: str
    name_en: str
    unit: str
    group: str
    direction: str
    baseline_year: int | None
    baseline: float | None
    target_year: int | None
    target: float | None
    target_text: str
    value: float | None
    qualifier: str
    period: str
    value_year: int | None
    value_source: str  # reported or computed
    source: ValueSourceOut
    expected_value: float | None  # on the plan's path at the value's time (时序进度)
    completion: float | None
    progress_value: float | None  # Statistics Canada's progress measure
    status: str
    status_zh: str
    status_en: str
    at_risk: bool
    risk_reasons: list[str]


class IndicatorProgressList(Schema):
    plan: str
    area: str
    year: int
    years: list[int]  # the years that can be monitored, most recent first
    items: list[IndicatorProgressOut]


class ObservationOut(Schema):
    id: int
    indicator: str = Field(..., alias="indicator.code")
    area: str = Field(..., alias="area.code")
    year: int
    quarter: int | None
    month: int | None
    is_partial_period: bool
    period_label: str
    value: Decimal
    value_qualifier: str
    status: str  # the revision: first_release, revised, estimate, derived
    is_uncertain: bool
    is_current: bool
    supersedes: int | None = Field(None, alias="supersedes_id")
    vintage: dt.datetime
    source_document: str
    source_publisher: str
    source_date: dt.date | None
    source_link: str
    note: str


class ObservationIn(Schema):
    plan: str | None = None  # plan code; needed only when several plans have the indicator's code
    indicator: str  # indicator code
    area: str  # area code
    year: int
    quarter: int | None = Field(None, ge=1, le=4)
    month: int | None = Field(None, ge=1, le=12)
    value: Decimal
    qualifier: str = ""
    status: str | None = None  # default: first_release, or revised when it changes a current value
    uncertain: bool = False
    period_label: str = ""
    source_document: str = ""
    source_publisher: str = ""
    source_date: dt.date | None = None
    source_link: str = ""
    note: str = ""


class ObservationWritten(Schema):
    action: str  # created, revised or unchanged
    observation: ObservationOut


class DistrictScoreOut(Schema):
    district: str
    name_zh: str
    name_en: str
    zone: str
    score: float | None
    rank: int | None
    zone_rank: int | None
    coverage: float | None
    missing: list[str]
    median_rank: float | None = None  # Monte Carlo rank interval, when the run has one
    p05_rank: float | None = None
    p95_rank: float | None = None


class AssessmentOut(Schema):
    definition: str
    version: str
    digest: str
    year: int
    method: dict
    run: int | None  # the stored run shown, None when computed now from the records
    data_digest: str
    scores: list[DistrictScoreOut]
