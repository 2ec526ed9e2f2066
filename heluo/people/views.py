"""Pages of people (talents, experts, mentors) and the talent programmes."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from heluo.core.permissions import VIEW, allowed_actions
from heluo.people import selectors as people_selectors
from heluo.people import services as people_services
from heluo.people.forms import PersonForm
from heluo.people.models import Expert, Mentor, Person, TalentMembership, TalentProgramme
from heluo.web.display import DASH, Column, badge
from heluo.web.views.generic import Export, ObjectType, ensure_login, field_rows, get_or_404
from heluo.web.views.reference import reference_filterset


def person_roles(p):
    roles = [
        (key, label)
        for key, label in (("talent", _("Talent")), ("expert", _("Expert")), ("mentor", _("Mentor")))
        if getattr(p, f"is_{key}", False)
    ]
    return format_html_join(" ", "{}", ((badge(k, label),) for k, label in roles)) if roles else DASH


PERSON_COLUMNS = [
    Column("name", fmt="link", order_by="name"),
    Column("masked_id_number", label=gettext_lazy("ID number"), fmt="code"),
    Column("gender", order_by="gender"),
    Column("employer", order_by="employer__name"),
    Column("title", order_by="title"),
    Column("roles", label=gettext_lazy("Roles"), render=person_roles),
]


def annotate_roles(qs):
    return qs.annotate(
        is_talent=Exists(TalentMembership.objects.filter(person=OuterRef("pk"))),
        is_expert=Exists(Expert.objects.filter(person=OuterRef("pk"))),
        is_mentor=Exists(Mentor.objects.filter(person=OuterRef("pk"))),
    )


def person_context(request, person):
    user = request.user
    expert = Expert.objects.restrict(user, VIEW).filter(person=person).prefetch_related("hitech_fields", "industries").first()
    mentor = Mentor.objects.restrict(user, VIEW).filter(person=person).select_related("carrier").first()
    talents = TalentMembership.objects.restrict(user, VIEW).filter(person=person).select_related("programme")
    return {
        "expert": expert,
        "mentor": mentor,
        "talents": talents,
        "may_reveal": "reveal_id_number" in allowed_actions(user, person),
        "expert_fields": field_rows(expert, ["specialty", "hitech_fields", "industries", "active", "joined_on"]) if expert else [],
        "mentor_fields": field_rows(mentor, ["specialty", "carrier", "active"]) if mentor else [],
    }


PERSON = ObjectType(
    key="person",
    model=Person,
    section="people",
    icon="people",
    title=gettext_lazy("Talents and experts"),
    list_selector=people_selectors.person_list,
    get_selector=people_selectors.person_get,
    filterset_class=people_selectors.PersonFilterSet,
    columns=PERSON_COLUMNS,
    hidden_filters=("employer",),
    annotate=annotate_roles,
    login_required=True,
    exports=[
        Export(
            "talents",
            gettext_lazy("Export talents XLSX"),
            lambda qs, user: (
                TalentMembership.objects.restrict(user, VIEW).filter(person__in=qs.values("pk")).select_related("person", "programme")
            ),
        ),
        Export(
            "experts",
            gettext_lazy("Export experts XLSX"),
            lambda qs, user: Expert.objects.restrict(user, VIEW).filter(person__in=qs.values("pk")).select_related("person"),
        ),
    ],
    form_class=PersonForm,
    save=people_services.person_save,
    delete=people_services.person_delete,
    detail_fields=["gender", "birth_year", "employer", "title", "degree", "phone", "email"],
    detail_template="people/person_detail.html",
    parts={"people.expert": "person", "people.mentor": "person", "people.talentmembership": "person"},
    detail_context=person_context,
)


@require_POST
def person_reveal(request, pk):
    """The unmasked ID number, for an htmx swap. Only through the audited service."""
    if response := ensure_login(request):
        return response
    person = get_or_404(people_selectors.person_get, request.user, pk)
    number = people_services.person_reveal_id_number(request.user, person)  # PermissionDenied → 403
    return HttpResponse(
        format_html(
            '<code class="text-body fs-6" id="id-number-value">{}</code> <span class="badge text-bg-warning">{}</span>',
            number,
            _("access logged"),
        )
    )


def _programme_members(p):
    return format_html('<a href="{}?programme={}&amp;role=talent">{}</a>', reverse("web:person_list"), p.pk, _("People"))


PROGRAMME = ObjectType(
    key="programme",
    model=TalentProgramme,
    section="reference",
    icon="award",
    list_selector=lambda user, filters: reference_filterset(TalentProgramme)(filters, queryset=TalentProgramme.objects.all()).qs,
    filterset_class=reference_filterset(TalentProgramme),
    columns=[
        Column("code", fmt="code", order_by="code"),
        Column("name_zh", order_by="name_zh"),
        Column("name_en"),
        Column("level"),
        Column("issuer"),
        Column("members", label=gettext_lazy("Members"), render=_programme_members),
    ],
)


def organization_people(request, org) -> dict:
    """On an organization's page: the people it employs that the user may see."""
    return {"people": Person.objects.restrict(request.user, VIEW).filter(employer=org)}


def platform_mentors(request, platform) -> dict:
    """On a platform's page: the start-up mentors it carries that the user may see."""
    return {"mentors": Mentor.objects.restrict(request.user, VIEW).filter(carrier=platform).select_related("person")}
