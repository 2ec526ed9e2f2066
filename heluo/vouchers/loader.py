"""Programme configurations from JSON (``data/programmes/NAME.json``), so every parameter is data.

The shipped ``example.json`` is an *example*: the Henan and city values are not known (policy-rules.md §5,
[NF]). It is loaded with ``is_example`` set and bilingual notes saying so; a bureau writes its own file
from its official documents. ``{year}`` in strings stands for the programme year. ``authority`` is an area
code; when null, the configured city (the area of kind city) issues the vouchers.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from heluo.geo.models import Area
from heluo.geo.selectors import home_city

from .models import Programme, VoucherType
from .services import sync_counters

PROGRAMME_DIR = Path(__file__).with_name("data") / "programmes"


class ConfigError(ValueError):
    pass


def available() -> list[str]:
    return sorted(p.stem for p in PROGRAMME_DIR.glob("*.json"))


def read_config(name_or_path: str | Path) -> dict:
    path = Path(name_or_path)
    if not path.suffix:
        if str(name_or_path) not in available():
            raise ConfigError(f"no programme configuration {name_or_path!r}; shipped: {', '.join(available())}")
        path = PROGRAMME_DIR / f"{name_or_path}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _fill(value, year):
    return value.replace("{year}", str(year)) if isinstance(value, str) else value


def _when(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def load_programme(
    name_or_path: str | Path = "example",
    *,
    year: int | None = None,
    authority: str | None = None,
    code: str | None = None,
    overrides: dict | None = None,
) -> Programme:
    """Create or update (by code) a programme and its voucher types from a configuration, and set up the
    counters its issuers lock. `overrides` replaces top-level keys (tests and benchmarks use it)."""
    raw = {**read_config(name_or_path), **(overrides or {})}
    year = year or raw.get("year") or timezone.localdate().year
    area_code = authority or raw.get("authority")
    area = Area.objects.filter(code=area_code).first() if area_code else home_city()
    if area is None:
        raise ConfigError(f"no issuing area {area_code or '(the city)'}: load the city's reference data first")
    fields = {
        "name_zh": _fill(raw["name_zh"], year),
        "name_en": _fill(raw.get("name_en", ""), year),
        "authority": area,
        "year": year,
        "budget": Decimal(str(raw["budget"])),
        "window_opens": _when(_fill(raw["window"]["opens"], year)),
        "window_closes": _when(_fill(raw["window"]["closes"], year)),
        "allocation_mode": raw.get("allocation_mode", "fcfs"),
        "validity_days": int(raw["validity_days"]),
        "cap_per_enterprise": None if raw.get("cap_per_enterprise") is None else Decimal(str(raw["cap_per_enterprise"])),
        "eligible_rulesets": list(raw.get("eligible_rulesets", [])),
        "eligible_qualifications": list(raw.get("eligible_qualifications", [])),
        "startup_max_years": raw.get("startup_max_years"),
        "is_example": bool(raw.get("is_example", False)),
        "note_zh": raw.get("note_zh", ""),
        "note_en": raw.get("note_en", ""),
        "source": raw.get("source", ""),
    }
    with transaction.atomic():
        programme = Programme.objects.filter(code=code or _fill(raw["code"], year)).first() or Programme(
            code=code or _fill(raw["code"], year)
        )
        for name, value in fields.items():
            setattr(programme, name, value)
        programme.full_clean()
        programme.save()
        for i, t in enumerate(raw.get("types", [])):
            vt = VoucherType.objects.filter(programme=programme, code=t["code"]).first() or VoucherType(programme=programme, code=t["code"])
            vt.category, vt.name_zh, vt.name_en, vt.sort = t["category"], t["name_zh"], t.get("name_en", ""), i
            vt.share_of_contract, vt.cap_per_voucher = Decimal(str(t["share_of_contract"])), Decimal(str(t["cap_per_voucher"]))
            vt.budget = None if t.get("budget") is None else Decimal(str(t["budget"]))
            vt.full_clean()
            vt.save()
        sync_counters(programme)
    return programme
