"""What the records say: an award's obligation (years of service) status, age bands, and the shortage catalogue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .programmes import load

ON_TRACK, BREACHED, FULFILLED = "on_track", "breached", "fulfilled"


@dataclass(frozen=True)
class Obligation:
    status: str
    ends_on: dt.date
    served_years: int
    zh: str
    en: str


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def obligation(starts_on: dt.date, years: int, checks: list[tuple[int, bool]], today: dt.date) -> Obligation:
    """`checks`: (year, still serving in the city) per annual check. A check saying "no" before the end breaches it;
    past the end with every checked year served, it is fulfilled; otherwise on track."""
    ends_on = add_years(starts_on, years)
    served = sorted({y for y, ok in checks if ok})
    left = sorted(y for y, ok in checks if not ok and y < ends_on.year)
    if left:
        return Obligation(
            BREACHED,
            ends_on,
            len(served),
            f"{left[0]}年度核查未在本市服务，服务期至{ends_on:%Y-%m-%d}未满",
            f"not serving in the city at the {left[0]} check, before the term ending {ends_on:%Y-%m-%d}",
        )
    if today >= ends_on:
        return Obligation(FULFILLED, ends_on, len(served), f"服务期已满（至{ends_on:%Y-%m-%d}）", f"term served (to {ends_on:%Y-%m-%d})")
    return Obligation(
        ON_TRACK,
        ends_on,
        len(served),
        f"服务期至{ends_on:%Y-%m-%d}，已核查在岗{len(served)}年",
        f"term to {ends_on:%Y-%m-%d}, {len(served)} year(s) checked in service",
    )


def age_band(birth_year: int | None, year: int) -> str | None:
    if birth_year is None:
        return None
    age = year - birth_year
    for band in load("map")["age_bands"]:
        if band["max"] is None or age <= band["max"]:
            return band["code"]
    return None


@dataclass(frozen=True)
class ShortageRow:
    field: str
    level: str
    needed: int
    supply: int
    gap: int
    urgent: bool


def shortage(needs: dict[tuple[str, str], int], supply: dict[tuple[str, str], int]) -> list[ShortageRow]:
    """Needs and supply by (field, level): the gap, urgent where it is at least the data's share of the need; the
    biggest gaps first."""
    share = Decimal(str(load("map")["shortage"]["urgent_share"]))
    rows = []
    for key, needed in needs.items():
        have = supply.get(key, 0)
        gap = max(needed - have, 0)
        rows.append(ShortageRow(key[0], key[1], needed, have, gap, needed > 0 and gap >= share * needed))
    return sorted(rows, key=lambda r: (-r.gap, r.field, r.level))
