"""Cultivation through the REST API, scoped exactly like the pages: pools (staff: the bureau the whole city,
district staff their areas), evaluation runs (the bureau), 免申即享 lists (the bureau all of them; district
staff the grants of their areas; an enterprise its own published grants) and an enterprise's cultivation page
(the enterprise itself, its district, the bureau). Outside the scope a row is 404, like a missing one; a
resource the caller's role has no page for is 403; no token is 401.

Run results carry the figures each criterion read (enterprises' annual data); reading them is logged as a
sensitive read, as the R&D-incentive and points pages log theirs.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema

from heluo.api.auth import caller
from heluo.api.common import paged
from heluo.api.schemas import Message
from heluo.core.audit import log_sensitive_read
from heluo.core.models import Role
from heluo.core.permissions import require_bureau, require_staff, scope_for
from heluo.cultivation.engine.pools import pools, split_gaps
from heluo.cultivation.models import Outcome
from heluo.cultivation.schemas import (
    BenefitListDetailOut,
    BenefitListOut,
    EnterpriseCultivationOut,
    PoolMemberOut,
    PoolOut,
    ResultOut,
    RunOut,
)
from heluo.cultivation.selectors import benefits as benefit_reads
from heluo.cultivation.selectors import pools as pool_reads
from heluo.cultivation.selectors.enterprise import qualification_rows
from heluo.cultivation.selectors.enterprises import scoped_enterprises
from heluo.cultivation.selectors.rulesets import load_ruleset_any, pool_ruleset
from heluo.cultivation.selectors.runs import latest_results, run_results, runs
from heluo.cultivation.selectors.servicework import current_officer

router = Router(tags=["cultivation"])

# Documented error answers (bodies as in heluo/api/errors.py).
ERRORS = {401: Message, 403: Message, 404: Message}


class ConvertedRows:
    """A queryset that ``paged`` slices and counts as usual, each page then converted in one go (so per-page
    work such as the English gap texts is done for that page only)."""

    def __init__(self, queryset, convert_page):
        self.queryset, self.convert_page = queryset, convert_page

    def all(self):
        return self

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, window: slice) -> list:
        return self.convert_page(list(self.queryset[window]))


def require_grant_reader(user):
    """免申即享 lists: the bureau, district staff and enterprise users; other roles have no such page."""
    scope = scope_for(user)
    if not (scope.is_staff or (scope.role == Role.ORG_USER and scope.organization_id)):
        raise PermissionDenied


def enterprise_ref(org) -> dict:
    return {"id": org.pk, "name": org.name, "uscc": org.uscc or None, "area": org.area.code if org.area_id else None}


def text(zh: str, en: str) -> dict:
    return {"zh": zh, "en": en or zh}


def gap_rows(gaps: list[dict]) -> list[dict]:
    return [
        {
            "code": g.get("code", ""),
            "name": text(g.get("name", ""), g.get("name_en", "")),
            "gap": text(g.get("gap", ""), g.get("gap_en", "")),
            "state": g.get("state", "fail"),
        }
        for g in gaps
    ]


# --- pools ----------------------------------------------------------------------------------------------


class YearFilter(Schema):
    year: int | None = None  # default: the newest year with pool entries


@router.get("/cultivation/pools", response={200: list[PoolOut], **ERRORS})
def list_pools(request, filters: Query[YearFilter]):
    """Every configured pool with its current members for the year, counting only those the caller may see."""
    user = caller(request)
    require_staff(user)
    year = filters.year or pool_reads.pool_year()
    counts = pool_reads.member_counts(user, year)
    return [
        {
            "code": p.code,
            "name": text(p.zh, p.en),
            "ruleset": pool_ruleset(p),
            "qualification": p.qualification,
            "max_distance": p.max_distance,
            "year": year,
            "members": counts.get(p.code, 0),
        }
        for p in pools().values()
    ]


class MemberFilters(Schema):
    year: int | None = None
    area: str | None = None  # an area code; its sub-areas included


def member_row(entry) -> dict:
    failed, to_verify = split_gaps(entry.gaps)
    return {
        "id": entry.pk,
        "organization": enterprise_ref(entry.organization),
        "year": entry.year,
        "rank": entry.rank,
        "distance": entry.distance,
        "source": entry.source,
        "result": entry.result,
        "score": entry.score,
        "run": entry.run_id,
        "failed": gap_rows(failed),
        "to_verify": gap_rows(to_verify),
        "added_on": entry.added_on,
        "note": entry.note,
    }


@router.get("/cultivation/pools/{code}/members", response={200: list[PoolMemberOut], **ERRORS})
@paged
def list_pool_members(request, code: str, filters: Query[MemberFilters]):
    """The pool's current members, nearest to qualifying first, with the criteria not met and their gaps."""
    from django.db.models import Q

    user = caller(request)
    require_staff(user)
    if code not in pools():
        raise Http404(code)
    qs = pool_reads.members(user, code, filters.year or pool_reads.pool_year())
    if filters.area:
        qs = qs.filter(Q(organization__area__code=filters.area) | Q(organization__area__parent__code=filters.area))

    def convert(entries):
        pool_reads.add_english_gaps(entries)
        return [member_row(e) for e in entries]

    return ConvertedRows(qs.select_related("organization__area"), convert)


# --- evaluation runs ------------------------------------------------------------------------------------


def run_row(run) -> dict:
    return {
        **{f: getattr(run, f) for f in ("ruleset", "ruleset_version", "ruleset_hash", "year", "as_of", "created", "total")},
        **{f: getattr(run, f) for f in ("passed", "failed", "undetermined")},
        "id": run.pk,
        "created_by": run.created_by.username if run.created_by else None,
    }


