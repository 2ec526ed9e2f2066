"""Bodies of the industry, high-tech field and cluster endpoints."""

from ninja import Schema

from heluo.api.schemas import code_of


class IndustryOut(Schema):
    code: str
    name: str
    name_zh: str
    name_en: str
    level: str
    parent: str | None
    standard: str

    @staticmethod
    def resolve_parent(obj):
        return code_of(obj.parent)


class HitechFieldOut(Schema):
    code: str
    number: int
    name: str
    name_zh: str
    name_en: str
    parent: str | None

    @staticmethod
    def resolve_parent(obj):
        return code_of(obj.parent)


class ClusterOut(Schema):
    id: int
    city: str
    code: str
    kind: str
    name: str
    name_zh: str
    name_en: str
    focus_zh: str

    @staticmethod
    def resolve_city(obj):
        return obj.city.code
