"""When a qualification ends and how urgent that is: its own end date, else the configured validity
(``config/qualification-validity.json``, cited) from its start."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path

VALIDITY = Path(__file__).resolve().parent.parent / "config" / "qualification-validity.json"


@cache
def validity_config() -> dict:
    return json.loads(VALIDITY.read_text(encoding="utf-8"))


def expiry(kind: str, valid_from: dt.date, valid_to: dt.date | None) -> tuple[dt.date | None, str]:
    """The qualification's end: its own valid_to, else the configured validity from valid_from (cited)."""
    if valid_to:
        return valid_to, ""
    rule = validity_config()["validity"].get(kind)
    if not rule:
        return None, ""
    try:
        end = valid_from.replace(year=valid_from.year + rule["years"]) - dt.timedelta(days=1)
    except ValueError:  # 29 February
        end = valid_from.replace(year=valid_from.year + rule["years"], day=28)
    return end, f"{rule['cite']} [{rule['tag']}]"


def validity_state(end: dt.date | None, revoked_on: dt.date | None, today: dt.date) -> str:
    """revoked, expired, expiring (within the configured warning days) or valid."""
    if revoked_on and revoked_on <= today:
        return "revoked"
    if end and end < today:
        return "expired"
    if end and end - today <= dt.timedelta(days=validity_config()["warning_days"]):
        return "expiring"
    return "valid"