@router.get("/cultivation/runs", response={200: list[RunOut], **ERRORS})
@paged
def list_runs(request):
    """Evaluation runs, newest first (the bureau's)."""
    user = caller(request)
    require_bureau(user)
    return ConvertedRows(runs(user), lambda page: [run_row(r) for r in page])


class ResultFilters(Schema):
    outcome: Outcome | None = None
    organization: int | None = None


def result_row(r) -> dict:
    return {
        "id": r.pk,
        "organization": enterprise_ref(r.organization),
        "result": r.result,
        "score": r.score,
        "failed": r.failed_codes,
        "criteria": r.detail.get("criteria", {}),
    }


@router.get("/cultivation/runs/{int:id}/results", response={200: list[ResultOut], **ERRORS})
@paged
def list_run_results(request, id: int, filters: Query[ResultFilters]):
    """One run's result per enterprise with each criterion's detail (the figures it read: a logged read)."""
    user = caller(request)
    require_bureau(user)
    run = runs(user).get(pk=id)

    def convert(page):
        log_sensitive_read("enterprise_financials", obj=run, detail=f"API: evaluation results, {len(page)} rows", user=user)
        return [result_row(r) for r in page]

    return ConvertedRows(run_results(user, run, filters.outcome, filters.organization).select_related("organization__area"), convert)


# --- 免申即享 lists --------------------------------------------------------------------------------------


def benefit_list_row(blist) -> dict:
    p = blist.policy
    return {
        "id": blist.pk,
        "policy": {
            "code": p.code,
            "name": text(p.name, p.name_en),
            "ruleset": p.ruleset,
            "cite": p.cite,
            "tag": p.tag,
            "is_example": p.is_example,
        },
        "year": blist.year,
        "status": blist.status,
        "run": blist.run_id,
        "count": blist.visible_count,
        "total_amount": blist.visible_total or 0,
        "created": blist.created,
        "confirmed_at": blist.confirmed_at,
        "published_at": blist.published_at,
    }


@router.get("/cultivation/benefit-lists", response={200: list[BenefitListOut], **ERRORS})
@paged
def list_benefit_lists(request):
    user = caller(request)
    require_grant_reader(user)
    return ConvertedRows(benefit_reads.lists_with_grants(user), lambda page: [benefit_list_row(b) for b in page])


@router.get("/cultivation/benefit-lists/{int:id}", response={200: BenefitListDetailOut, **ERRORS})
def get_benefit_list(request, id: int):
    """A list with the grants the caller may see and the basis of each amount."""
    user = caller(request)
    require_grant_reader(user)
    blist = benefit_reads.lists_with_grants(user).get(pk=id)
    grants = benefit_reads.visible_grants(user).filter(benefit_list=blist).select_related("organization__area")
    return {
        **benefit_list_row(blist),
        "grants": [{"organization": enterprise_ref(g.organization), "amount": g.amount, "basis": g.basis} for g in grants],
    }


# --- an enterprise's cultivation page -------------------------------------------------------------------


def ruleset_title(name: str) -> dict:
    try:
        rs = load_ruleset_any(name)
    except Exception:  # a custom set deleted since its run: its code stands for its title
        return text(name, name)
    return text(rs.title_zh, rs.title_en)


@router.get("/cultivation/organizations/{int:id}", response={200: EnterpriseCultivationOut, **ERRORS})
def get_enterprise_cultivation(request, id: int):
    """What the enterprise's cultivation page shows: its qualifications and when they end, what it qualifies
    for in the latest runs, the pools it is in with the gaps left, the 免申即享 grants it may see and its officer."""
    user = caller(request)
    org = scoped_enterprises(user).select_related("area").get(pk=id)
    today = timezone.localdate()
    results = latest_results(org)
    entries = list(pool_reads.entries_of(org))
    pool_reads.add_english_gaps(entries)
    configured = pools()
    officer = current_officer(org)

    def result_row(r):
        return {
            "ruleset": r.run.ruleset,
            "title": ruleset_title(r.run.ruleset),
            "year": r.run.year,
            "run": r.run_id,
            "result": r.result,
            "score": r.score,
        }

    def near_row(e):
        failed, to_verify = split_gaps(e.gaps)
        pool = configured.get(e.pool)
        return {
            "pool": e.pool,
            "pool_name": text(pool.zh, pool.en) if pool else text(e.pool, e.pool),
            "year": e.year,
            "rank": e.rank,
            "distance": e.distance,
            "failed": gap_rows(failed),
            "to_verify": gap_rows(to_verify),
        }

    return {
        "organization": enterprise_ref(org),
        "as_of": today,
        "qualifications": [
            {
                "id": row["q"].pk,
                "kind": row["q"].kind,
                "certificate_no": row["q"].certificate_no,
                "valid_from": row["q"].valid_from,
                "valid_to": row["q"].valid_to,
                "revoked_on": row["q"].revoked_on,
                "ends_on": row["end"],
                "ends_basis": row["basis"],
                "state": row["state"],
                "days_left": row["days_left"],
            }
            for row in qualification_rows(org, today)
        ],
        "qualifies_for": [result_row(r) for r in results if r.result == Outcome.PASS],
        "undetermined": [result_row(r) for r in results if r.result == Outcome.UNDETERMINED],
        "nearly_qualifies": [near_row(e) for e in entries],
        "grants": [
            {
                "benefit_list": g.benefit_list_id,
                "policy": text(g.benefit_list.policy.name, g.benefit_list.policy.name_en),
                "year": g.benefit_list.year,
                "status": g.benefit_list.status,
                "amount": g.amount,
            }
            for g in benefit_reads.grants_for(user, org)
        ],
        "officer": (officer.get_full_name() or officer.username) if officer else None,
    }
