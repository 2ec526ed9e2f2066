"""Cultivation pools (培育库) as configured in ``config/pools.json``, and how far an evaluation result is from
qualifying.

Distance: for each definitely failed criterion that compares two numbers, |threshold − value| / |threshold|
(1 when the threshold is 0 or the criterion is a yes/no condition); summed. 0 means nothing failed — the
enterprise passes, or only has criteria left to verify. A pool takes the enterprises not holding its
qualification on the evaluation date whose distance is at most the pool's ``max_distance``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CONFIG = Path(__file__).resolve().parent.parent / "config" / "pools.json"
TO_VERIFY = "待核实"
AUTO_REASONS = ("holds_qualification", "criteria_not_met")  # codes of removals made by a refresh, which a later refresh may undo


@dataclass(frozen=True)
class Pool:
    code: str
    zh: str
    en: str
    ruleset: str | None
    qualification: str
    max_distance: float
    year_offset: int
    note_zh: str = ""
    note_en: str = ""


@cache
def pools() -> dict[str, Pool]:
    raw = json.loads(CONFIG.read_text(encoding="utf-8"))
    return {p["code"]: Pool(**p) for p in raw["pools"]}


def distance(detail: dict, failed: list[str]) -> float:
    total = 0.0
    crits = detail.get("criteria", {})
    for code in failed:
        c = crits.get(code, {})
        value, thr = c.get("value"), c.get("threshold")
        numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (value, thr))
        total += abs(thr - value) / abs(thr) if numeric and thr != 0 else 1.0
    return round(total, 6)


def gaps(detail: dict, failed: list[str], names: dict[str, str]) -> list[dict]:
    crits = detail.get("criteria", {})
    out = [{"code": c, "name": names.get(c, c), "gap": crits.get(c, {}).get("gap_zh", "未满足"), "state": "fail"} for c in failed]
    out += [
        {"code": c, "name": names.get(c, c), "gap": TO_VERIFY, "state": "undetermined"}
        for c, d in crits.items()
        if d.get("state") == "undetermined" and c in names
    ]
    return out


def open_criteria(detail: dict) -> int:
    """How many criteria are left to verify (undetermined)."""
    return sum(1 for c in detail.get("criteria", {}).values() if c.get("state") == "undetermined")


def score_upper_bound(score: str) -> float:
    """The highest score a stored score text ("72" or "41–91") still allows; 0 when there is none."""
    try:
        return float(score.split("–")[-1]) if score else 0.0
    except ValueError:
        return 0.0


def split_gaps(gaps: list[dict]) -> tuple[list[dict], list[dict]]:
    """A pool entry's gaps as (criteria not met, criteria left to verify)."""
    to_verify = [g for g in gaps if g.get("state") == "undetermined" or g.get("gap") == TO_VERIFY]
    return [g for g in gaps if g not in to_verify], to_verify
