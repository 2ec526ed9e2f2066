"""The registry's object types (organizations, qualifications, annual data, platforms, people, reference data)
and the few views that are not plain list/detail/edit/delete."""

from __future__ import annotations

import django_filters as df
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from heluo.core.models import Role
from heluo.core.permissions import CHANGE, VIEW, can, scope_for
from heluo.geo.models import Area
from heluo.orgs import selectors as org_selectors
from heluo.orgs import services as org_services
from heluo.orgs.filtersets import AnnualFilterSet, OrganizationFilterSet, QualificationFilterSet
from heluo.orgs.models import DataStatus, EnterpriseAnnual, Organization, Qualification
from heluo.people import selectors as people_selectors
from heluo.people import services as people_services
from heluo.people.models import Expert, Mentor, Person, TalentMembership, TalentProgramme
from heluo.platforms import selectors as platform_selectors
from heluo.platforms import services as platform_services
from heluo.platforms.models import Platform
from heluo.taxonomy.models import Cluster, HitechField, Industry

from .. import tables
from ..display import Column, is_money_field, money_label, render_value, verbose_name
from ..forms import (
    AnnualForm,
    OrganizationForm,
    PersonForm,
    PlatformForm,
    PlatformStatusForm,
    QualificationForm,
    QualificationStatusForm,
    organization_label,
)
from .generic import Export, ObjectType, ensure_login, field_rows, get_or_404, object_edit

# --- organizations ------------------------------------------------------------------------------------


def organization_context(request, org):
    user = request.user
    qualifications = Qualification.objects.restrict(user, VIEW).filter(organization=org).order_by("kind", "-valid_from")
    annual = []
    if EnterpriseAnnual.objects.restrict(user, VIEW).filter(organization=org).exists():
        annual = list(org_selectors.annual_list(user, {"organization": org.pk}, log_reason="organization page").order_by("-year"))
    platforms = Platform.objects.restrict(user, VIEW).filter(host_links__organization=org).distinct()
    people = Person.objects.restrict(user, VIEW).filter(employer=org)
    return {
        "qualifications": [(q, tables.validity_badge(q)) for q in qualifications],
        "annual_rows": annual,
        "annual_columns": [
            (money_label(_("Sales revenue")), "sales_revenue"),
            (money_label(_("R&D expense")), "rd_expense"),
            (_("R&D intensity"), "rd_intensity"),
            (verbose_name(EnterpriseAnnual, "total_staff"), "total_staff"),
            (verbose_name(EnterpriseAnnual, "st_staff"), "st_staff"),
            (verbose_name(EnterpriseAnnual, "status"), "status"),
        ],
        "platforms": platforms,
        "people": people,
        "can_add_qualification": can(user, CHANGE, org) and scope_for(user).role != Role.ORG_USER,
        "can_add_annual": org.kind == "enterprise" and _may_add_annual(user, org),
    }


def _may_add_annual(user, org):
    scope = scope_for(user)
    if scope.is_bureau:
        return True
    if scope.role == Role.DISTRICT_STAFF:
        return org.area_id in scope.area_ids
    return scope.role == Role.ORG_USER and scope.organization_id == org.pk


ORGANIZATION = ObjectType(
    key="organization",
    model=Organization,
    section="organizations",
    icon="building",
    list_selector=org_selectors.organization_list,
    get_selector=org_selectors.organization_get,
    filterset_class=OrganizationFilterSet,
    columns=tables.ORGANIZATION,
    exports=[Export("organizations", gettext_lazy("Export XLSX"))],
    form_class=OrganizationForm,
    save=org_services.organization_save,
    delete=org_services.organization_delete,
    detail_fields=[
        "short_name",
        "kind",
        "uscc",
        "area",
        "industry",
        "hitech_field",
        "clusters",
        "founded_on",
        "legal_representative",
        "address",
        "phone",
        "website",
        "description",
        "is_published",
    ],
    detail_template="web/organization_detail.html",
    detail_context=organization_context,
)


# --- qualifications -----------------------------------------------------------------------------------


def qualification_context(request, q):
    scope = scope_for(request.user)
    return {"validity": tables.validity_badge(q), "can_change_status": can(request.user, CHANGE, q) and not scope.is_public}


