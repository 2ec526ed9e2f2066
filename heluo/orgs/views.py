"""Pages of organizations, qualifications and enterprise annual data, and the organization picker's suggestions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from heluo.core.permissions import VIEW, allowed_actions
from heluo.orgs import selectors as org_selectors
from heluo.orgs import services as org_services
from heluo.orgs.filtersets import AnnualFilterSet, OrganizationFilterSet, QualificationFilterSet
from heluo.orgs.forms import AnnualForm, OrganizationForm, QualificationForm, QualificationStatusForm, organization_label
from heluo.orgs.models import EnterpriseAnnual, Organization, Qualification
from heluo.web.display import Column, badge, is_money_field, money_label, render_value, verbose_name
from heluo.web.views.generic import Export, ObjectType, ensure_login, field_rows, get_or_404, object_edit


def qualification_validity(q, day=None):
    """(value, label) of a qualification's state today: valid, expired, revoked, not yet valid."""
    day = day or timezone.localdate()
    if q.revoked_on and q.revoked_on <= day:
        return "revoked", _("Revoked")
    if q.valid_from > day:
        return "future", _("Not yet valid")
    if q.valid_to and q.valid_to < day:
        return "expired", _("Expired")
    return "valid", _("Valid")


def validity_badge(q):
    return badge(*qualification_validity(q))


ORGANIZATION_COLUMNS = [
    Column("name", fmt="link", order_by="name"),
    Column("uscc", fmt="code", order_by="uscc"),
    Column("kind", order_by="kind"),
    Column("area", order_by="area__code"),
    Column("industry", order_by="industry__code"),
    Column("founded_on", order_by="founded_on"),
]

QUALIFICATION_COLUMNS = [
    Column("organization", order_by="organization__name"),
    Column("kind", fmt="link", order_by="kind"),
    Column("certificate_no", order_by="certificate_no"),
    Column("year", order_by="year"),
    Column("valid_from", order_by="valid_from"),
    Column("valid_to", order_by="valid_to"),
    Column("validity", label=gettext_lazy("Validity"), render=validity_badge),
    Column("issuer"),
]

ANNUAL_COLUMNS = [
    Column("organization", order_by="organization__name"),
    Column("year", fmt="link", order_by="year"),
    Column("sales_revenue", label=money_label(gettext_lazy("Sales revenue")), order_by="sales_revenue", css="text-end"),
    Column("rd_expense", label=money_label(gettext_lazy("R&D expense")), order_by="rd_expense", css="text-end"),
    Column("rd_intensity", label=gettext_lazy("R&D intensity"), fmt="percent", css="text-end"),
    Column("total_staff", order_by="total_staff", css="text-end"),
    Column("st_staff", order_by="st_staff", css="text-end"),
    Column("status", fmt="badge", order_by="status"),
]


def organization_context(request, org):
    user = request.user
    actions = allowed_actions(user, org)
    qualifications = Qualification.objects.restrict(user, VIEW).filter(organization=org).order_by("kind", "-valid_from")
    annual = []
    if EnterpriseAnnual.objects.restrict(user, VIEW).filter(organization=org).exists():
        annual = list(org_selectors.annual_list(user, {"organization": org.pk}, log_reason="organization page").order_by("-year"))
    return {
        "qualifications": [(q, validity_badge(q)) for q in qualifications],
        "annual_rows": annual,
        "annual_columns": [
            (money_label(_("Sales revenue")), "sales_revenue"),
            (money_label(_("R&D expense")), "rd_expense"),
            (_("R&D intensity"), "rd_intensity"),
            (verbose_name(EnterpriseAnnual, "total_staff"), "total_staff"),
            (verbose_name(EnterpriseAnnual, "st_staff"), "st_staff"),
            (verbose_name(EnterpriseAnnual, "status"), "status"),
        ],
        "can_add_qualification": "add_qualification" in actions,
        "can_add_annual": "add_annual" in actions,
    }


ORGANIZATION = ObjectType(
    key="organization",
    model=Organization,
    section="organizations",
    icon="building",
    list_selector=org_selectors.organization_list,
    get_selector=org_selectors.organization_get,
    filterset_class=OrganizationFilterSet,
    columns=ORGANIZATION_COLUMNS,
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
    detail_template="orgs/organization_detail.html",
    detail_context=organization_context,
)


