"""The one job runner (django-tasks, database queue): web imports are queued and run by the worker with their progress
on the import page; the periodic jobs that apps register run through it and from the command line; the bureau
administrator sees every task's status and result; uploaded files are deleted after the retention period."""

import datetime as dt
import io
import subprocess

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from heluo.core import jobs, registry
from heluo.core.imports import template_xlsx
from heluo.core.models import ImportJob
from tests.helpers import login


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


@pytest.fixture
def queue(settings):
    """The database queue, as in production (the tests otherwise run tasks inline)."""
    settings.HELUO_TASKS = "database"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker():
    """`heluo worker --batch`: run what is queued, then stop (without the command's signal handlers)."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def test_serve_starts_a_worker_process_beside_the_server_and_stops_it(settings, monkeypatch):
    import waitress
    from gunicorn.app.base import BaseApplication

    from heluo.core.management.commands import serve
    from heluo.core.management.commands.serve import cores

    seen = {}

    class Process:
        pid = 4242

        def __init__(self, command, env):
            seen["command"] = command

        def poll(self):
            return None

        def terminate(self):
            seen["terminated"] = True

        def wait(self, timeout):
            return 0

    def gunicorn_run(app):
        seen["gunicorn"] = {"bind": app.cfg.bind, "workers": app.cfg.workers, "class": app.cfg.worker_class_str, "threads": app.cfg.threads}

    monkeypatch.setattr(subprocess, "Popen", Process)
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: seen.update(serve=kw))
    monkeypatch.setattr(BaseApplication, "run", gunicorn_run)
    monkeypatch.setattr(serve, "warm_up", lambda: seen.update(warmed=True))
    settings.HELUO_TASKS = "database"
    out = io.StringIO()
    call_command("serve", port=8999, stdout=out)  # gunicorn where it runs: one worker process per core
    assert seen["command"][1:4] == ["-m", "heluo.cli", "worker"] and seen["terminated"]
    assert seen["gunicorn"] == {"bind": ["127.0.0.1:8999"], "workers": cores(), "class": "gthread", "threads": 8}
    assert "warmed" not in seen  # gunicorn warms each worker process it starts (post_worker_init), not the master
    assert "pid 4242" in out.getvalue()
    seen.clear()
    call_command("serve", "--server", "waitress", "--no-worker", port=8999, stdout=io.StringIO())
    assert "command" not in seen and "gunicorn" not in seen
    assert seen["serve"]["port"] == 8999 and seen["serve"]["max_request_body_size"] == settings.HELUO_REQUEST_MAX_BYTES
    assert seen["warmed"]
    call_command("serve", "--workers", "3", "--worker-class", "sync", "--bind", "unix:/tmp/h.sock", stdout=io.StringIO())
    assert seen["gunicorn"] == {"bind": ["unix:/tmp/h.sock"], "workers": 3, "class": "sync", "threads": 1}


def test_a_server_process_warms_up_in_the_background_and_a_failing_warmup_stops_nothing(monkeypatch):
    from heluo.core.management.commands import serve

    ran = []

    def broken():
        raise RuntimeError("no index today")

    monkeypatch.setattr(registry, "_warmups", {})
    registry.add_warmup(registry.Warmup("second", lambda: ran.append("second"), order=2))
    registry.add_warmup(registry.Warmup("first", broken, order=1))
    serve.warm_up().join(timeout=10)
    assert ran == ["second"]


def test_the_market_warms_its_suggestion_indexes():
    assert "market suggestions" in [w.name for w in registry.warmups()]


def test_served_by_gunicorn_a_body_over_the_limit_is_refused_before_it_is_read():
    from heluo.core.management.commands.serve import limit_body

    app = limit_body(lambda environ, start_response: start_response("200 OK", []) or [b"ok"], max_bytes=10)
    answers = []
    assert app({"CONTENT_LENGTH": "10"}, lambda status, headers: answers.append(status)) == [b"ok"]
    app({"CONTENT_LENGTH": "11"}, lambda status, headers: answers.append(status))
    assert answers == ["200 OK", "413 Request Entity Too Large"]


def test_the_apps_register_their_periodic_jobs():
    names = [j.name for j in registry.periodic_jobs("daily")]
    for name in ("vouchers-expire", "vouchers-reconcile", "vouchers-risk-scan", "cultivation-pools", "purge-uploads"):
        assert name in names
    assert names.index("vouchers-expire") < names.index("vouchers-reconcile")  # expiry first


def test_a_web_import_is_queued_then_run_by_the_worker(transactional_db, world, client, media, queue):
    login(client, world.users.staff)
    upload = SimpleUploadedFile("机构.xlsx", template_xlsx("organizations"))
    response = client.post(reverse("web:import_list"), {"kind": "organizations", "file": upload, "dry_run": "on"})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "pending"
    task = DBTaskResult.objects.get()
    assert task.status == "READY" and task.task_path == "heluo.core.imports.run_import_job" and task.args_kwargs["args"] == [job.pk]
    client.cookies["django_language"] = "en"
    html = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in html and "waiting for the worker" in html
    run_worker()
    job.refresh_from_db()
    task.refresh_from_db()
    assert job.status == "failed" and job.finished  # the empty template has no data rows: rejected, and said so
    assert task.status == "SUCCESSFUL" and task.return_value == {"import_job": job.pk, "status": "failed", "rows": 0, "errors": 1}
    html = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in html and "the file has no data rows" in html


def test_periodic_jobs_from_the_command_line(world, media):
    out = io.StringIO()
    call_command("jobs", "list", stdout=out)
    assert "vouchers-expire" in out.getvalue() and "purge-uploads" in out.getvalue()
    out = io.StringIO()
    call_command("jobs", "run", "purge-uploads", "--now", stdout=out)
    assert 'purge-uploads: {"purged": 0, "retention_days": 30}' in out.getvalue()
    out = io.StringIO()
    call_command("jobs", "daily", "--now", stdout=out)
    assert "vouchers-expire:" in out.getvalue() and "cultivation-pools:" in out.getvalue()
    with pytest.raises(Exception, match="no periodic job"):
        call_command("jobs", "run", "no-such-job")


def test_the_daily_jobs_are_queued_and_their_results_shown_to_the_administrator(transactional_db, world, client, queue, monkeypatch):
    monkeypatch.setitem(
        registry._periodic_jobs,
        "always-fails",
        registry.PeriodicJob("always-fails", "Always fails", lambda: {"ok": False, "why": "测试"}, schedule="weekly"),
    )
    out = io.StringIO()
    call_command("jobs", "daily", stdout=out)
    daily = registry.periodic_jobs("daily")
    assert out.getvalue().count("queued") == len(daily) == DBTaskResult.objects.count()
    login(client, world.users.admin)
    html = client.get(reverse("web:jobs")).content.decode()
    assert html.count("status-badge") >= len(daily) and "vouchers-expire" in html
    run_worker()
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == len(daily)
    # "run now" queues one job; a job that reports a failure is a failed task, with its report
    assert client.post(reverse("web:job_run", args=["always-fails"])).status_code == 302
    run_worker()
    failed = DBTaskResult.objects.get(status="FAILED")
    assert failed.args_kwargs["args"] == ["always-fails"] and "JobFailed" in failed.exception_class_path
    html = client.get(reverse("web:jobs")).content.decode()
    assert "JobFailed" in html and "测试" in html and "&quot;expired&quot;: 0" in html
    assert client.post(reverse("web:job_run", args=["nothing"])).status_code == 404


def test_the_jobs_page_is_the_bureau_administrators(world, client):
    for user in (world.users.staff, world.users.district_a, world.users.org_a):
        login(client, user)
        assert client.get(reverse("web:jobs")).status_code == 403
        assert client.post(reverse("web:job_run", args=["purge-uploads"])).status_code == 403
    login(client, world.users.admin)
    html = client.get(reverse("web:jobs")).content.decode()
    assert "purge-uploads" in html and "HELUO_TASKS=immediate" in html  # inline here: nothing is recorded


def test_uploaded_files_are_deleted_after_the_retention_period_and_the_record_stays(world, media, settings):
    settings.HELUO_UPLOAD_RETENTION_DAYS = 30
    now = timezone.now()

    def job(days_ago, status="succeeded"):
        j = ImportJob(kind="organizations", file_name="机构.xlsx", user=world.users.staff, status=status, summary={"created": 2})
        j.file.save("机构.xlsx", ContentFile(b"PK data"), save=False)
        j.errors = [{"row": 3, "message_zh": "错", "message_en": "wrong"}]
        j.save()
        ImportJob.objects.filter(pk=j.pk).update(created=now - dt.timedelta(days=days_ago))
        return j

    old, recent, waiting = job(31), job(29), job(40, status="pending")
    old_path = media / old.file.name
    assert old_path.exists()
    assert jobs.purge_uploads() == {"purged": 1, "retention_days": 30}
    old.refresh_from_db()
    assert not old_path.exists() and not old.file and old.file_name == "机构.xlsx"
    assert old.summary == {"created": 2} and old.errors[0]["message_en"] == "wrong"
    assert (media / recent.file.name).exists() and (media / waiting.file.name).exists()  # too young, or not yet run
    assert jobs.purge_uploads() == {"purged": 0, "retention_days": 30}  # idempotent
    out = io.StringIO()
    call_command("purge_uploads", "--days", "28", stdout=out)
    assert "deleted 1 uploaded file(s)" in out.getvalue() and not (media / recent.file.name).exists()
    assert jobs.purge_uploads(days=0)["purged"] == 0  # 0 keeps every file


def test_the_import_page_says_the_file_is_gone(world, client):
    job = ImportJob.objects.create(kind="organizations", file_name="机构.xlsx", user=world.users.staff, status="succeeded", file="")
    login(client, world.users.staff)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("web:import_job", args=[job.pk])).content.decode()
    assert "机构.xlsx" in html and "has been deleted" in html
