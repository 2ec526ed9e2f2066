"""The talent database, cards and their uses, providers, enterprises' needs, the map, the shortage catalogue and a
person's own record (with the audited ID-number reveal of the people registry)."""

import datetime as dt

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from heluo.api.auth import caller, writer
from heluo.api.common import READ, WRITE, by_code, paged, visible
from heluo.api.errors import invalid
from heluo.api.schemas import Message, OrgRef, PersonRef
from heluo.orgs.models import Organization
from heluo.people.services import person_reveal_id_number
from heluo.taxonomy.models import HitechField

from ..models import Card, SkillNeed, Talent
from ..selectors import cards as sel
from ..selectors import map as map_sel
from ..selectors import rounds as round_sel
from ..services import cards as services
from ..services import records

router = Router(tags=["talent programmes: cards and map"])
ID = Field(..., ge=1, le=2**31 - 1)


class TalentOut(Schema):
    id: int
    person: PersonRef
    level: str
    field: str | None = Field(None, alias="field.code")
    since: int


class CardOut(Schema):
    id: int
    number: str
    talent: int = Field(..., alias="talent_id")
    person: str = Field(..., alias="talent.person.name")
    level: str
    issued_on: dt.date
    expires_on: dt.date
    revoked_on: dt.date | None


class CardIn(Schema):
    talent: int = ID
    issued_on: dt.date


class RevokeIn(Schema):
    on: dt.date
    reason: str = Field(..., min_length=1, max_length=1000)


class UseOut(Schema):
    id: int
    card: str = Field(..., alias="card.number")
    service: str
    used_on: dt.date
    provider: OrgRef | None
    note: str


class UseIn(Schema):
    card: str = Field(..., min_length=1, max_length=20)
    service: str = Field(..., max_length=20)
    used_on: dt.date
    note: str = Field("", max_length=200)


class ProviderOut(Schema):
    id: int
    organization: OrgRef
    service: str


class ProviderIn(Schema):
    organization: int = ID
    service: str = Field(..., max_length=20)


class NeedOut(Schema):
    id: int
    organization: OrgRef
    year: int
    field: str = Field(..., alias="field.code")
    level: str
    count: int
    note: str


class NeedIn(Schema):
    organization: int = ID
    year: int = Field(..., ge=2000, le=2100)
    field: str = Field(..., max_length=20)
    level: str = Field(..., max_length=4)
    count: int = Field(..., ge=1, le=10000)
    note: str = Field("", max_length=200)


class ShortageOut(Schema):
    field: str
    level: str
    needed: int
    supply: int
    gap: int
    urgent: bool


class CardFilter(Schema):
    card: int | None = Field(None, ge=1, le=2**31 - 1)


class YearFilter(Schema):
    year: int | None = Field(None, ge=2000, le=2100)


class MeOut(Schema):
    id: int
    name: str
    masked_id_number: str
    gender: str
    birth_year: int | None
    title: str
    degree: str
    phone: str
    email: str


class MeIn(Schema):
    changes: dict[str, str | int | None]
    reason: str = Field(..., min_length=1, max_length=500)


@router.get("/talent/talents", response=list[TalentOut])
@paged
def list_talents(request):
    return sel.talents(caller(request))


@router.get("/talent/cards", response=list[CardOut])
@paged
def list_cards(request):
    return sel.cards(caller(request))


@router.get("/talent/cards/{int:id}", response={200: CardOut, **READ})
def get_card(request, id: int):
    return sel.card_get(caller(request), id)


@router.post("/talent/cards", response={201: CardOut, **WRITE})
def issue_card(request, payload: CardIn):
    user = writer(request)
    return Status(201, services.card_issue(user, visible(Talent, user, payload.talent, "talent"), payload.issued_on))


@router.post("/talent/cards/{int:id}/revoke", response={200: CardOut, **WRITE})
def revoke_card(request, id: int, payload: RevokeIn):
    user = writer(request)
    return services.card_revoke(user, sel.card_get(user, id), payload.on, payload.reason)


@router.get("/talent/card-uses", response=list[UseOut])
@paged
def list_uses(request, filters: Query[CardFilter]):
    return sel.uses(caller(request), filters.card)


@router.post("/talent/card-uses", response={201: UseOut, **WRITE})
def record_use(request, payload: UseIn):
    """A provider (or the bureau) records a use by the card's number; the card itself need not be visible to it."""
    user = writer(request)
    card = Card.objects.filter(number=payload.card.strip()).select_related("talent__person").first()
    if card is None:
        raise invalid("card", f"未知的卡号“{payload.card}” / Unknown card number '{payload.card}'")
    return Status(201, services.use_record(user, card, payload.service, payload.used_on, payload.note))


@router.get("/talent/providers", response=list[ProviderOut], auth=None)
@paged
def list_providers(request):
    return sel.providers(caller(request))


@router.post("/talent/providers", response={201: ProviderOut, **WRITE})
def add_provider(request, payload: ProviderIn):
    user = writer(request)
    return Status(201, services.provider_add(user, visible(Organization, user, payload.organization, "organization"), payload.service))


@router.get("/talent/needs", response=list[NeedOut])
@paged
def list_needs(request, filters: Query[YearFilter]):
    return sel.needs(caller(request), filters.year)


@router.post("/talent/needs", response={201: NeedOut, **WRITE})
def add_need(request, payload: NeedIn):
    user = writer(request)
    d = payload.model_dump()
    need = SkillNeed(
        organization=visible(Organization, user, d.pop("organization"), "organization"),
        field=by_code(HitechField, d.pop("field"), "hitech_field"),
        **d,
    )
    return Status(201, services.need_save(user, need))


@router.get("/talent/map", response=dict)
def talent_map(request):
    """Talents by district, cluster, field, level and age band: [[label, count], …] per dimension."""
    return map_sel.tables(caller(request))


@router.get("/talent/shortage", response=list[ShortageOut])
def shortage(request, filters: Query[YearFilter]):
    return map_sel.shortage(caller(request), filters.year or timezone.localdate().year)


@router.get("/talent/me", response={200: MeOut, 403: Message, **READ})
def me(request):
    return records.own_person(caller(request))


@router.patch("/talent/me", response={200: MeOut, **WRITE})
def correct_me(request, payload: MeIn):
    return records.correct_own(writer(request), payload.changes, payload.reason)


@router.post("/talent/me/reveal-id-number", response={200: dict, **WRITE})
def reveal_me(request):
    """The own ID number, read through the registry's audited reveal."""
    user = writer(request)
    return {"id_number": person_reveal_id_number(user, records.own_person(user))}


@router.get("/talent/events", response=list[dict])
@paged
def list_events(request):
    return list(round_sel.events(caller(request)).values("id", "what", "round_id", "application_id", "card_id", "note", "actor_name", "at"))
