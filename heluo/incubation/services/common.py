"""Checks every incubation service shares: dates and texts read from a form or the API, refused with a reason."""

from __future__ import annotations

import datetime as dt

from heluo.core.i18n import Refusal


def text(value, field: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None or (required and not value):
        raise Refusal("required", "此项必填", "This is required.", 422, field)
    if len(value) > limit:
        raise Refusal("too_long", f"不能超过{limit}字", f"At most {limit} characters.", 422, field)
    return value


def date(value, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise Refusal("bad_date", "日期格式应为YYYY-MM-DD", "A date is written YYYY-MM-DD.", 422, field) from None


def not_future(day: dt.date, field: str) -> dt.date:
    if day > dt.date.today():
        raise Refusal("future_date", "日期不能晚于今天", "The date cannot be in the future.", 422, field)
    return day
