"""Background jobs (bureau administrator): the periodic jobs the apps register, with "run now", and the recent
task results of the job runner (status, times, return value or error). Import jobs keep their own pages."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from heluo.core import jobs as job_runner
from heluo.core.permissions import scope_for
from heluo.core.registry import periodic_jobs

from .generic import ensure_login, paginate

# django-tasks' statuses, shown with the colours and words of the import jobs
STATUS = {
    "READY": ("pending", gettext_lazy("Queued")),
    "RUNNING": ("running", gettext_lazy("Running")),
    "FAILED": ("failed", gettext_lazy("Failed")),
    "SUCCESSFUL": ("succeeded", gettext_lazy("Succeeded")),
}
STALE_QUEUE_SECONDS = 120  # a task queued longer than this suggests that no worker is running


def _require_admin(request):
    if response := ensure_login(request):
        return response
    scope = scope_for(request.user)
    if not (scope.is_admin or scope.is_system_admin):  # the programme's jobs, and the platform's operation
        raise PermissionDenied(_("Only the bureau administrator and the system administrator manage background jobs."))
    return None


def _recorded() -> bool:
    return settings.HELUO_TASKS == "database"


def jobs(request):
    if response := _require_admin(request):
        return response
    context = {"periodic": periodic_jobs(), "recorded": _recorded(), "page": None}
    if _recorded():
        from django.utils import timezone
        from django_tasks_db.models import DBTaskResult

        page = paginate(request, DBTaskResult.objects.order_by("-enqueued_at"), 50)
        for r in page.object_list:
            r.badge, r.status_label = STATUS.get(r.status, ("pending", r.status))
            r.what = _describe(r)
            r.result_text = "" if r.return_value is None else json.dumps(r.return_value, ensure_ascii=False, default=str)
            r.error = _last_line(r.traceback) if r.status == "FAILED" else ""
        context["page"] = page
        oldest = DBTaskResult.objects.ready().order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        context["no_worker"] = oldest is not None and (timezone.now() - oldest).total_seconds() > STALE_QUEUE_SECONDS
    return render(request, "web/jobs.html", context)


def _describe(r) -> dict:
    """What a task did, in words: a periodic job's label, or the import it ran (with a link)."""
    args = (r.args_kwargs or {}).get("args") or []
    name = r.task_path.rsplit(".", 1)[-1]
    if name == "run_periodic_job" and args:
        job = {j.name: j for j in periodic_jobs()}.get(args[0])
        return {"label": job.label if job else args[0], "code": args[0], "url": ""}
    if name == "run_import_job" and args:
        return {"label": _("Import #%(id)s") % {"id": args[0]}, "code": name, "url": reverse("web:import_job", args=[args[0]])}
    return {"label": name, "code": r.task_path, "url": ""}


def _last_line(traceback: str) -> str:
    lines = [line for line in (traceback or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


@require_POST
def job_run(request, name):
    if response := _require_admin(request):
        return response
    try:
        job = job_runner.periodic_job(name)
    except KeyError:
        raise Http404(_("No such job.")) from None
    job_runner.enqueue(name)
    if _recorded():
        messages.success(request, _("“%(job)s” is queued; the worker runs it shortly.") % {"job": job.label})
    else:
        messages.success(request, _("“%(job)s” has run.") % {"job": job.label})
    return redirect("web:jobs")
