"""科技成果库 / the library of achievements: /market/achievements.

Reads go through heluo.market.selectors.achievements and writes through heluo.market.services.achievements, so the
API applies the pages' scoping and field rules. Published achievements are readable without a token; their contact
details come back as null unless marked public (or the caller is the owner, its district or the bureau). Status
changes only through ``POST /market/achievements/{id}/transitions`` (``{"action": "submit", "reason": ""}``): a
transition the state does not allow is a 409, one the caller may not take a 403, a missing reason a 422, each with
its stable code and the reason in both languages.
"""

import datetime as dt
from decimal import Decimal

from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.patch_dict import PatchDict
from ninja.responses import Status
from pydantic import Field

from heluo.api.auth import OPEN, caller, writer
from heluo.api.common import READ, WRITE, apply, by_code, filter_data, paged, require_change, visible
from heluo.api.errors import invalid
from heluo.api.schemas import CodeName, Day, OrgRef
from heluo.core.permissions import allowed_actions, scope_for
from heluo.geo.models import Area
from heluo.orgs.models import Organization
from heluo.taxonomy.models import Cluster, HitechField, Industry

from ..models import Achievement, AchievementStatus, IPKind, TransferMode
from ..models.achievements import ABSTRACT_MAX, TITLE_MAX, TRL_MAX, TRL_MIN
from ..selectors import achievements as selectors
from ..selectors.achievements import AchievementFilterSet
from ..services import achievements as services

router = Router(tags=["achievements"])
BASE = "/market/achievements"

# --- bodies -------------------------------------------------------------------------------------------------


class IPRight(Schema):
    kind: IPKind
    number: str = Field(min_length=1, max_length=60)
    title: str = Field("", max_length=200)


class IPRightOut(Schema):
    kind: str
    kind_label: str
    number: str
    title: str

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    kind: str
    sha256: str
    uploaded_at: dt.datetime


class AchievementOut(Schema):
    id: int
    title: str
    abstract: str
    keywords: list[str]
    hitech_field: CodeName | None
    industry: CodeName | None
    cluster: CodeName | None
    trl: int
    organization: OrgRef
    leader: str
    team: list[str]
    transfer_modes: list[str]
    price: Decimal | None
    negotiable: bool
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    contact_public: bool
    status: str
    status_label: str
    submitted_at: dt.datetime | None
    published_at: dt.datetime | None
    ip_rights: list[IPRightOut]

    @staticmethod
    def resolve_keywords(obj):
        return services.split_list(obj.keywords)

    @staticmethod
    def resolve_team(obj):
        return services.split_list(obj.team)

    @staticmethod
    def resolve_transfer_modes(obj):
        return obj.mode_codes

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())

    @staticmethod
    def resolve_ip_rights(obj):
        return list(obj.ip_rights.all())

    @staticmethod
    def _contact(obj, context, name):
        return getattr(obj, name) if selectors.may_see_contact(caller(context["request"]), obj) else None

    @staticmethod
    def resolve_contact_name(obj, context):
        return AchievementOut._contact(obj, context, "contact_name")

    @staticmethod
    def resolve_contact_phone(obj, context):
        return AchievementOut._contact(obj, context, "contact_phone")

    @staticmethod
    def resolve_contact_email(obj, context):
        return AchievementOut._contact(obj, context, "contact_email")


class AchievementDetailOut(AchievementOut):
    """One achievement, with what the caller may do to it now (view, change, delete, attach, and the workflow's
    transitions it may take)."""

    actions: list[str]

    @staticmethod
    def resolve_actions(obj, context):
        return sorted(allowed_actions(caller(context["request"]), obj))


class AchievementIn(Schema):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    abstract: str = Field(min_length=1, max_length=ABSTRACT_MAX)
    keywords: list[str] = Field(default_factory=list, max_length=20)
    hitech_field: str | None = None  # code, e.g. "8.4"
    industry: str | None = None  # GB/T 4754 code
    cluster: str | None = None  # cluster code
    trl: int = Field(ge=TRL_MIN, le=TRL_MAX)
    organization: int | None = None  # id; an organization user's own by default
    leader: str = Field("", max_length=50)
    team: list[str] = Field(default_factory=list, max_length=100)
    transfer_modes: list[TransferMode] = Field(default_factory=list, max_length=4)
    price: Decimal | None = Field(None, ge=0, le=10_000_000, max_digits=12, decimal_places=2)  # 万元
    negotiable: bool = False
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=40)
    contact_email: str = Field("", max_length=100)
    contact_public: bool = False
    ip_rights: list[IPRight] | None = Field(None, max_length=50)


class TransitionIn(Schema):
    action: str = Field(max_length=20)
    reason: str = Field("", max_length=500)


class EventOut(Schema):
    transition: str
    from_status: str
    to_status: str
    actor_name: str
    via: str
    at: dt.datetime
    reason: str


