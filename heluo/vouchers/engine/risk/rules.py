"""The detectors' parameters: data/risk-rules.json (every value with its bilingual note), read into Rules."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from .normalise import ZERO

RULES_PATH = Path(__file__).resolve().parent.parent.parent / "data" / "risk-rules.json"


@dataclass(frozen=True)
class Rules:
    """The parameters of risk-rules.json, flattened. No defaults here on purpose: the JSON is the one source."""

    ignored_statuses: tuple[str, ...]
    related_fields: tuple[str, ...]
    min_name_chars: int
    min_address_chars: int
    min_phone_digits: int
    address_prefixes: tuple[str, ...]
    address_strip_area_kinds: tuple[str, ...]
    address_ignore: tuple[str, ...]
    split_window_days: int
    split_min_contracts: int
    recurring_min_in_programme: int
    recurring_min_across: int
    recurring_min_programmes: int
    evidence_ignore_rejected: bool
    invoice_min_chars: int
    margin_pct: Decimal
    just_under_checks: tuple[str, ...]
    fixed_thresholds: tuple[dict, ...] = ()

    def but(self, **changes) -> Rules:
        """A copy with some parameters changed (tests, what-if runs)."""
        return replace(self, **changes)


class RulesError(ValueError):
    pass


def _values(section: Mapping) -> dict:
    out = {}
    for name, spec in section.items():
        if isinstance(spec, dict) and "value" in spec:
            if not (spec.get("note_zh") and spec.get("note_en")):
                raise RulesError(f"risk rule parameter {name!r} has no bilingual note")  # every value explains itself
            out[name] = spec["value"]
    return out


def rules_from(raw: Mapping) -> Rules:
    r = raw["rules"]
    common, rel, split, rec, ev, ju = (
        _values(r[k]) for k in ("common", "related_party", "split_contract", "recurring_pair", "evidence_reused", "just_under")
    )
    try:
        rules = Rules(
            ignored_statuses=tuple(common["ignored_statuses"]),
            related_fields=tuple(rel["fields"]),
            min_name_chars=int(rel["min_name_chars"]),
            min_address_chars=int(rel["min_address_chars"]),
            min_phone_digits=int(rel["min_phone_digits"]),
            address_prefixes=tuple(rel["address_prefixes"]),
            address_strip_area_kinds=tuple(rel["address_strip_area_kinds"]),
            address_ignore=tuple(rel["address_ignore"]),
            split_window_days=int(split["window_days"]),
            split_min_contracts=int(split["min_contracts"]),
            recurring_min_in_programme=int(rec["min_in_programme"]),
            recurring_min_across=int(rec["min_across_programmes"]),
            recurring_min_programmes=int(rec["min_programmes"]),
            evidence_ignore_rejected=bool(ev["ignore_rejected"]),
            invoice_min_chars=int(ev["min_invoice_chars"]),
            margin_pct=Decimal(str(ju["margin_pct"])),
            just_under_checks=tuple(ju["checks"]),
            fixed_thresholds=tuple(dict(t) for t in ju["fixed_thresholds"]),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as e:
        raise RulesError(f"risk rules: {e!r}") from e
    if not (ZERO <= rules.margin_pct < 100) or rules.split_window_days < 0 or rules.split_min_contracts < 2:
        raise RulesError("risk rules: margin_pct must be in [0, 100), window_days ≥ 0, min_contracts ≥ 2")
    return rules


def read_rules_file(path: str | Path = RULES_PATH) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def _load(path: str) -> Rules:
    return rules_from(read_rules_file(path))


def load_rules(path: str | Path | None = None) -> Rules:
    return _load(str(path or RULES_PATH))
