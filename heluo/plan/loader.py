"""Loading a city's plan and its published observations from data files.

    heluo/plan/data/plans/<city>-*.json        the plan: metadata and indicators (baseline, target, source …)
    heluo/plan/data/observations/<city>.json   observations with their sources, oldest release first

Another city = other files. Loading is idempotent: the plan and indicators are upserted on their codes,
an observation release is matched on (indicator, area, period, vintage); loading again changes nothing.
A release not yet stored is added and the chain of its period re-ordered by vintage, so a revision never
overwrites the value it revises.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.management.base import CommandError
from django.db import transaction

from heluo.core.middleware import acting_as
from heluo.geo.models import Area

from .models import (
    Direction,
    Indicator,
    IndicatorGroup,
    IndicatorKind,
    MeasureType,
    Observation,
    ObservationStatus,
    PathShape,
    Plan,
    Qualifier,
    ValueSource,
    make_period_key,
)
from .services import METADATA_FIELDS, relink

DATA_DIR = Path(__file__).resolve().parent / "data"
PLAN_DIR = DATA_DIR / "plans"
OBSERVATION_DIR = DATA_DIR / "observations"
# Vintages of published figures are dates in China; a fixed zone keeps them identical whatever TIME_ZONE says.
SOURCE_ZONE = ZoneInfo("Asia/Shanghai")


class PlanDataError(CommandError):
    """A missing or malformed plan data file (printed without a traceback by `heluo plan load`)."""


def plan_files(city: str) -> list[Path]:
    return sorted(PLAN_DIR.glob(f"{city}-*.json"))


def observation_file(city: str) -> Path:
    return OBSERVATION_DIR / f"{city}.json"


def data_files(city: str) -> list[Path]:
    files = plan_files(city)
    obs = observation_file(city)
    return files + ([obs] if obs.exists() else [])


def digest(city: str) -> str:
    h = hashlib.sha256()
    for path in data_files(city):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanDataError(f"Plan data file not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PlanDataError(f"Malformed JSON in {path}: {exc}") from None


def _decimal(value, where):
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{where}: {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{where}: {value!r} is not a finite number")
    return number


def _date(value, where):
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _vintage(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=SOURCE_ZONE)


def _choice(value, choices, where, default=None):
    value = default if value in (None, "") and default is not None else value
    if value not in choices.values:
        raise ValueError(f"{where}: {value!r} is not one of {', '.join(repr(v) for v in choices.values)}")
    return value


# --- parsing: everything is checked before anything is written ------------------------------------------


def parse_plan(data: dict, path: Path) -> tuple[dict, list[dict]]:
    where = path.name
    plan = {
        "code": data["code"],
        "city": data["city"],
        "name_zh": data["name_zh"],
        "name_en": data.get("name_en", ""),
        "period_start": int(data["period_start"]),
        "period_end": int(data["period_end"]),
        "issuer": data.get("issuer", ""),
        "document_number": data.get("document_number", ""),
        "document_link": data.get("document_link", ""),
        "document_date": _date(data.get("document_date"), f"{where} document_date"),
        "document_note": data.get("document_note", ""),
        "description": data.get("description", ""),
        "is_published": bool(data.get("is_published", True)),
    }
    if "thresholds" in data:
        from .engine.measures import ProgressConfig

        plan["thresholds"] = {k: float(v) for k, v in data["thresholds"].items()}
        ProgressConfig(**plan["thresholds"])  # unknown names or disordered thresholds are errors of the file
    indicators, seen = [], set()
    for sort, item in enumerate(data["indicators"], 1):
        code = item["code"]
        at = f"{where} indicator {code}"
        if code in seen:
            raise ValueError(f"{at}: duplicate code")
        seen.add(code)
        baseline, target = item.get("baseline") or {}, item.get("target") or {}
        source = _choice(item.get("source"), ValueSource, f"{at} source", ValueSource.REPORTED)
        computation = item.get("computation", "") or ""
        if source == ValueSource.COMPUTED and not computation:
            raise ValueError(f"{at}: a computed indicator needs a computation")
        if computation:
            from .selectors import COMPUTATIONS

            if computation not in COMPUTATIONS:
                raise ValueError(f"{at}: unknown computation {computation!r}")
        row = {
            "code": code,
            "name_zh": item["name_zh"],
            "name_en": item.get("name_en", ""),
            "unit": item.get("unit", ""),
            "unit_en": item.get("unit_en", ""),
            "definition": item.get("definition", ""),
            "direction": _choice(item.get("direction"), Direction, f"{at} direction", Direction.HIGHER),
            "kind": _choice(item.get("kind"), IndicatorKind, f"{at} kind", IndicatorKind.EXPECTED),
            "path": _choice(item.get("path"), PathShape, f"{at} path", PathShape.LINEAR),
            "measure_type": _choice(item.get("measure_type"), MeasureType, f"{at} measure_type", MeasureType.STOCK),
            "baseline_year": baseline.get("year"),
            "baseline_value": _decimal(baseline.get("value"), f"{at} baseline"),
            "baseline_text": str(baseline.get("text", "") or ""),
            "target_year": target.get("year"),
            "target_value": _decimal(target.get("value"), f"{at} target"),
            "target_text": str(target.get("text", "") or ""),
            "source": source,
            "computation": computation,
            "computation_params": item.get("computation_params") or {},
            "group": _choice(item.get("group"), IndicatorGroup, f"{at} group", IndicatorGroup.CORE),
            "theme": item.get("theme", ""),
            "citation": item.get("citation", ""),
            "note": item.get("note", ""),
            "decimals": int(item.get("decimals", 2)),
            "is_published": bool(item.get("is_published", True)),
            "sort": sort,
        }
        if row["target_value"] is not None and not row["target_year"]:
            raise ValueError(f"{at}: a target needs its year")
        indicators.append(row)
    return plan, indicators


def parse_observations(data: dict, path: Path, indicator_codes: set[str]) -> list[dict]:
    sources = data.get("sources", {})
    releases = []
    for n, series in enumerate(data["series"], 1):
        at = f"{path.name} series {n} ({series.get('indicator')} {series.get('year')})"
        code = series["indicator"]
        if code not in indicator_codes:
            raise ValueError(f"{at}: unknown indicator {code!r}")
        year, quarter, month = int(series["year"]), series.get("quarter"), series.get("month")
        if quarter and month:
            raise ValueError(f"{at}: give a quarter or a month, not both")
        partial = bool(series.get("partial")) or bool(quarter and quarter < 4) or bool(month and month < 12)
        previous_vintage = None
        for m, rel in enumerate(series["releases"], 1):
            rat = f"{at} release {m}"
            src = sources.get(rel["source"]) if rel.get("source") else {}
            if src is None:
                raise ValueError(f"{rat}: unknown source {rel['source']!r}")
            source_date = _date(rel.get("date") or src.get("date"), f"{rat} date")
            vintage_day = _date(rel.get("vintage") or src.get("vintage"), f"{rat} vintage") or source_date
            if vintage_day is None:
                raise ValueError(f"{rat}: a release needs a source date or a vintage")
            if previous_vintage and vintage_day < previous_vintage:
                raise ValueError(f"{rat}: releases must be listed oldest first")
            previous_vintage = vintage_day
            value = _decimal(rel["value"], f"{rat} value")
            if value is None:
                raise ValueError(f"{rat}: value is required")
            releases.append(
                {
                    "indicator": code,
                    "area": series.get("area"),
                    "year": year,
                    "quarter": quarter,
                    "month": month,
                    "is_partial_period": partial,
                    "period_key": make_period_key(year, quarter, month, partial),
                    "period_label": series.get("period_label", ""),
                    "value": value,
                    "value_qualifier": _choice(rel.get("qualifier", ""), Qualifier, f"{rat} qualifier", ""),
                    "status": _choice(rel.get("status"), ObservationStatus, f"{rat} status"),
                    "is_uncertain": bool(rel.get("uncertain")),
                    "source_document": src.get("document", ""),
                    "source_publisher": src.get("publisher", ""),
                    "source_date": source_date,
                    "source_link": src.get("link", ""),
                    "note": "\n".join(t for t in (rel.get("note", ""), src.get("note", "")) if t),
                    "vintage": _vintage(vintage_day),
                    "is_published": bool(rel.get("is_published", True)),
                }
            )
    return releases


# --- writing ----------------------------------------------------------------------------------------------


def _differs(obj, name, value) -> bool:
    if isinstance(value, Area) or hasattr(value, "_meta"):
        return getattr(obj, f"{name}_id") != value.pk
    return getattr(obj, name) != value


def _upsert(model, lookup: dict, values: dict):
    """Create, or update only the fields that differ (so loading again writes and logs nothing)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values), "created"
    changed = [k for k, v in values.items() if _differs(obj, k, v)]
    if not changed:
        return obj, "unchanged"
    for k in changed:
        setattr(obj, k, values[k])
    obj.save()
    return obj, "updated"


