"""Plan monitoring over the API: the plans, each indicator's progress for a year and area, an indicator's
observations with their sources and revisions, recording an observation, and the district assessment.

Scoped exactly like the plan pages, through the same selectors: the public plan (published figures of the
city) is readable without a token; a district's progress needs a token of someone who may read that district's
report (bureau staff, or the district's own staff); the assessment is for bureau and district staff. Recording
an observation goes through `services.observation_record`, with the rule of the web import: bureau staff for
any area, district staff for their own areas.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Query, Router, Schema
from ninja.responses import Status

from heluo.api.auth import OPEN, TOKEN, caller, writer
from heluo.api.common import READ, WRITE, by_code, paged
from heluo.api.errors import invalid
from heluo.api.schemas import Invalid, Message
from heluo.core.cells import CellError, parse_year
from heluo.geo.models import Area

from . import services
from .engine.assessment import AssessmentError
from .models import Indicator
from .schemas import AssessmentOut, IndicatorProgressList, ObservationIn, ObservationOut, ObservationWritten, PlanOut
from .selectors import progress_table, visible_observations, visible_plans
from .selectors.assessment import assess, load_definition, stored_run
from .selectors.assessment_records import may_view_assessment
from .selectors.dashboard import current_plan, monitoring_years, visible_indicators
from .selectors.report import readable_areas

router = Router(tags=["plan"])


def _plan(user, code):
    plan = current_plan(user, code or None)
    if plan is None:
        raise Http404
    return plan


def _area(user, plan, code):
    """The area of the progress table: the city by default; an area the user may not read is a 404 like a missing one."""
    if not code or code == plan.city.code:
        return plan.city
    area = next((a for a in readable_areas(user, plan) if a.code == code), None)
    if area is None:
        raise Http404
    return area


@router.get("/plan/plans", response=list[PlanOut], **OPEN)
@paged
def list_plans(request):
    return visible_plans(caller(request))


class ProgressFilters(Schema):
    plan: str | None = None  # plan code (default: the configured city's plan)
    area: str | None = None  # area code (default: the plan's city)
    year: int | None = None  # default: the latest year with a value


def _progress_item(row: dict) -> dict:
    return {
        **row,
        "value": row["latest_value"],
        "qualifier": row["latest_qualifier"],
        "period": row["latest_period"],
        "value_year": row["latest_year"],
        "expected_value": row["expected_at_latest"],
        "source": {
            "document": row["latest_source"],
            "publisher": row["latest_publisher"],
            "date": row["latest_source_date"],
            "link": row["latest_link"],
            "revision": row["latest_status"],
            "observation_id": row["latest_observation_id"],
        },
    }


@router.get("/plan/indicators", response={200: IndicatorProgressList, **READ}, **OPEN)
def list_indicators(request, filters: Query[ProgressFilters]):
    """Each indicator's value, target, progress measure and status, with the source, date and revision of the value."""
    user = caller(request)
    plan = _plan(user, filters.plan)
    area = _area(user, plan, filters.area)
    years = monitoring_years(user, plan)
    year = filters.year or years[0]
    if not plan.period_start - 1 <= year <= plan.period_end:
        raise invalid("year", f"规划期为 {plan.period_start}–{plan.period_end} 年 / the plan covers {plan.period_start}–{plan.period_end}")
    rows = progress_table(user, plan, year, area)
    return {"plan": plan.code, "area": area.code, "year": year, "years": years, "items": [_progress_item(r) for r in rows]}


class ObservationFilters(Schema):
    plan: str | None = None
    area: str | None = None  # area code; all visible areas when absent
    year: int | None = None
    current: bool | None = None  # only current values (True) or only superseded ones (False)


@router.get("/plan/indicators/{code}/observations", response={200: list[ObservationOut], **READ}, **OPEN)
@paged
def list_observations(request, code: str, filters: Query[ObservationFilters]):
    """The recorded values of an indicator, revisions included (each names the row it supersedes), newest vintage first."""
    user = caller(request)
    plan = _plan(user, filters.plan)
    indicator = visible_indicators(user, plan).filter(code=code).first()
    if indicator is None:
        raise Http404
    qs = visible_observations(user).filter(indicator=indicator).select_related("indicator", "area")
    if filters.area:
        qs = qs.filter(area__code=filters.area)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.current is not None:
        qs = qs.filter(is_current=filters.current)
    return qs.order_by("area__sort", "area__code", "year", "period_key", "-vintage", "-pk")


