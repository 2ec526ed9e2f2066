"""Bodies of the area and planning-zone endpoints."""

import datetime as dt

from ninja import Schema

from heluo.api.schemas import code_of


class AreaOut(Schema):
    code: str
    name: str
    name_zh: str
    name_en: str
    kind: str
    code_is_official: bool
    parent: str | None
    planning_zone: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    successor: str | None

    @staticmethod
    def resolve_parent(obj):
        return code_of(obj.parent)

    @staticmethod
    def resolve_planning_zone(obj):
        return code_of(obj.planning_zone)

    @staticmethod
    def resolve_successor(obj):
        return code_of(obj.successor)


class PlanningZoneOut(Schema):
    id: int
    city: str
    code: str
    name: str
    name_zh: str
    name_en: str
    areas: list[str]

    @staticmethod
    def resolve_city(obj):
        return obj.city.code

    @staticmethod
    def resolve_areas(obj):
        return [a.code for a in obj.areas.all()]
