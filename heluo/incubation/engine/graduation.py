"""The chain's stages (data/chain.json) and the graduation check (data/graduation.json): a firm graduates from a stage
when it meets any one of the stage's criteria; each criterion is reported met or not, with why, in both languages."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class StageSpec:
    code: str
    zh: str
    en: str
    kinds: frozenset[str]
    position: int


@cache
def chain() -> dict:
    return json.loads((DATA / "chain.json").read_text(encoding="utf-8"))


@cache
def stages() -> tuple[StageSpec, ...]:
    return tuple(StageSpec(s["code"], s["zh"], s["en"], frozenset(s["kinds"]), i) for i, s in enumerate(chain()["stages"]))


def stage(code: str) -> StageSpec | None:
    return next((s for s in stages() if s.code == code), None)


def later(a: str, b: str) -> bool:
    """Is stage b further along the chain than stage a?"""
    sa, sb = stage(a), stage(b)
    return sa is not None and sb is not None and sb.position > sa.position


@cache
def criteria() -> dict:
    return json.loads((DATA / "graduation.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Facts:
    """What the registry knows of a firm on the day of the check."""

    entered_on: dt.date
    on: dt.date
    qualifications: frozenset[str] = frozenset()  # the kinds valid on the day
    revenue: dict[int, Decimal] = field(default_factory=dict)  # operating revenue by year (yuan)
    financing: dict[int, Decimal] = field(default_factory=dict)  # equity financing by year (yuan)
    staff: dict[int, int] = field(default_factory=dict)  # total staff by year


@dataclass(frozen=True)
class Criterion:
    zh: str
    en: str
    met: bool
    why_zh: str
    why_en: str


@dataclass(frozen=True)
class Verdict:
    stage: str
    met: bool
    months: int
    max_months: int | None
    overdue: bool
    criteria: tuple[Criterion, ...]
    terminal: bool  # a stage without graduation (the park)

    def as_dict(self) -> dict:
        return {
            "stage": self.stage,
            "met": self.met,
            "months": self.months,
            "max_months": self.max_months,
            "overdue": self.overdue,
            "terminal": self.terminal,
            "criteria": [c.__dict__ for c in self.criteria],
        }


def months_between(a: dt.date, b: dt.date) -> int:
    return max(0, (b.year - a.year) * 12 + b.month - a.month - (1 if b.day < a.day else 0))


def _consecutive(values: dict[int, Decimal], amount: Decimal, years: int, until: int) -> tuple[bool, list[int]]:
    good = sorted(y for y, v in values.items() if v is not None and v >= amount and y <= until)
    run: list[int] = []
    for y in good:
        run = [*run, y] if run and run[-1] == y - 1 else [y]
        if len(run) >= years:
            return True, run
    return False, good


def _check(c: dict, f: Facts) -> Criterion:
    kind = c["kind"]
    if kind == "qualification":
        held = sorted(f.qualifications & set(c["qualifications"]))
        return Criterion(c["zh"], c["en"], bool(held), f"持有：{'、'.join(held) or '无'}", f"holds: {', '.join(held) or 'none'}")
    if kind in ("revenue_at_least", "financing_at_least"):
        values = f.revenue if kind == "revenue_at_least" else f.financing
        years = int(c.get("years", 1))
        met, seen = _consecutive(values, Decimal(str(c["amount"])), years, f.on.year)
        shown = "、".join(str(y) for y in seen) or "—"
        return Criterion(c["zh"], c["en"], met, f"达到门槛的年份：{shown}", f"years at or above the threshold: {shown}")
    if kind == "staff_at_least":
        latest = max((y for y in f.staff if y <= f.on.year), default=None)
        count = f.staff.get(latest) if latest is not None else None
        met = count is not None and count >= int(c["count"])
        return Criterion(
            c["zh"],
            c["en"],
            met,
            f"最近一年（{latest or '—'}）从业人员：{count if count is not None else '—'}",
            f"staff in the latest year ({latest or '—'}): {count if count is not None else '—'}",
        )
    raise ValueError(f"unknown criterion kind {kind!r}")


def check(stage_code: str, facts: Facts) -> Verdict:
    spec = criteria()["stages"].get(stage_code, {"max_months": None, "any": []})
    results = tuple(_check(c, facts) for c in spec["any"])
    months = months_between(facts.entered_on, facts.on)
    max_months = spec.get("max_months")
    return Verdict(
        stage_code,
        any(r.met for r in results),
        months,
        max_months,
        max_months is not None and months > max_months,
        results,
        not spec["any"],
    )