class AchievementFilters(Schema):
    q: str | None = Field(None, max_length=100)
    status: list[AchievementStatus] | None = None
    hitech_field: str | None = None  # top-level field code; includes its sub-fields
    industry: str | None = None
    cluster: str | None = None
    area: str | None = None  # the owner organization's area code; sub-areas included
    organization: int | None = None
    trl_min: int | None = Field(None, ge=TRL_MIN, le=TRL_MAX)
    trl_max: int | None = Field(None, ge=TRL_MIN, le=TRL_MAX)
    transfer_mode: TransferMode | None = None
    published_from: Day | None = None
    published_to: Day | None = None


FILTER_CODES = {"hitech_field": HitechField, "industry": Industry, "cluster": Cluster, "area": Area}


# --- reads --------------------------------------------------------------------------------------------------


@router.get(BASE, response=list[AchievementOut], **OPEN)
@paged
def list_achievements(request, filters: Query[AchievementFilters]):
    """Published achievements for everyone; with a token, also those in the caller's scope."""
    data = filter_data(AchievementFilterSet, filters, FILTER_CODES)
    return selectors.achievement_list(caller(request), data).prefetch_related("ip_rights")


@router.get(BASE + "/{int:id}", response={200: AchievementDetailOut, **READ}, **OPEN)
def get_achievement(request, id: int):
    return selectors.achievement_get(caller(request), id)


@router.get(BASE + "/{int:id}/events", response={200: list[EventOut], **READ})
def list_events(request, id: int):
    """The workflow's history (signed-in callers who may see the achievement)."""
    user = caller(request)
    return selectors.events(user, selectors.achievement_get(user, id))


@router.get(BASE + "/{int:id}/attachments", response={200: list[AttachmentOut], **READ}, **OPEN)
def list_attachments(request, id: int):
    user = caller(request)
    return selectors.attachments(user, selectors.achievement_get(user, id))


# --- writes -------------------------------------------------------------------------------------------------


def _own_or_visible(user):
    def convert(value):
        if value is None:
            own = scope_for(user).organization_id
            if own is None:
                raise invalid("organization", "必须指定成果所属单位 / The owner organization is required.")
            value = own
        return visible(Organization, user, value, "organization")

    return convert


def _save(user, a: Achievement, data: dict):
    rights = data.pop("ip_rights", None)
    if "keywords" in data:
        data["keywords"] = "、".join(data["keywords"])
    if "team" in data:
        data["team"] = "、".join(data["team"])
    if "transfer_modes" in data:
        data["transfer_modes"] = services.transfer_modes_value(data["transfer_modes"])
    converters = {
        "hitech_field": lambda v: by_code(HitechField, v, "hitech_field"),
        "industry": lambda v: by_code(Industry, v, "industry"),
        "cluster": lambda v: by_code(Cluster, v, "cluster"),
        "organization": _own_or_visible(user),
    }
    apply(a, data, converters)
    rows = None if rights is None else [(r["kind"], r["number"], r.get("title", "")) for r in rights]
    services.achievement_save(user, a, ip_rights=rows)
    return selectors.achievement_get(user, a.pk)


@router.post(BASE, response={201: AchievementDetailOut, **WRITE})
def create_achievement(request, payload: AchievementIn):
    """A new draft, of the caller's own organization unless the bureau names another."""
    user = writer(request)
    return Status(201, _save(user, Achievement(), payload.model_dump()))


@router.put(BASE + "/{int:id}", response={200: AchievementDetailOut, **WRITE})
def replace_achievement(request, id: int, payload: AchievementIn):
    user = writer(request)
    a = selectors.achievement_get(user, id)
    require_change(user, a)
    data = payload.model_dump()
    if data.get("organization") is None:
        data.pop("organization")
    return _save(user, a, data)


@router.patch(BASE + "/{int:id}", response={200: AchievementDetailOut, **WRITE})
def update_achievement(request, id: int, payload: PatchDict[AchievementIn]):
    user = writer(request)
    a = selectors.achievement_get(user, id)
    require_change(user, a)
    return _save(user, a, payload)


@router.delete(BASE + "/{int:id}", response={204: None, **WRITE})
def delete_achievement(request, id: int):
    user = writer(request)
    services.achievement_delete(user, selectors.achievement_get(user, id))
    return Status(204, None)


@router.post(BASE + "/{int:id}/transitions", response={200: AchievementDetailOut, **WRITE})
def take_transition(request, id: int, payload: TransitionIn):
    """submit, review, return, publish, withdraw, redraft (data/achievement-workflow.json says who may take which)."""
    user = writer(request)
    a = selectors.achievement_get(user, id)
    services.transition(user, a, payload.action, payload.reason)
    return selectors.achievement_get(user, id)


@router.post(BASE + "/{int:id}/attachments", response={201: AttachmentOut, **WRITE})
def add_attachment(request, id: int, file: File[UploadedFile]):
    """A PDF, Office document or image of at most 10 MB (multipart field ``file``); at most 10 per achievement."""
    user = writer(request)
    a = selectors.achievement_get(user, id)
    return Status(201, services.attachment_add(user, a, file))
