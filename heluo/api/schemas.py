"""Request and response shapes every domain shares: messages, field errors, references to rows, change history.
Each domain keeps its own bodies in its `schemas.py`."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema

from heluo.core.permissions import scope_for

Money = Decimal | None


class Message(Schema):
    detail: str


class FieldError(Schema):
    field: str | None
    message: str


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