QUALIFICATION = ObjectType(
    key="qualification",
    model=Qualification,
    section="qualifications",
    icon="patch-check",
    list_selector=org_selectors.qualification_list,
    get_selector=lambda user, pk: Qualification.objects.restrict(user, VIEW).select_related("organization").get(pk=pk),
    filterset_class=QualificationFilterSet,
    columns=tables.QUALIFICATION,
    hidden_filters=("organization",),
    exports=[Export("qualifications", gettext_lazy("Export XLSX"))],
    form_class=QualificationForm,
    save=org_services.qualification_save,
    delete=org_services.qualification_delete,
    detail_fields=[
        "organization",
        "kind",
        "certificate_no",
        "year",
        "valid_from",
        "valid_to",
        "revoked_on",
        "issuer",
        "document",
        "stage",
        "stock_code",
        "exchange",
        "note",
    ],
    detail_context=qualification_context,
    detail_template="web/qualification_detail.html",
)


def qualification_status(request, pk):
    return object_edit(
        request, QUALIFICATION, pk, form_class=QualificationStatusForm, save=org_services.qualification_save, title=_("Change validity")
    )


# --- enterprise annual data ---------------------------------------------------------------------------

ANNUAL_GROUPS = AnnualForm.groups


def annual_context(request, row):
    scope = scope_for(request.user)
    groups = []
    for title, names in ANNUAL_GROUPS[1:]:  # the first group (enterprise, year, source) is the header card
        rows = field_rows(row, [(money_label(verbose_name(EnterpriseAnnual, n)) if _is_money(n) else None, n) for n in names])
        if "rd_expense" in names:
            rows.insert(1, (_("R&D intensity"), render_value(row, "rd_intensity", "percent")))
        groups.append((title, rows))
    may_change = can(request.user, CHANGE, row)
    staff = scope.is_bureau or scope.role == Role.DISTRICT_STAFF
    actions = []
    if may_change and row.status == DataStatus.DRAFT:
        actions.append(("submitted", _("Submit"), "primary"))
    if may_change and staff and row.status != DataStatus.VERIFIED:
        actions.append(("verified", _("Verify"), "success"))
    if may_change and row.status != DataStatus.DRAFT and (staff or row.status == DataStatus.SUBMITTED):
        actions.append(("draft", _("Return to draft"), "outline-secondary"))
    return {"groups": groups, "status_actions": actions}


def _is_money(name):
    return is_money_field(EnterpriseAnnual._meta.get_field(name))


ANNUAL = ObjectType(
    key="annual",
    model=EnterpriseAnnual,
    section="annual",
    icon="table",
    title=gettext_lazy("Enterprise annual data"),
    list_selector=org_selectors.annual_list,
    get_selector=org_selectors.annual_get,
    filterset_class=AnnualFilterSet,
    columns=tables.ANNUAL,
    hidden_filters=("organization",),
    exports=[Export("annual", gettext_lazy("Export XLSX"))],
    login_required=True,
    form_class=AnnualForm,
    save=org_services.annual_save,
    delete=org_services.annual_delete,
    detail_fields=["organization", "year", "status", "source", "updated"],
    detail_template="web/annual_detail.html",
    detail_context=annual_context,
)


@require_POST
def annual_status(request, pk):
    if response := ensure_login(request):
        return response
    row = get_or_404(org_selectors.annual_get, request.user, pk)
    target = request.POST.get("status")
    if target not in DataStatus.values:
        raise PermissionDenied(_("Unknown status."))
    if not can(request.user, CHANGE, row):
        raise PermissionDenied(_("You may not change this record."))
    row.status = target
    try:
        org_services.annual_save(request.user, row)
    except ValidationError as e:
        messages.error(request, "; ".join(e.messages))
    else:
        messages.success(request, _("%(object)s is now: %(status)s") % {"object": row, "status": row.get_status_display()})
    return redirect(ANNUAL.url("detail", pk))


# --- platforms ------------------------------------------------------------------------------------------


