"""Writes of plan monitoring data. An observation is never overwritten: a new value for the same indicator,
area and period is a new row that supersedes the previous one; the chain is ordered by vintage."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from heluo.core.permissions import save_in_scope

from ..models import Observation, ObservationStatus, make_period_key

METADATA_FIELDS = (
    "period_label",
    "value_qualifier",
    "status",
    "is_uncertain",
    "source_document",
    "source_publisher",
    "source_date",
    "source_link",
    "note",
    "is_published",
)


def same_value(a: Decimal | None, b: Decimal | None) -> bool:
    return a is not None and b is not None and Decimal(a) == Decimal(b)


def current_for(indicator, area, period_key):
    return Observation.objects.filter(indicator=indicator, area=area, period_key=period_key, is_current=True).first()


def relink(indicator_id, area_id, period_key) -> None:
    """Order the rows of one (indicator, area, period) by vintage: each supersedes the one before, the last
    is current. Only the chain pointers change; values never do."""
    rows = list(Observation.objects.filter(indicator_id=indicator_id, area_id=area_id, period_key=period_key).order_by("vintage", "pk"))
    if not rows:
        return
    wanted = {}
    previous = None
    for n, obs in enumerate(rows):
        wanted[obs.pk] = (previous.pk if previous else None, n == len(rows) - 1)
        previous = obs
    # Leave the current state first, so the one-current-row constraint holds at every step.
    for obs in rows:
        supersedes_id, current = wanted[obs.pk]
        if obs.is_current and not current:
            obs.is_current = False
            obs.save(update_fields=["is_current"])
    for obs in rows:
        supersedes_id, current = wanted[obs.pk]
        if obs.supersedes_id != supersedes_id or obs.is_current != current:
            obs.supersedes_id, obs.is_current = supersedes_id, current
            obs.save(update_fields=["supersedes", "is_current"])


def observation_record(
    user,
    *,
    indicator,
    area,
    year,
    value,
    quarter=None,
    month=None,
    partial=False,
    period_label="",
    qualifier="",
    status=None,
    uncertain=False,
    source_document="",
    source_publisher="",
    source_date=None,
    source_link="",
    note="",
    vintage=None,
    is_published=True,
):
    """Record a value. Returns (observation, action) with action "created", "revised" or "unchanged".

    The same value as the current one changes nothing; a different value becomes a new current row that
    supersedes the previous one (status "revised" unless given). Refused outside the user's scope."""
    value = Decimal(str(value))
    if (quarter and quarter < 4) or (month and month < 12):
        partial = True
    period_key = make_period_key(year, quarter, month, partial)
    current = current_for(indicator, area, period_key)
    if current is not None and same_value(current.value, value) and current.value_qualifier == (qualifier or ""):
        return current, "unchanged"
    obs = Observation(
        indicator=indicator,
        area=area,
        year=year,
        quarter=quarter,
        month=month,
        is_partial_period=partial,
        period_label=period_label or "",
        value=value,
        value_qualifier=qualifier or "",
        status=status or (ObservationStatus.REVISED if current else ObservationStatus.FIRST_RELEASE),
        is_uncertain=uncertain,
        source_document=source_document or "",
        source_publisher=source_publisher or "",
        source_date=source_date,
        source_link=source_link or "",
        note=note or "",
        vintage=vintage or timezone.now(),
        is_published=is_published,
        is_current=False,
    )
    obs.full_clean(exclude=["supersedes", "period_key"], validate_constraints=False)
    with transaction.atomic():
        save_in_scope(user, obs)
        relink(indicator.pk, area.pk, obs.period_key)
    obs.refresh_from_db()
    return obs, ("revised" if current else "created")
