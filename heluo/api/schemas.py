"""Request and response shapes every domain shares: messages, field errors, references to rows, change history.
Each domain keeps its own bodies in its `schemas.py`."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator

from heluo.core.permissions import scope_for

Money = Decimal | None


def _iso_date(value):
    written = isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-"
    if not (written or isinstance(value, dt.date)):  # a number in a JSON body too
        raise ValueError("日期格式应为YYYY-MM-DD / A date is written YYYY-MM-DD")
    return value


# A date parameter: YYYY-MM-DD only (pydantic would read a number as a Unix time: ?valid_on=0 as 1970-01-01).
Day = Annotated[dt.date, BeforeValidator(_iso_date)]


class Message(Schema):
    detail: str


class FieldError(Schema):
    """One reason a request was refused; `field` is null for whole-record errors. A service's refusal
    (heluo.core.i18n.Refusal) also gives its stable `code` and the reason in each language (`message` is both);
    a malformed parameter gives pydantic's `loc` and `type`."""

    field: str | None
    message: str
    code: str | None = None
    zh: str | None = None
    en: str | None = None
    loc: list[str | int] | None = None
    type: str | None = None


class Invalid(Schema):
    detail: list[FieldError]


class CodeName(Schema):
    code: str
    name: str


class OrgRef(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    name: str


def is_public(context) -> bool:
    request = (context or {}).get("request")
    return request is None or scope_for(getattr(request, "auth", None)).is_public


def code_of(related):
    return related.code if related is not None else None


class DiffOut(Schema):
    field: str
    before: Any = None
    after: Any = None


class ChangeOut(Schema):
    id: int
    time: dt.datetime
    action: str
    user: str
    via: str
    object_repr: str
    before: dict | None
    after: dict | None
    diff: list[DiffOut]

    @staticmethod
    def resolve_user(obj):
        return obj.user_name

    @staticmethod
    def resolve_before(obj):
        return obj.prechange_data

    @staticmethod
    def resolve_after(obj):
        return obj.postchange_data

    @staticmethod
    def resolve_diff(obj):
        return [{"field": f, "before": b, "after": a} for f, b, a in obj.diff()]