def platform_context(request, platform):
    visible = Organization.objects.restrict(request.user, VIEW)
    hosts = platform.host_links.filter(organization__in=visible).select_related("organization")
    mentors = Mentor.objects.restrict(request.user, VIEW).filter(carrier=platform).select_related("person")
    return {
        "hosts": hosts,
        "status_changes": platform.status_changes.all(),
        "mentors": mentors,
        "can_change_status": can(request.user, CHANGE, platform) and not scope_for(request.user).is_public,
    }


PLATFORM = ObjectType(
    key="platform",
    model=Platform,
    section="platforms",
    icon="bank",
    list_selector=platform_selectors.platform_list,
    get_selector=platform_selectors.platform_get,
    filterset_class=platform_selectors.PlatformFilterSet,
    columns=tables.PLATFORM,
    hidden_filters=("host",),
    exports=[Export("platforms", gettext_lazy("Export XLSX"))],
    form_class=PlatformForm,
    save=platform_services.platform_save,
    delete=platform_services.platform_delete,
    detail_fields=["kind", "level", "area", "cluster", "status", "status_since", "description", "is_published"],
    detail_template="web/platform_detail.html",
    detail_context=platform_context,
)


def platform_status(request, pk):
    if response := ensure_login(request):
        return response
    platform = get_or_404(platform_selectors.platform_get, request.user, pk)
    if not can(request.user, CHANGE, platform):
        raise PermissionDenied(_("You may not change this record."))
    form = PlatformStatusForm(request.POST or None, initial={"status": platform.status})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            platform_services.platform_record_status(request.user, platform, **form.cleaned_data)
        except PermissionDenied as e:
            form.add_error(None, str(e))
            status = 403
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Status recorded."))
            return redirect(PLATFORM.url("detail", pk))
    return render(
        request,
        "web/object_edit.html",
        {"ot": PLATFORM, "object": platform, "form": form, "title": _("Record a status change")},
        status=status,
    )


# --- people ---------------------------------------------------------------------------------------------


def annotate_roles(qs):
    return qs.annotate(
        is_talent=Exists(TalentMembership.objects.filter(person=OuterRef("pk"))),
        is_expert=Exists(Expert.objects.filter(person=OuterRef("pk"))),
        is_mentor=Exists(Mentor.objects.filter(person=OuterRef("pk"))),
    )


def may_reveal(user, person) -> bool:
    scope = scope_for(user)
    return bool(person.id_number) and (scope.can_view_id_numbers or (scope.person_id is not None and scope.person_id == person.pk))


def person_context(request, person):
    user = request.user
    expert = Expert.objects.restrict(user, VIEW).filter(person=person).prefetch_related("hitech_fields", "industries").first()
    mentor = Mentor.objects.restrict(user, VIEW).filter(person=person).select_related("carrier").first()
    talents = TalentMembership.objects.restrict(user, VIEW).filter(person=person).select_related("programme")
    return {
        "expert": expert,
        "mentor": mentor,
        "talents": talents,
        "may_reveal": may_reveal(user, person),
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
    columns=tables.PERSON,
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
    detail_template="web/person_detail.html",
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


# --- organization suggestions for the picker ------------------------------------------------------------


def organization_lookup(request):
    if not request.user.is_authenticated:
        return HttpResponse("")
    text = next((v for k, v in request.GET.items() if v.strip()), "").strip()
    if len(text) < 1:
        return HttpResponse("")
    qs = (
        Organization.objects.restrict(request.user, VIEW)
        .filter(Q(name__icontains=text) | Q(short_name__icontains=text) | Q(uscc__istartswith=text))
        .order_by("name")[:20]
    )
    return HttpResponse(format_html_join("", '<option value="{}"></option>', ((organization_label(o),) for o in qs)))


# --- reference data (read-only) ------------------------------------------------------------------------


class ReferenceFilterSet(df.FilterSet):
    q = df.CharFilter(method="search", label=gettext_lazy("Search"))

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name_zh__icontains=value) | Q(name_en__icontains=value) | Q(code__istartswith=value)) if value else qs


def reference_filterset(model, extra_fields=()):
    meta = type("Meta", (), {"model": model, "fields": ["q", *extra_fields]})
    return type(f"{model.__name__}ReferenceFilterSet", (ReferenceFilterSet,), {"Meta": meta})


