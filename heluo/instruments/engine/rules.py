"""The booking rules, the instrument categories and the evaluation scheme: data files with their sources."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from heluo.core import workflow as wf

DATA = Path(__file__).resolve().parent.parent / "data"
SCHEME_FILE = DATA / "evaluation_scheme.json"


@cache
def rules() -> dict:
    return json.loads((DATA / "rules.json").read_text(encoding="utf-8"))


def rule(name: str):
    return rules()[name]["value"]


@cache
def categories() -> list[tuple[str, str, str]]:
    """(code, zh, en) in the platform's order."""
    return [tuple(c) for c in json.loads((DATA / "categories.json").read_text(encoding="utf-8"))["categories"]]


@cache
def scheme() -> dict:
    return json.loads(SCHEME_FILE.read_text(encoding="utf-8"))


def booking_workflow() -> wf.Workflow:
    return wf.load(DATA / "workflows" / "booking.json")
