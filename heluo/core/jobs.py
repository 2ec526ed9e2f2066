"""The one job runner: django-tasks, queued in the database and run by `heluo worker` (settings.TASKS).

Web imports are tasks (`heluo.core.imports.run_import_job`); the periodic jobs that apps register
(`heluo.core.registry.PeriodicJob`: voucher expiry and reconciliation, pool refreshes, upload retention …) run
through `run_periodic_job`, enqueued by `heluo jobs daily` (cron) or by a bureau administrator on the jobs page.
Each run is a task result (status, times, return value or error) that the jobs page lists.
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from .middleware import acting_as
from .registry import PeriodicJob, periodic_jobs


class JobFailed(Exception):
    """A periodic job ran but reported a failure ({"ok": False, …}): the task is marked failed, with the report."""


def periodic_job(name: str) -> PeriodicJob:
    job = {j.name: j for j in periodic_jobs()}.get(name)
    if job is None:
        raise KeyError(f"no periodic job {name!r}; choose from {', '.join(j.name for j in periodic_jobs())}")
    return job


@task()
def run_periodic_job(name: str) -> dict:
    with acting_as(None, "job"):
        result = periodic_job(name).run() or {}
    result = json.loads(json.dumps(result, ensure_ascii=False, default=str))  # stored as the task's return value
    if result.get("ok") is False:
        raise JobFailed(json.dumps(result, ensure_ascii=False))
    return result


def enqueue(name: str):
    periodic_job(name)  # an unknown name is refused here, not later in the worker
    return run_periodic_job.enqueue(name)


def enqueue_schedule(schedule: str = "daily") -> list:
    return [run_periodic_job.enqueue(j.name) for j in periodic_jobs(schedule)]


# --- the core's own periodic jobs -------------------------------------------------------------------------


def purge_uploads(days: int | None = None, now: dt.datetime | None = None) -> dict:
    """Delete uploaded import files older than the retention period (HELUO_UPLOAD_RETENTION_DAYS; 0 keeps them).
    The job's record (kind, file name, summary, errors) stays; only the file goes and `file` is cleared."""
    from .models import ImportJob

    days = settings.HELUO_UPLOAD_RETENTION_DAYS if days is None else days
    if days <= 0:
        return {"purged": 0, "retention_days": 0}
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    unfinished = (ImportJob.Status.PENDING, ImportJob.Status.RUNNING)
    purged = 0
    for job in ImportJob.objects.filter(created__lt=cutoff).exclude(file="").exclude(status__in=unfinished).iterator():
        job.file.delete(save=False)  # a file already gone is no error
        job.file = ""
        job.save(update_fields=["file"])
        purged += 1
    return {"purged": purged, "retention_days": days}


def prune_task_results(days: int | None = None) -> dict:
    """Finished task results older than HELUO_TASK_RESULT_DAYS (the import jobs' own records stay)."""
    if settings.HELUO_TASKS != "database":
        return {"deleted": 0}
    from django_tasks_db.models import DBTaskResult

    days = settings.HELUO_TASK_RESULT_DAYS if days is None else days
    cutoff = timezone.now() - dt.timedelta(days=days)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return {"deleted": deleted}
