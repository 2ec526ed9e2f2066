"""People, experts and talent-programme memberships. Token required throughout (anonymous: 401).

Personal identifiers are always masked in outputs; POST /people/{id}/id-number is the one way to read a
full identifier, allowed only with the permission (bureau administrator, users granted it, or the person
themself) and recorded as a sensitive read.
"""

from django.db.models import Q
from ninja import Query, Router, Schema
from ninja.patch_dict import PatchDict
from ninja.responses import Status

from heluo.api.auth import OPEN, TOKEN, caller, writer
from heluo.api.common import READ, WRITE, apply, by_code, filter_data, many, paged, require_change, search_code_or_name, visible
from heluo.api.errors import invalid
from heluo.api.history import add_changes_route
from heluo.api.schemas import Message
from heluo.core.permissions import VIEW
from heluo.orgs.models import Organization
from heluo.people import selectors, services
from heluo.people.models import Expert, Person, TalentMembership, TalentProgramme
from heluo.people.schemas import ExpertIn, ExpertOut, IdNumberOut, PersonIn, PersonOut, TalentIn, TalentOut, TalentProgrammeOut
from heluo.people.selectors import PersonFilterSet
from heluo.taxonomy.models import HitechField, Industry

router = Router(auth=TOKEN)


# --- people ---------------------------------------------------------------------------------------------


class PersonFilters(Schema):
    q: str | None = None  # name, employer or title
    role: str | None = None  # talent | expert | mentor
    programme: str | None = None  # talent programme code
    employer: int | None = None  # organization id


@router.get("/people", response=list[PersonOut], tags=["people"])
@paged
def list_people(request, filters: Query[PersonFilters]):
    data = filter_data(PersonFilterSet, filters, {"programme": TalentProgramme})
    return selectors.person_list(caller(request), data)


@router.get("/people/{int:id}", response={200: PersonOut, **READ}, tags=["people"])
def get_person(request, id: int):
    return selectors.person_get(caller(request), id)


def _save_person(user, person, data):
    apply(person, data, {"employer": lambda v: visible(Organization, user, v, "employer")})
    services.person_save(user, person)
    return selectors.person_get(user, person.pk)


@router.post("/people", response={201: PersonOut, **WRITE}, tags=["people"])
def create_person(request, payload: PersonIn):
    user = writer(request)
    return Status(201, _save_person(user, Person(), payload.model_dump()))


@router.put("/people/{int:id}", response={200: PersonOut, **WRITE}, tags=["people"])
def replace_person(request, id: int, payload: PersonIn):
    user = writer(request)
    person = selectors.person_get(user, id)
    require_change(user, person)
    data = payload.model_dump()
    if data.get("id_number") is None:
        data.pop("id_number")  # outputs are masked, so a client cannot send the identifier back: keep it
    return _save_person(user, person, data)


@router.patch("/people/{int:id}", response={200: PersonOut, **WRITE}, tags=["people"])
def update_person(request, id: int, payload: PatchDict[PersonIn]):
    user = writer(request)
    person = selectors.person_get(user, id)
    require_change(user, person)
    return _save_person(user, person, payload)


@router.delete("/people/{int:id}", response={204: None, **WRITE}, tags=["people"])
def delete_person(request, id: int):
    user = writer(request)
    services.person_delete(user, selectors.person_get(user, id))
    return Status(204, None)


@router.post("/people/{int:id}/id-number", response={200: IdNumberOut, 401: Message, 403: Message, 404: Message}, tags=["people"])
def reveal_id_number(request, id: int):
    """The full identifier. Needs the permission to read personal identifiers; every call is logged."""
    user = caller(request)
    person = selectors.person_get(user, id)
    return {"id": person.pk, "id_number": services.person_reveal_id_number(user, person)}


# --- experts --------------------------------------------------------------------------------------------


class ExpertFilters(Schema):
    q: str | None = None  # name, specialty or employer
    active: bool | None = None
    hitech_field: str | None = None  # code; a field includes its sub-fields
    industry: str | None = None  # code; a section includes its divisions


def _experts(user):
    return (
        Expert.objects.restrict(user, VIEW)
        .select_related("person", "person__employer")
        .prefetch_related("hitech_fields", "industries")
        .order_by("person__name", "pk")
    )


@router.get("/experts", response=list[ExpertOut], tags=["experts"])
@paged
def list_experts(request, filters: Query[ExpertFilters]):
    qs = _experts(caller(request))
    if filters.q and filters.q.strip():
        q = filters.q.strip()
        qs = qs.filter(Q(person__name__icontains=q) | Q(specialty__icontains=q) | Q(person__employer__name__icontains=q))
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    if filters.hitech_field:
        f = by_code(HitechField, filters.hitech_field, "hitech_field")
        qs = qs.filter(Q(hitech_fields=f) | Q(hitech_fields__parent=f))
    if filters.industry:
        i = by_code(Industry, filters.industry, "industry")
        qs = qs.filter(Q(industries=i) | Q(industries__parent=i))
    return qs.distinct()


