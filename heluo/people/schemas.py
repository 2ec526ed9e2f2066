"""Bodies of the person, expert, talent and talent-programme endpoints."""

import datetime as dt
from typing import Literal

from ninja import Schema

from heluo.api.schemas import CodeName, OrgRef, PersonRef


class TalentProgrammeOut(Schema):
    code: str
    name: str
    name_zh: str
    name_en: str
    level: str
    issuer: str


class PersonOut(Schema):
    """`id_number` is always masked (first 6 and last 4 characters); POST /people/{id}/id-number reveals it."""

    id: int
    name: str
    id_number: str
    gender: str
    birth_year: int | None
    employer: OrgRef | None
    title: str
    degree: str
    phone: str
    email: str
    updated: dt.datetime

    @staticmethod
    def resolve_id_number(obj):
        return obj.masked_id_number


class PersonIn(Schema):
    name: str
    id_number: str | None = None
    gender: Literal["", "male", "female"] = ""
    birth_year: int | None = None
    employer: int | None = None  # organization id
    title: str = ""
    degree: str = ""
    phone: str = ""
    email: str = ""


class IdNumberOut(Schema):
    id: int
    id_number: str


class ExpertOut(Schema):
    id: int
    person: PersonRef
    employer: OrgRef | None
    hitech_fields: list[CodeName]
    industries: list[CodeName]
    specialty: str
    active: bool
    joined_on: dt.date | None

    @staticmethod
    def resolve_employer(obj):
        return obj.person.employer

    @staticmethod
    def resolve_hitech_fields(obj):
        return list(obj.hitech_fields.all())

    @staticmethod
    def resolve_industries(obj):
        return list(obj.industries.all())


class ExpertIn(Schema):
    person: int
    hitech_fields: list[str] = []
    industries: list[str] = []
    specialty: str = ""
    active: bool = True
    joined_on: dt.date | None = None


class TalentOut(Schema):
    id: int
    person: PersonRef
    programme: CodeName
    year: int
    category: str
    note: str


class TalentIn(Schema):
    person: int
    programme: str  # talent programme code
    year: int
    category: str = ""
    note: str = ""
