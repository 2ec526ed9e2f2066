from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "heluo.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import audit  # noqa: F401  (connects the change-recording signals)
        from .registry import PeriodicJob, add_periodic_job

        add_periodic_job(
            PeriodicJob("purge-uploads", _("Delete uploaded import files past their retention"), _purge_uploads, order=90),
            PeriodicJob("prune-task-results", _("Delete old background task results"), _prune_task_results, order=91),
        )


def _purge_uploads():
    from .jobs import purge_uploads

    return purge_uploads()


def _prune_task_results():
    from .jobs import prune_task_results

    return prune_task_results()
