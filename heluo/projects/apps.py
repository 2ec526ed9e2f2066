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
        from heluo.core.registry import HomeStat, NavEntry, add_home_stat, add_nav

        from .selectors import lists
        from .services import applications as _application_rules  # noqa: F401  (registers the workflow's action rule)

        # everyone, the public too: the published calls are open; the applications are the programme users'
        add_nav(NavEntry("projects", "projects:calls", _("Science projects"), "journal-richtext", matches=("projects:",), order=78))
        add_home_stat(
            HomeStat("projects-open-calls", "projects:calls", _("Open calls for proposals"), lists.open_calls, icon="megaphone", order=78),
            HomeStat(
                "projects-to-check",
                "projects:applications",
                _("Applications awaiting a step"),
                lists.awaiting_count,
                icon="clipboard-check",
                query=lambda user: "status=submitted&status=recommended",
                public=False,
                task=True,
                order=78,
            ),
        )