def qualification_context(request, q):
    return {"validity": validity_badge(q), "can_change_status": "change_status" in allowed_actions(request.user, q)}


QUALIFICATION = ObjectType(
    key="qualification",
    model=Qualification,
    section="qualifications",
    icon="patch-check",
    list_selector=org_selectors.qualification_list,
    get_selector=lambda user, pk: Qualification.objects.restrict(user, VIEW).select_related("organization").get(pk=pk),
    filterset_class=QualificationFilterSet,
    columns=QUALIFICATION_COLUMNS,
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
    detail_template="orgs/qualification_detail.html",
)


def qualification_status(request, pk):
    return object_edit(
        request, QUALIFICATION, pk, form_class=QualificationStatusForm, save=org_services.qualification_save, title=_("Change validity")
    )


ANNUAL_GROUPS = AnnualForm.groups


def annual_context(request, row):
    groups = []
    for title, names in ANNUAL_GROUPS[1:]:  # the first group (enterprise, year, source) is the header card
        rows = field_rows(row, [(money_label(verbose_name(EnterpriseAnnual, n)) if _is_money(n) else None, n) for n in names])
        if "rd_expense" in names:
            rows.insert(1, (_("R&D intensity"), render_value(row, "rd_intensity", "percent")))
        groups.append((title, rows))
    allowed = allowed_actions(request.user, row)
    buttons = [
        ("submit", _("Submit"), "primary"),
        ("verify", _("Verify"), "success"),
        ("return_to_draft", _("Return to draft"), "outline-secondary"),
    ]
    actions = [(org_services.ANNUAL_STATUS_ACTIONS[a], label, colour) for a, label, colour in buttons if a in allowed]
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
    columns=ANNUAL_COLUMNS,
    hidden_filters=("organization",),
    exports=[Export("annual", gettext_lazy("Export XLSX"))],
    login_required=True,
    form_class=AnnualForm,
    save=org_services.annual_save,
    delete=org_services.annual_delete,
    detail_fields=["organization", "year", "status", "source", "updated"],
    detail_template="orgs/annual_detail.html",
    detail_context=annual_context,
)


@require_POST
def annual_status(request, pk):
    if response := ensure_login(request):
        return response
    row = get_or_404(org_selectors.annual_get, request.user, pk)
    target = request.POST.get("status")
    action = next((a for a, status in org_services.ANNUAL_STATUS_ACTIONS.items() if status == target), None)
    if action is None:
        raise PermissionDenied(_("Unknown status."))
    try:
        org_services.annual_set_status(request.user, row, action=action)  # refuses (403) what allowed_actions does not allow
    except ValidationError as e:
        messages.error(request, "; ".join(e.messages))
    else:
        messages.success(request, _("%(object)s is now: %(status)s") % {"object": row, "status": row.get_status_display()})
    return redirect(ANNUAL.url("detail", pk))


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


def register_related_counts():
    """How many organizations the user may see refer to an area, industry, high-tech field or cluster."""
    from heluo.geo.models import Area
    from heluo.web.views.reference import RelatedCount, add_related_count

    def visible(user):
        return Organization.objects.restrict(user, VIEW)

    def listed(param):
        return lambda obj: f"{reverse('web:organization_list')}?{param}={obj.pk}"

    label = gettext_lazy("Organizations")
    add_related_count(
        "geo.area",
        "organizations",
        RelatedCount(label, lambda user, a: visible(user).filter(area_id__in=Area.expand_ids([a.pk])).count(), listed("area"), 10),
    )
    add_related_count(
        "taxonomy.industry",
        "organizations",
        RelatedCount(label, lambda user, i: visible(user).filter(Q(industry=i) | Q(industry__parent=i)).count(), listed("industry"), 10),
    )
    add_related_count(
        "taxonomy.hitechfield",
        "organizations",
        RelatedCount(
            label,
            lambda user, f: visible(user).filter(Q(hitech_field=f) | Q(hitech_field__parent=f)).count(),
            lambda f: listed("hitech_field")(f) if f.parent_id is None else None,  # the list filters by top-level field only
            10,
        ),
    )
    add_related_count(
        "taxonomy.cluster",
        "organizations",
        RelatedCount(label, lambda user, c: visible(user).filter(clusters=c).count(), listed("cluster"), 10),
    )
