"""The talent map: talents by district, cluster, field, level and age band (tables and the city map), and the shortage
catalogue — the enterprises' needs by field and level against the talents on record. Staff see the whole city's
figures (districts their own areas' talents, through the scope); others see what their scope shows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.utils import timezone

from heluo.core.i18n import is_chinese
from heluo.geo.models import Area
from heluo.geo.selectors import home_city
from heluo.taxonomy.models import HitechField

from ..engine import records
from ..engine.programmes import card_levels, load
from .cards import needs, talents

MAP_KINDS = (Area.Kind.DISTRICT, Area.Kind.COUNTY, Area.Kind.COUNTY_CITY)


@dataclass(frozen=True)
class District:
    code: str
    name: str
    on_map: bool
    members: frozenset[int]


def districts() -> list[District]:
    """The city's districts and counties (on the map) and functional zones (not), each with the areas under it."""
    city = home_city()
    if city is None:
        return []
    top = list(Area.objects.filter(parent=city, valid_to__isnull=True).exclude(kind=Area.Kind.CITY))
    below = Area.below_each(top)  # one read of the tree for all of them
    return [District(a.code, a.name, a.kind in MAP_KINDS, frozenset(below[a.pk])) for a in top]


def _label(items: list[dict], code) -> str:
    found = next((i for i in items if i["code"] == code), None)
    return (found["zh"] if is_chinese() else found["en"]) if found else str(code or "—")


def tables(user, among: list[District] | None = None) -> dict[str, list[tuple[str, int]]]:
    """Counts by each dimension, largest first (a talent with several clusters counts once in each)."""
    year = timezone.localdate().year
    rows = list(talents(user).prefetch_related("person__employer__clusters"))
    area_of = {}
    for d in districts() if among is None else among:
        for pk in d.members:
            area_of[pk] = d.name
    by = {k: Counter() for k in ("area", "cluster", "field", "level", "age")}
    for t in rows:
        employer = t.person.employer
        by["area"][area_of.get(employer.area_id, "—") if employer else "—"] += 1
        for c in employer.clusters.all() if employer else ():
            by["cluster"][c.name] += 1
        by["field"][t.field.name if t.field else "—"] += 1
        by["level"][_label(card_levels(), t.level)] += 1
        by["age"][_label(load("map")["age_bands"], records.age_band(t.person.birth_year, year))] += 1
    return {k: c.most_common() for k, c in by.items()}


def district_counts(user, among: list[District] | None = None) -> list[tuple[District, int]]:
    counts = Counter(talents(user).values_list("person__employer__area_id", flat=True))
    return [(d, sum(counts.get(pk, 0) for pk in d.members)) for d in (districts() if among is None else among)]


@dataclass(frozen=True)
class ShortageLine:
    field: str
    level: str
    needed: int
    supply: int
    gap: int
    urgent: bool


def shortage(user, year: int) -> list[ShortageLine]:
    need_counts: Counter = Counter()
    for field_id, level, count in needs(user, year).values_list("field_id", "level", "count"):
        need_counts[(field_id, level)] += count
    supply = Counter(talents(user).filter(field__isnull=False).values_list("field_id", "level"))
    names = {f.pk: f.name for f in HitechField.objects.filter(pk__in={k[0] for k in need_counts})}
    levels = load("map")["need_levels"]
    return [
        ShortageLine(names.get(r.field, "—"), _label(levels, r.level), r.needed, r.supply, r.gap, r.urgent)
        for r in records.shortage(dict(need_counts), dict(supply))
    ]
