from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "heluo.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from . import audit, signin  # noqa: F401  (connect the change-recording and sign-in signals)
        from .models import UserProfile

        # Accounts, roles and privileges are audited like records; a password only as "changed".
        audit.register(get_user_model(), ignore=("last_login",), redact=("password",))
        audit.register(Group)
        audit.register(UserProfile)

        from .registry import PeriodicJob, add_periodic_job

        add_periodic_job(
            PeriodicJob("audit-seal", _("Seal audit records not yet chained"), _seal_audit, order=89),
            PeriodicJob("purge-uploads", _("Delete uploaded import files past their retention"), _purge_uploads, order=90),
            PeriodicJob("prune-task-results", _("Delete old background task results"), _prune_task_results, order=91),
            PeriodicJob("backup", _("Back up the database and the uploaded files"), _backup, order=99),
            PeriodicJob("planner-statistics", _("Refresh the query planner's statistics (SQLite)"), _statistics, order=95),
        )


def _statistics():
    from .setup import refresh_planner_statistics

    return refresh_planner_statistics()


def _seal_audit():
    from .audit_chain import seal

    return {"sealed": seal()}


def _backup():
    from django.conf import settings

    from .backup.archive import backup, prune

    if not settings.HELUO_BACKUP_DAILY:
        return {"skipped": "HELUO_BACKUP_DAILY=0"}
    archive = backup(settings.HELUO_BACKUP_DIR)
    removed = prune(settings.HELUO_BACKUP_DIR, settings.HELUO_BACKUP_KEEP_DAYS) if settings.HELUO_BACKUP_KEEP_DAYS else []
    return {"archive": archive.name, "size": archive.stat().st_size, "removed": [p.name for p in removed]}


def _purge_uploads():
    from .jobs import purge_uploads

    return purge_uploads()


def _prune_task_results():
    from .jobs import prune_task_results

    return prune_task_results()