def reference_selector(model, filterset, related=()):
    def list_selector(user, filters):
        return filterset(filters, queryset=model.objects.all().select_related(*related)).qs

    def get_selector(user, pk):
        return model.objects.select_related(*related).get(pk=pk)

    return list_selector, get_selector


def _count_link(label, count, url):
    return (label, format_html('<a href="{}">{}</a>', url, count))


def area_context(request, area):
    ids = Area.expand_ids([area.pk])
    orgs = Organization.objects.restrict(request.user, VIEW).filter(area_id__in=ids).count()
    platforms = Platform.objects.restrict(request.user, VIEW).filter(area_id__in=ids).count()
    return {
        "children": area.children.all(),
        "counts": [
            _count_link(_("Organizations"), orgs, f"{reverse('web:organization_list')}?area={area.pk}"),
            _count_link(_("Innovation platforms"), platforms, f"{reverse('web:platform_list')}?area={area.pk}"),
        ],
    }


def industry_context(request, industry):
    n = Organization.objects.restrict(request.user, VIEW).filter(Q(industry=industry) | Q(industry__parent=industry)).count()
    return {
        "children": industry.children.all(),
        "counts": [_count_link(_("Organizations"), n, f"{reverse('web:organization_list')}?industry={industry.pk}")],
    }


def hitech_context(request, hf):
    n = Organization.objects.restrict(request.user, VIEW).filter(Q(hitech_field=hf) | Q(hitech_field__parent=hf)).count()
    url = f"{reverse('web:organization_list')}?hitech_field={hf.pk}" if hf.parent_id is None else None
    return {"children": hf.children.all(), "counts": [_count_link(_("Organizations"), n, url) if url else (_("Organizations"), n)]}


def cluster_context(request, cluster):
    orgs = Organization.objects.restrict(request.user, VIEW).filter(clusters=cluster).count()
    platforms = Platform.objects.restrict(request.user, VIEW).filter(cluster=cluster).count()
    return {
        "children": [],
        "counts": [
            _count_link(_("Organizations"), orgs, f"{reverse('web:organization_list')}?cluster={cluster.pk}"),
            _count_link(_("Innovation platforms"), platforms, f"{reverse('web:platform_list')}?cluster={cluster.pk}"),
        ],
    }


def _reference(key, model, columns, fields, context, extra_filters=(), related=(), icon="diagram-3"):
    fs = reference_filterset(model, extra_filters)
    list_selector, get_selector = reference_selector(model, fs, related)
    return ObjectType(
        key=key,
        model=model,
        section="reference",
        icon=icon,
        list_selector=list_selector,
        get_selector=get_selector,
        filterset_class=fs,
        columns=columns,
        detail_fields=fields,
        detail_context=context,
        detail_template="web/reference_detail.html",
    )


AREA = _reference(
    "area",
    Area,
    tables.AREA,
    ["code", "code_is_official", "name_zh", "name_en", "kind", "parent", "planning_zone", "valid_from", "valid_to", "successor", "note"],
    area_context,
    ("kind",),
    ("parent", "planning_zone"),
    icon="geo-alt",
)
INDUSTRY = _reference(
    "industry",
    Industry,
    tables.INDUSTRY,
    ["code", "level", "parent", "name_zh", "name_en", "standard"],
    industry_context,
    ("level",),
    ("parent",),
)
HITECH_FIELD = _reference(
    "hitechfield", HitechField, tables.HITECH_FIELD, ["code", "number", "parent", "name_zh", "name_en"], hitech_context, (), ("parent",)
)
CLUSTER = _reference(
    "cluster",
    Cluster,
    tables.CLUSTER,
    ["code", "kind", "city", "name_zh", "name_en", "focus_zh", "source"],
    cluster_context,
    ("kind",),
    ("city",),
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

REFERENCE_TYPES = [AREA, INDUSTRY, HITECH_FIELD, CLUSTER, PROGRAMME]
TYPES = [ORGANIZATION, QUALIFICATION, ANNUAL, PLATFORM, PERSON, *REFERENCE_TYPES]
