from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    """科技项目: calls (指南) and applications, the expert pool's review with conflict checks and exact reviewer
    assignment, 揭榜挂帅 and 赛马制, funded projects to acceptance, research integrity and random inspections."""

    name = "heluo.projects"
    label = "projects"
    verbose_name = _("Science projects")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .services import applications as _application_rules  # noqa: F401  (registers the workflow's action rule)