def load_plan(city: str) -> dict:
    """Load (or update) the city's plan files and observations. Idempotent; never overwrites an observation."""
    files = plan_files(city)
    if not files:
        raise PlanDataError(f"No plan file for city {city!r} in {PLAN_DIR} (expected {city}-*.json)")
    parsed = []
    for path in files:
        try:
            parsed.append(parse_plan(_read(path), path))
        except (KeyError, TypeError, ValueError) as exc:
            raise PlanDataError(f"Unexpected content in {path}: {exc!r}") from None
    obs_path = observation_file(city)
    obs_data = _read(obs_path) if obs_path.exists() else None
    counts = {"plans": 0, "indicators": 0, "observations added": 0, "observations unchanged": 0, "observations updated": 0}
    with acting_as(None, "load"), transaction.atomic():
        plans = {}
        for plan_values, indicators in parsed:
            city_area = Area.objects.filter(code=plan_values.pop("city")).first()
            if city_area is None:
                raise PlanDataError(
                    f"The plan {plan_values['code']} names a city area that is not loaded; run `heluo load-reference --city {city}` first"
                )
            code = plan_values.pop("code")
            plan, _ = _upsert(Plan, {"code": code}, {**plan_values, "city": city_area})
            plans[code] = plan
            counts["plans"] += 1
            for row in indicators:
                _upsert(Indicator, {"plan": plan, "code": row.pop("code")}, row)
                counts["indicators"] += 1
        if obs_data is not None:
            plan_code = obs_data.get("plan")
            plan = plans.get(plan_code)
            if plan is None:
                raise PlanDataError(f"{obs_path}: plan {plan_code!r} is not in {', '.join(p.name for p in files)}")
            by_code = {i.code: i for i in plan.indicators.all()}
            try:
                releases = parse_observations(obs_data, obs_path, set(by_code))
            except (KeyError, TypeError, ValueError) as exc:
                raise PlanDataError(f"Unexpected content in {obs_path}: {exc!r}") from None
            areas = {a.code: a for a in Area.objects.filter(code__in={r["area"] or plan.city.code for r in releases})}
            touched, missing, skipped = set(), set(), 0
            for rel in releases:
                code = rel.pop("area") or plan.city.code
                area = areas.get(code)
                if area is None:  # an area of the file that this database's reference data lacks
                    missing.add(code)
                    skipped += 1
                    continue
                indicator = by_code[rel.pop("indicator")]
                action = _load_release(indicator, area, rel)
                counts[f"observations {action}"] += 1
                if action == "added":
                    touched.add((indicator.pk, area.pk, rel["period_key"]))
            for key in sorted(touched):
                relink(*key)
            if missing:
                counts["observations skipped (area not loaded)"] = skipped
                counts["missing areas"] = ", ".join(sorted(missing))
        # Remember what was loaded, unless something had to be skipped (so that it is tried again).
        stamp = "" if counts.get("missing areas") else digest(city)
        for plan in plans.values():
            if plan.source_digest != stamp:
                Plan.objects.filter(pk=plan.pk).update(source_digest=stamp)  # bookkeeping, not a change of the plan
    return counts


def _load_release(indicator, area, rel: dict) -> str:
    same_period = Observation.objects.filter(indicator=indicator, area=area, period_key=rel["period_key"], vintage=rel["vintage"])
    for obs in same_period:
        if obs.value == rel["value"]:
            changed = [f for f in METADATA_FIELDS if getattr(obs, f) != rel[f]]
            if not changed:
                return "unchanged"
            for f in changed:
                setattr(obs, f, rel[f])
            obs.save(update_fields=changed)
            return "updated"
    fields = {k: v for k, v in rel.items() if k != "period_key"}
    Observation.objects.create(indicator=indicator, area=area, is_current=False, **fields)
    return "added"


def ensure_plan(city: str, verbose=False) -> dict[str, int] | None:
    """Load the city's plan when it is missing or its data files changed since the last load."""
    if not plan_files(city):
        return None
    stamp = digest(city)
    if Plan.objects.filter(source_digest=stamp).exists():
        return None
    if not Area.objects.filter(kind=Area.Kind.CITY).exists():
        return None
    return load_plan(city)
