"""Reads of observations: the current value of an indicator and its revision history, within the user's scope."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from heluo.core.permissions import SYSTEM, VIEW

from ..models import Indicator, MeasureType, Observation, make_period_key


@dataclass
class ObservationHistory:
    current: Observation | None
    history: list[Observation]  # oldest first; the last one is the current one

    @property
    def revised(self) -> bool:
        return len(self.history) > 1


def visible_observations(user=SYSTEM):
    return Observation.objects.restrict(user, VIEW)


def _period_key(year, quarter, month, partial) -> str:
    return make_period_key(year, quarter, month, partial or bool((quarter and quarter < 4) or (month and month < 12)))


def observation_history(user, indicator, area=None, year=None, quarter=None, month=None, partial=False) -> ObservationHistory:
    """The current value of an indicator for an area and period, and every value published for it before."""
    area = area or indicator.plan.city
    rows = list(
        visible_observations(user)
        .filter(indicator=indicator, area=area, period_key=_period_key(year, quarter, month, partial))
        .select_related("supersedes")
        .order_by("vintage", "pk")
    )
    return ObservationHistory(next((o for o in rows if o.is_current), None), rows)


def histories_of(user, observations) -> dict[int, ObservationHistory]:
    """Observation id → its history (as observation_history), for many observations in one query."""
    keys = {o.pk: (o.indicator_id, o.area_id, _period_key(o.year, o.quarter, o.month, o.is_partial_period)) for o in observations}
    if not keys:
        return {}
    wanted = Q()
    for indicator_id, area_id, key in set(keys.values()):
        wanted |= Q(indicator_id=indicator_id, area_id=area_id, period_key=key)
    grouped = defaultdict(list)
    for o in visible_observations(user).filter(wanted).select_related("supersedes").order_by("vintage", "pk"):
        grouped[(o.indicator_id, o.area_id, o.period_key)].append(o)
    return {pk: ObservationHistory(next((o for o in grouped[k] if o.is_current), None), grouped[k]) for pk, k in keys.items()}


def current_observations(user, indicator, area=None):
    """`indicator` None: of every indicator (then `area` is needed)."""
    area = area or indicator.plan.city
    qs = visible_observations(user).filter(area=area, is_current=True)
    return qs if indicator is None else qs.filter(indicator=indicator)


def time_of(obs: Observation) -> float:
    """Position on the annual time axis, where a year's value sits at its end: 2024 → 2024.0,
    2025年1-10月 → 2024.83. A partial period of unknown length counts as the middle of the year."""
    if obs.month:
        return obs.year - 1 + obs.month / 12
    if obs.quarter:
        return obs.year - 1 + obs.quarter / 4
    return obs.year - 0.5 if obs.is_partial_period else float(obs.year)


def usable(obs: Observation, indicator: Indicator) -> bool:
    """A year-to-date value of a flow (contract turnover in Jan–Sep) is not comparable with annual values."""
    return not (obs.is_partial_period and indicator.measure_type == MeasureType.FLOW)


def best_by_year(observations, indicator) -> dict[int, Observation]:
    """One value per year: the full-year value if there is one, else the latest comparable partial value."""
    best: dict[int, Observation] = {}
    for obs in observations:
        if not usable(obs, indicator):
            continue
        rank = (not obs.is_partial_period, time_of(obs), obs.vintage)
        held = best.get(obs.year)
        if held is None or rank > (not held.is_partial_period, time_of(held), held.vintage):
            best[obs.year] = obs
    return best


def reported_series(user, indicator, area=None, up_to: int | None = None) -> list[Observation]:
    qs = current_observations(user, indicator, area)
    if up_to is not None:
        qs = qs.filter(year__lte=up_to)
    return series_of(qs, indicator)


def series_of(observations, indicator) -> list[Observation]:
    """The best observation of each year, oldest first."""
    return [o for _, o in sorted(best_by_year(observations, indicator).items())]


def latest_observation(user, indicator, area=None, up_to: int | None = None) -> Observation | None:
    series = reported_series(user, indicator, area, up_to)
    return series[-1] if series else None
