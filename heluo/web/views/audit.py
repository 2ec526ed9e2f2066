"""The audit log (the audit administrator's): changes of records, reads of sensitive data and security events,
filtered, exported, and their hash chains checked."""

from __future__ import annotations

import django_filters as df
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from heluo.core import audit_chain
from heluo.core.audit import audited_models
from heluo.core.middleware import CHANNELS, in_channel
from heluo.core.models import ChangeAction, ObjectChange, SecurityEvent, SensitiveAccess
from heluo.core.permissions import scope_for
from heluo.core.spreadsheets import table_xlsx, xlsx_response

from ..display import url_for_label
from ..forms import filter_form
from ..templatetags.heluo_web import name_related
from .generic import ensure_login, paginate

EXPORT_LIMIT = 100_000  # rows in one download; narrow the filter for more


def _in_channel(queryset, name, value):
    return in_channel(queryset, value)


class ChangeFilterSet(df.FilterSet):
    user = df.CharFilter(field_name="user_name", lookup_expr="icontains", label=gettext_lazy("User"))
    action = df.ChoiceFilter(choices=ChangeAction.choices, label=gettext_lazy("Action"))
    via = df.ChoiceFilter(choices=list(CHANNELS.items()), method=_in_channel, label=gettext_lazy("Via"))
    content_type = df.ModelChoiceFilter(queryset=ContentType.objects.none(), label=gettext_lazy("Record type"))
    object = df.CharFilter(field_name="object_repr", lookup_expr="icontains", label=gettext_lazy("Record"))
    since = df.DateFilter(field_name="time__date", lookup_expr="gte", label=gettext_lazy("From"))
    until = df.DateFilter(field_name="time__date", lookup_expr="lte", label=gettext_lazy("To"))

    class Meta:
        model = ObjectChange
        fields = ["user", "action", "via", "content_type", "object", "since", "until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = ContentType.objects.get_for_models(*audited_models()).values()
        self.filters["content_type"].queryset = ContentType.objects.filter(pk__in=[ct.pk for ct in types])
        self.form.fields["content_type"].label_from_instance = lambda ct: (
            str(ct.model_class()._meta.verbose_name) if ct.model_class() else ct.model
        )


class ReadFilterSet(df.FilterSet):
    user = df.CharFilter(field_name="user_name", lookup_expr="icontains", label=gettext_lazy("User"))
    kind = df.ChoiceFilter(choices=[], label=gettext_lazy("What was read"))
    via = df.ChoiceFilter(choices=list(CHANNELS.items()), method=_in_channel, label=gettext_lazy("Via"))
    object = df.CharFilter(field_name="object_repr", lookup_expr="icontains", label=gettext_lazy("Record"))
    since = df.DateFilter(field_name="time__date", lookup_expr="gte", label=gettext_lazy("From"))
    until = df.DateFilter(field_name="time__date", lookup_expr="lte", label=gettext_lazy("To"))

    class Meta:
        model = SensitiveAccess
        fields = ["user", "kind", "via", "object", "since", "until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [(k, k) for k in SensitiveAccess.objects.order_by("kind").values_list("kind", flat=True).distinct()]
        self.filters["kind"].extra["choices"] = kinds


class EventFilterSet(df.FilterSet):
    user = df.CharFilter(field_name="user_name", lookup_expr="icontains", label=gettext_lazy("User"))
    kind = df.ChoiceFilter(choices=SecurityEvent.Kind.choices, label=gettext_lazy("Event"))
    address = df.CharFilter(field_name="address", lookup_expr="startswith", label=gettext_lazy("Address"))
    since = df.DateFilter(field_name="time__date", lookup_expr="gte", label=gettext_lazy("From"))
    until = df.DateFilter(field_name="time__date", lookup_expr="lte", label=gettext_lazy("To"))

    class Meta:
        model = SecurityEvent
        fields = ["user", "kind", "address", "since", "until"]


TABS = {
    "changes": (ChangeFilterSet, ObjectChange),
    "reads": (ReadFilterSet, SensitiveAccess),
    "events": (EventFilterSet, SecurityEvent),
}


def _require_auditor(request):
    if response := ensure_login(request):
        return response
    if not (scope_for(request.user).is_audit_admin or request.user.is_superuser):
        raise PermissionDenied(_("Only the audit administrator reads the audit log."))
    return None


def audit_log(request, tab="changes"):
    if response := _require_auditor(request):
        return response
    filterset_class, model = TABS[tab]
    fs = filterset_class(request.GET, queryset=model.objects.select_related("content_type") if tab != "events" else model.objects.all())
    if request.GET.get("export") == "xlsx":
        return _export(tab, fs.qs[:EXPORT_LIMIT])
    page = paginate(request, fs.qs)
    if tab == "changes":
        page.object_list = name_related(page.object_list, request.user)
    for row in page.object_list:
        ct = getattr(row, "content_type", None)
        deleted = getattr(row, "action", "") == ChangeAction.DELETE
        row.url = None if ct is None or deleted else url_for_label(f"{ct.app_label}.{ct.model}", row.object_id)
    return render(
        request,
        "web/audit_log.html",
        {
            "tab": tab,
            "filter_form": filter_form(fs),
            "page": page,
            "count": page.paginator.count,
            "active_filters": [k for k, v in request.GET.items() if v and k not in ("page", "per_page")],
            "chains": request.session.pop("heluo_audit_chains", None),
        },
    )


def _export(tab, rows):
    when = lambda r: r.time.isoformat(timespec="seconds")  # noqa: E731
    if tab == "changes":
        headers = [_("Time"), _("User"), _("Address"), _("Via"), _("Action"), _("Record type"), _("Record"), _("Changed fields")]
        body = (
            [
                when(r),
                r.user_name,
                r.address or "",
                r.via,
                r.get_action_display(),
                r.content_type.model,
                r.object_repr,
                ", ".join(f for f, *_x in r.diff()),
            ]
            for r in rows
        )
    elif tab == "reads":
        headers = [_("Time"), _("User"), _("Address"), _("Via"), _("What was read"), _("Record"), _("Detail")]
        body = ([when(r), r.user_name, r.address or "", r.via, r.kind, r.object_repr, r.detail] for r in rows)
    else:
        headers = [_("Time"), _("Event"), _("User"), _("Address"), _("Via"), _("Detail")]
        body = ([when(r), r.get_kind_display(), r.user_name, r.address or "", r.via, str(r.detail)] for r in rows)
    return xlsx_response(table_xlsx(_("Audit log"), headers, body), f"heluo-audit-{tab}", dated=True)


@require_POST
def audit_verify(request):
    """Recompute the hash chains now and show the outcome on the log page."""
    if response := _require_auditor(request):
        return response
    reports = [audit_chain.verify(model) for model in audit_chain.chained_models()]
    request.session["heluo_audit_chains"] = [
        {"table": r.table, "ok": r.ok, "checked": r.checked, "head": r.head_hash[:16], "unsealed": r.unsealed, "problems": r.problems[:20]}
        for r in reports
    ]
    if all(r.ok for r in reports):
        messages.success(request, _("The audit chains are intact."))
    else:
        messages.error(request, _("An audit chain is broken: records were changed or removed."))
    return redirect("web:audit_log")
