"""Pages of innovation platforms (创新平台载体) and their status changes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heluo.core.permissions import CHANGE, VIEW, allowed_actions, can
from heluo.orgs.models import Organization
from heluo.platforms import selectors as platform_selectors
from heluo.platforms import services as platform_services
from heluo.platforms.forms import PlatformForm, PlatformStatusForm
from heluo.platforms.models import Platform
from heluo.web.display import Column
from heluo.web.views.generic import Export, ObjectType, ensure_login, get_or_404

PLATFORM_COLUMNS = [
    Column("name", fmt="link", order_by="name"),
    Column("kind", order_by="kind"),
    Column("level", order_by="level"),
    Column("area", order_by="area__code"),
    Column("cluster", order_by="cluster__sort"),
    Column("status", fmt="badge", order_by="status"),
    Column("status_since", order_by="status_since"),
]


def platform_context(request, platform):
    visible = Organization.objects.restrict(request.user, VIEW)
    hosts = platform.host_links.filter(organization__in=visible).select_related("organization")
    return {
        "hosts": hosts,
        "status_changes": platform.status_changes.all(),
        "can_change_status": "record_status" in allowed_actions(request.user, platform),
    }


PLATFORM = ObjectType(
    key="platform",
    model=Platform,
    section="platforms",
    icon="bank",
    list_selector=platform_selectors.platform_list,
    get_selector=platform_selectors.platform_get,
    filterset_class=platform_selectors.PlatformFilterSet,
    columns=PLATFORM_COLUMNS,
    hidden_filters=("host",),
    exports=[Export("platforms", gettext_lazy("Export XLSX"))],
    form_class=PlatformForm,
    save=platform_services.platform_save,
    delete=platform_services.platform_delete,
    detail_fields=["kind", "level", "area", "cluster", "status", "status_since", "description", "is_published"],
    detail_template="platforms/platform_detail.html",
    parts={"platforms.platformhost": "platform", "platforms.platformstatuschange": "platform"},
    detail_context=platform_context,
)


def platform_status(request, pk):
    if response := ensure_login(request):
        return response
    platform = get_or_404(platform_selectors.platform_get, request.user, pk)
    if not can(request.user, CHANGE, platform):  # not "record_status": a public form would only be refused later
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


def register_related_counts():
    """How many platforms the user may see lie in an area or belong to a cluster."""
    from heluo.geo.models import Area
    from heluo.web.views.reference import RelatedCount, add_related_count

    def visible(user):
        return Platform.objects.restrict(user, VIEW)

    def listed(param):
        return lambda obj: f"{reverse('web:platform_list')}?{param}={obj.pk}"

    label = gettext_lazy("Innovation platforms")
    add_related_count(
        "geo.area",
        "platforms",
        RelatedCount(label, lambda user, a: visible(user).filter(area_id__in=Area.expand_ids([a.pk])).count(), listed("area"), 20),
    )
    add_related_count(
        "taxonomy.cluster", "platforms", RelatedCount(label, lambda user, c: visible(user).filter(cluster=c).count(), listed("cluster"), 20)
    )


def organization_platforms(request, org) -> dict:
    """On an organization's page: the platforms it hosts that the user may see."""
    return {"platforms": Platform.objects.restrict(request.user, VIEW).filter(host_links__organization=org).distinct()}