def _indicator_for(user, payload: ObservationIn) -> Indicator:
    plans = list(visible_plans(user).filter(code=payload.plan)) if payload.plan else list(visible_plans(user))
    if payload.plan and not plans:
        raise invalid("plan", f"未知的规划“{payload.plan}” / Unknown plan '{payload.plan}'")
    found = [i for p in plans for i in visible_indicators(user, p).filter(code=payload.indicator)]
    if not found:
        raise invalid("indicator", f"未知的指标“{payload.indicator}” / Unknown indicator '{payload.indicator}'")
    if len(found) > 1:
        raise invalid("plan", "多个规划含该指标代码，请填写规划 / several plans have this indicator code: give the plan")
    return found[0]


@router.post("/plan/observations", response={201: ObservationWritten, 200: ObservationWritten, **WRITE}, auth=TOKEN)
def record_observation(request, payload: ObservationIn):
    """A new value for an indicator, area and period. The same value as the current one changes nothing (200,
    "unchanged"); a different one becomes the current value and supersedes the previous one (201)."""
    user = writer(request)
    indicator = _indicator_for(user, payload)
    area = by_code(Area, payload.area, "area")
    if area is None:
        raise invalid("area", "请填写区划代码 / Give an area code")
    if payload.quarter and payload.month:
        raise invalid("month", "季度和月份只能填一个 / give a quarter or a month, not both")
    obs, action = services.observation_record(
        user,
        indicator=indicator,
        area=area,
        year=payload.year,
        value=payload.value,
        quarter=payload.quarter,
        month=payload.month,
        period_label=payload.period_label,
        qualifier=payload.qualifier,
        status=payload.status,
        uncertain=payload.uncertain,
        source_document=payload.source_document,
        source_publisher=payload.source_publisher,
        source_date=payload.source_date,
        source_link=payload.source_link,
        note=payload.note,
    )
    return Status(200 if action == "unchanged" else 201, {"action": action, "observation": obs})


def _scores(result: dict, units: list[dict]) -> list[dict]:
    names = {u["code"]: u for u in units}
    intervals = {d["district"]: d for d in (result.get("sensitivity") or {}).get("districts", [])}
    return [
        {
            **s,
            "name_zh": names.get(s["district"], {}).get("name_zh", ""),
            "name_en": names.get(s["district"], {}).get("name_en", ""),
            **{k: intervals.get(s["district"], {}).get(k) for k in ("median_rank", "p05_rank", "p95_rank")},
        }
        for s in result["scores"]
    ]


@router.get("/plan/assessments", response={200: AssessmentOut, 401: Message, 403: Message, 422: Invalid}, auth=TOKEN)
def get_assessment(request, year: int):
    """The district composite index of the year: the latest stored (published) run, else computed now from the
    records with the definition's method (without the Monte Carlo intervals). For bureau and district staff."""
    user = caller(request)
    if not may_view_assessment(user):
        raise PermissionDenied("县区考核仅供科技局和县区工作人员查看 / The district assessment is for bureau and district staff.")
    try:
        parse_year(year)  # the years a record may have: there is no 31 December of year 0
    except CellError as exc:
        raise invalid("year", str(exc)) from None
    try:
        definition = load_definition()
        run = stored_run(year, definition)
        if run is not None:
            result, units, digest = run.result, run.inputs.get("units", []), run.data_digest
        else:
            assessment = assess(definition, year, sensitivity=False)
            result, units, digest = assessment.as_dict(), assessment.matrix.as_dict()["units"], assessment.matrix.digest
    except AssessmentError as exc:
        raise invalid("year", str(exc)) from None
    return {
        "definition": definition.code,
        "version": definition.version,
        "digest": definition.digest,
        "year": year,
        "method": result["method"],
        "run": run.pk if run else None,
        "data_digest": digest,
        "scores": _scores(result, units),
    }
