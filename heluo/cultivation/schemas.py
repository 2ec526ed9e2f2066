"""Bodies of the cultivation API. Texts of the data files (pool names, rule-set titles, criterion names, gaps)
come in both languages as ``{"zh": ..., "en": ...}``; stored gaps are Chinese with their English beside."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema


class Text(Schema):
    zh: str
    en: str


class EnterpriseRef(Schema):
    id: int
    name: str
    uscc: str | None
    area: str | None  # area code


class PoolOut(Schema):
    code: str
    name: Text
    ruleset: str | None  # None: a locally defined pool without a rule set yet
    qualification: str
    max_distance: float
    year: int
    members: int


class Gap(Schema):
    code: str
    name: Text
    gap: Text
    state: str  # fail | undetermined (left to verify)


class PoolMemberOut(Schema):
    id: int
    organization: EnterpriseRef
    year: int
    rank: int | None
    distance: float | None
    source: str  # evaluation | recommended
    result: str
    score: str
    run: int | None
    failed: list[Gap]
    to_verify: list[Gap]
    added_on: dt.date
    note: str


class RunOut(Schema):
    id: int
    ruleset: str
    ruleset_version: str
    ruleset_hash: str
    year: int
    as_of: dt.date
    created: dt.datetime
    created_by: str | None
    total: int
    passed: int
    failed: int
    undetermined: int


class ResultOut(Schema):
    id: int
    organization: EnterpriseRef
    result: str  # pass | fail | undetermined
    score: str
    failed: list[str]  # criterion codes
    criteria: dict[str, Any]  # per criterion: state, value, threshold, points, gap (zh/en) and the inputs read


class PolicyOut(Schema):
    code: str
    name: Text
    ruleset: str
    cite: str
    tag: str
    is_example: bool


class BenefitListOut(Schema):
    id: int
    policy: PolicyOut
    year: int
    status: str  # draft | confirmed | published | withdrawn
    run: int
    count: int  # grants the caller may see
    total_amount: Decimal
    created: dt.datetime
    confirmed_at: dt.datetime | None
    published_at: dt.datetime | None


class GrantOut(Schema):
    organization: EnterpriseRef
    amount: Decimal
    basis: dict[str, Any]  # run, rule set and version, and the fixed amount or the input, rate and cap


class BenefitListDetailOut(BenefitListOut):
    grants: list[GrantOut]


class QualificationState(Schema):
    id: int
    kind: str
    certificate_no: str
    valid_from: dt.date
    valid_to: dt.date | None
    revoked_on: dt.date | None
    ends_on: dt.date | None  # valid_to, else the configured validity from valid_from
    ends_basis: str  # the citation of that validity
    state: str  # valid | expiring | expired | revoked
    days_left: int | None


class QualifiesFor(Schema):
    ruleset: str
    title: Text
    year: int
    run: int
    result: str
    score: str


class NearlyQualifies(Schema):
    pool: str
    pool_name: Text
    year: int
    rank: int | None
    distance: float | None
    failed: list[Gap]
    to_verify: list[Gap]


class EnterpriseGrant(Schema):
    benefit_list: int
    policy: Text
    year: int
    status: str
    amount: Decimal


class EnterpriseCultivationOut(Schema):
    organization: EnterpriseRef
    as_of: dt.date
    qualifications: list[QualificationState]
    qualifies_for: list[QualifiesFor]
    undetermined: list[QualifiesFor]
    nearly_qualifies: list[NearlyQualifies]
    grants: list[EnterpriseGrant]
    officer: str | None
