"""The programmes, the card and the map as data (heluo/talent/data/*.json), and eligibility explained criterion by
criterion. Age is the round's year minus the year of birth; a limit is inclusive (data/programmes.json, age_rule)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"


@cache
def load(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def strands() -> list[dict]:
    return load("programmes")["programmes"]


def strand(programme_code: str, strand_code: str) -> dict | None:
    return next((s for s in strands() if s["code"] == programme_code and s["strand"] == strand_code), None)


def category(programme_code: str, strand_code: str, category_code: str) -> dict | None:
    s = strand(programme_code, strand_code)
    return next((c for c in s["categories"] if c["code"] == category_code), None) if s else None


def quotas(programme_code: str, strand_code: str) -> dict[str, int]:
    s = strand(programme_code, strand_code)
    return {c["code"]: int(c["quota"]) for c in s["categories"]} if s else {}


def award_amount(cat: dict) -> Decimal:
    return Decimal(str(cat["award"]))


def review_settings() -> dict:
    return load("programmes")["review"]


def card_levels() -> list[dict]:
    return load("card")["levels"]


def card_services() -> list[dict]:
    return load("card")["services"]


def services_for(level: str) -> list[dict]:
    return [s for s in card_services() if level in s["levels"]]


def card_validity_years() -> int:
    return int(load("card")["validity_years"])


@dataclass(frozen=True)
class Check:
    code: str
    ok: bool
    zh: str
    en: str


@dataclass(frozen=True)
class Candidate:
    birth_year: int | None
    degree: str
    title: str


def eligibility(criteria: dict, candidate: Candidate, year: int) -> list[Check]:
    """Each criterion of a category checked, with what was asked and what the candidate has."""
    checks = []
    if "max_age" in criteria:
        limit = int(criteria["max_age"])
        if candidate.birth_year is None:
            checks.append(Check("max_age", False, f"年龄不超过{limit}周岁：缺少出生年份", f"at most {limit} years old: no year of birth"))
        else:
            age = year - candidate.birth_year
            ok = age <= limit
            checks.append(
                Check(
                    "max_age",
                    ok,
                    f"年龄不超过{limit}周岁（含）：{year}年为{age}周岁，{'符合' if ok else '超龄'}",
                    f"at most {limit} years old (inclusive): {age} in {year}, {'meets it' if ok else 'too old'}",
                )
            )
    for code, label_zh, label_en, value in (
        ("degree_in", "学位", "degree", candidate.degree),
        ("title_in", "职称", "title", candidate.title),
    ):
        if code not in criteria:
            continue
        allowed = list(criteria[code])
        ok = any(a in (value or "") for a in allowed)
        shown = value or "—"
        checks.append(
            Check(
                code,
                ok,
                f"{label_zh}须为{'、'.join(allowed)}之一：为“{shown}”，{'符合' if ok else '不符合'}",
                f"{label_en} must be one of {', '.join(allowed)}: '{shown}', {'meets it' if ok else 'does not'}",
            )
        )
    return checks


def eligible(checks: list[Check]) -> bool:
    return all(c.ok for c in checks)