@router.get("/experts/{int:id}", response={200: ExpertOut, **READ}, tags=["experts"])
def get_expert(request, id: int):
    return _experts(caller(request)).get(pk=id)


def _save_expert(user, expert, data):
    fields = many(lambda c, f: by_code(HitechField, c, f), data.pop("hitech_fields", None), "hitech_fields")
    industries = many(lambda c, f: by_code(Industry, c, f), data.pop("industries", None), "industries")
    apply(expert, data, {"person": lambda v: visible(Person, user, v, "person")})
    services.expert_save(user, expert, hitech_fields=fields, industries=industries)
    return _experts(user).get(pk=expert.pk)


@router.post("/experts", response={201: ExpertOut, **WRITE}, tags=["experts"])
def create_expert(request, payload: ExpertIn):
    user = writer(request)
    return Status(201, _save_expert(user, Expert(), payload.model_dump()))


@router.put("/experts/{int:id}", response={200: ExpertOut, **WRITE}, tags=["experts"])
def replace_expert(request, id: int, payload: ExpertIn):
    user = writer(request)
    expert = _experts(user).get(pk=id)
    require_change(user, expert)
    return _save_expert(user, expert, payload.model_dump())


@router.patch("/experts/{int:id}", response={200: ExpertOut, **WRITE}, tags=["experts"])
def update_expert(request, id: int, payload: PatchDict[ExpertIn]):
    user = writer(request)
    expert = _experts(user).get(pk=id)
    require_change(user, expert)
    return _save_expert(user, expert, payload)


@router.delete("/experts/{int:id}", response={204: None, **WRITE}, tags=["experts"])
def delete_expert(request, id: int):
    user = writer(request)
    services.expert_delete(user, _experts(user).get(pk=id))
    return Status(204, None)


# --- talents (talent-programme memberships) -------------------------------------------------------------


class TalentFilters(Schema):
    programme: str | None = None  # talent programme code
    year: int | None = None
    person: int | None = None
    category: str | None = None


def _talents(user):
    return TalentMembership.objects.restrict(user, VIEW).select_related("person", "programme").order_by("-year", "pk")


@router.get("/talents", response=list[TalentOut], tags=["talents"])
@paged
def list_talents(request, filters: Query[TalentFilters]):
    qs = _talents(caller(request))
    if filters.programme:
        qs = qs.filter(programme=by_code(TalentProgramme, filters.programme, "programme"))
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.person is not None:
        qs = qs.filter(person_id=filters.person)
    if filters.category:
        qs = qs.filter(category=filters.category)
    return qs


@router.get("/talents/{int:id}", response={200: TalentOut, **READ}, tags=["talents"])
def get_talent(request, id: int):
    return _talents(caller(request)).get(pk=id)


def _programme(value):
    if not value:
        raise invalid("programme", "必须指定人才计划 / The talent programme is required.")
    return by_code(TalentProgramme, value, "programme")


def _save_talent(user, membership, data):
    apply(membership, data, {"person": lambda v: visible(Person, user, v, "person"), "programme": _programme})
    services.membership_save(user, membership)
    return _talents(user).get(pk=membership.pk)


@router.post("/talents", response={201: TalentOut, **WRITE}, tags=["talents"])
def create_talent(request, payload: TalentIn):
    user = writer(request)
    return Status(201, _save_talent(user, TalentMembership(), payload.model_dump()))


@router.put("/talents/{int:id}", response={200: TalentOut, **WRITE}, tags=["talents"])
def replace_talent(request, id: int, payload: TalentIn):
    user = writer(request)
    membership = _talents(user).get(pk=id)
    require_change(user, membership)
    return _save_talent(user, membership, payload.model_dump())


@router.patch("/talents/{int:id}", response={200: TalentOut, **WRITE}, tags=["talents"])
def update_talent(request, id: int, payload: PatchDict[TalentIn]):
    user = writer(request)
    membership = _talents(user).get(pk=id)
    require_change(user, membership)
    return _save_talent(user, membership, payload)


@router.delete("/talents/{int:id}", response={204: None, **WRITE}, tags=["talents"])
def delete_talent(request, id: int):
    user = writer(request)
    services.membership_delete(user, _talents(user).get(pk=id))
    return Status(204, None)


# --- talent programmes: reference data, readable without a token ---------------------------------------

programmes = Router(tags=["reference data"])


class ProgrammeFilters(Schema):
    q: str | None = None


@programmes.get("/talent-programmes", response=list[TalentProgrammeOut], **OPEN)
@paged
def list_talent_programmes(request, filters: Query[ProgrammeFilters]):
    return search_code_or_name(TalentProgramme.objects.all(), filters.q)


@programmes.get("/talent-programmes/{code}", response={200: TalentProgrammeOut, 404: Message}, **OPEN)
def get_talent_programme(request, code: str):
    return TalentProgramme.objects.get(code=code)


add_changes_route(router, "people", selectors.person_get)
add_changes_route(router, "experts", lambda user, pk: Expert.objects.restrict(user, VIEW).get(pk=pk))
add_changes_route(router, "talents", lambda user, pk: TalentMembership.objects.restrict(user, VIEW).get(pk=pk))
router.add_router("", programmes)
