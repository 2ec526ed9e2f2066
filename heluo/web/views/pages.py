"""Home, imports, account (API tokens) and the audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import user_has_device

from heluo.core.i18n import Bilingual
from heluo.core.models import ApiToken, ImportJob, Role, UserProfile
from heluo.core.permissions import scope_for
from heluo.core.registry import home_stats
from heluo.core.sheets import FileRejected, check_upload_size
from heluo.core.spreadsheets import xlsx_response

from ..forms import ImportForm, TokenForm, bootstrapify
from .generic import ensure_login, paginate

# --- home -------------------------------------------------------------------------------------------------


def home(request):
    """Figures and to-dos that each app registers (`heluo.core.registry.add_home_stat`), within the user's scope."""
    user = request.user
    scope = scope_for(user)
    counts, tasks = [], []
    for stat in home_stats():
        if scope.is_public and not stat.public:
            continue
        n = stat.count(user)
        if n is None:
            continue
        row = {"url": stat.url_name, "icon": stat.icon, "label": stat.label, "count": n, "query": stat.query(user) if stat.query else ""}
        (tasks if stat.task else counts).append(row)
    context = {"public": scope.is_public, "counts": counts, "tasks": tasks}
    if not scope.is_public:
        profile = UserProfile.objects.filter(user=user).select_related("organization", "person").first()
        context["own_organization"] = profile.organization if profile and scope.organization_id else None
        context["own_person"] = profile.person if profile and scope.person_id else None
        context["recent_imports"] = ImportJob.objects.filter(user=user)[:5] if _may_import(user) else None
    return render(request, "web/home.html", context)


# --- imports --------------------------------------------------------------------------------------------


def imports_api():
    """heluo.core.imports when it is there (the import framework lands separately)."""
    try:
        from heluo.core import imports
    except ImportError:
        return None
    return imports


def import_kinds(api) -> dict:
    if api is None:
        return {}
    return api.load_kinds() if hasattr(api, "load_kinds") else getattr(api, "KINDS", {})


def _may_import(user):
    scope = scope_for(user)
    return scope.is_staff or scope.role == Role.ORG_USER


# room for the form's other fields and the multipart framing around the file
UPLOAD_FRAMING = 64 * 1024


def _upload_too_large(request):
    """A refusal when the request announces more than an upload may be: decided before its body is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= settings.HELUO_UPLOAD_MAX_BYTES + UPLOAD_FRAMING:
        return None
    try:
        check_upload_size(length, settings.HELUO_UPLOAD_MAX_BYTES)
    except FileRejected as exc:
        return Bilingual(exc.zh, exc.en)


def import_list(request):
    if response := ensure_login(request):
        return response
    if not _may_import(request.user):
        raise PermissionDenied(_("Your role does not import data."))
    api = imports_api()
    kinds = import_kinds(api)
    too_large = _upload_too_large(request) if request.method == "POST" else None
    if too_large:
        form = ImportForm(kinds=kinds)
    else:
        form = ImportForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and not too_large and api is not None and form.is_valid():
        upload = form.cleaned_data["file"]
        job = ImportJob(
            kind=form.cleaned_data["kind"], file_name=upload.name[:255], dry_run=form.cleaned_data["dry_run"], user=request.user
        )
        job.file.save(upload.name, upload, save=False)
        job.save()
        api.start_job(job)
        return redirect("web:import_job", pk=job.pk)
    jobs = paginate(request, ImportJob.objects.filter(user=request.user), 25)
    kind_labels = {k: getattr(v, "label", k) for k, v in kinds.items()}
    for job in jobs:
        job.kind_label = kind_labels.get(job.kind, job.kind)
    return render(
        request,
        "web/imports.html",
        {
            "form": form,
            "available": api is not None,
            "kinds": kind_labels.items(),
            "has_templates": api is not None and hasattr(api, "template_xlsx"),
            "page": jobs,
            "kind_labels": kind_labels,
            "refused": too_large,
        },
        status=413 if too_large else 200,
    )


def _job_for(request, pk):
    scope = scope_for(request.user)
    qs = ImportJob.objects.all() if scope.is_admin else ImportJob.objects.filter(user=request.user)
    job = qs.filter(pk=pk).first()
    if job is None:
        raise Http404(_("No such import."))
    return job


SUMMARY_LABELS = {
    "created": gettext_lazy("Created"),
    "updated": gettext_lazy("Updated"),
    "unchanged": gettext_lazy("Unchanged"),
    "deleted": gettext_lazy("Deleted"),
    "rows": gettext_lazy("Rows in the file"),
    "skipped": gettext_lazy("Skipped"),
}
FINISHED = {ImportJob.Status.FAILED, ImportJob.Status.SUCCEEDED, ImportJob.Status.CHECKED}
MAX_ERRORS_SHOWN = 500


def import_job(request, pk):
    if response := ensure_login(request):
        return response
    job = _job_for(request, pk)
    api = imports_api()
    kinds = import_kinds(api)
    summary = dict(job.summary or {})
    warnings = summary.pop("warnings", None) or []
    context = {
        "summary": [(SUMMARY_LABELS.get(k, k), v) for k, v in summary.items()],
        "warnings": warnings[:MAX_ERRORS_SHOWN],
        "job": job,
        "finished": job.status in FINISHED,
        "kind_label": getattr(kinds.get(job.kind), "label", job.kind),
        "errors": (job.errors or [])[:MAX_ERRORS_SHOWN],
        "error_count": len(job.errors or []),
        "max_errors": MAX_ERRORS_SHOWN,
    }
    template = "web/includes/import_status.html" if request.htmx else "web/import_job.html"
    return render(request, template, context)


def import_template(request, kind):
    if response := ensure_login(request):
        return response
    api = imports_api()
    if api is None or not hasattr(api, "template_xlsx") or kind not in import_kinds(api):
        raise Http404(_("No template for this kind."))
    return xlsx_response(api.template_xlsx(kind), f"heluo-template-{kind}", dated=True)


# --- my account ----------------------------------------------------------------------------------------


def account(request):
    if response := ensure_login(request):
        return response
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        token, new_key = ApiToken.issue(request.user, name=form.cleaned_data["name"], write_enabled=form.cleaned_data["write_enabled"])
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created")
    context = {"form": form, "tokens": tokens, "new_key": new_key, "two_factor": user_has_device(request.user, confirmed=True)}
    response = render(request, "web/account.html", context)
    if new_key:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
def token_revoke(request, pk):
    if response := ensure_login(request):
        return response
    token = ApiToken.objects.filter(user=request.user, pk=pk).first()
    if token is None:
        raise Http404(_("No such token."))
    token.delete()
    messages.success(request, _("The token was revoked."))
    return redirect("web:account")


class PasswordChange(auth_views.PasswordChangeView):
    """Self-service password change, under the platform's password rules (AUTH_PASSWORD_VALIDATORS)."""

    template_name = "web/password_change.html"
    success_url = reverse_lazy("web:account")

    def get_form(self, form_class=None):
        return bootstrapify(super().get_form(form_class))

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response
