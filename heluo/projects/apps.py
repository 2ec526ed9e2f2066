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
        from heluo.core.models import Role
        from heluo.core.registry import HomeStat, NavEntry, add_home_stat, add_nav

        from .selectors import lists
        from .services import applications as _application_rules  # noqa: F401  (registers the workflow's action rule)

        # everyone, the public too: the published calls are open; the applications are the programme users'
        add_nav(NavEntry("projects", "projects:calls", _("Science projects"), "journal-richtext", matches=("projects:",), order=78))
        add_nav(NavEntry("projects-reviews", "projects:my_reviews", _("My reviews"), "clipboard-check", roles=(Role.EXPERT,), order=79))
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
        register_plan_computations()


def register_plan_computations():
    """实施重大科技创新专项 and “揭榜挂帅”攻关项目 counted from the projects (a funded application's or an awarded
    challenge bid's), in the plan's registry (the plan does not import projects: projects registers what it can compute)."""
    from heluo.plan.selectors.computations import register_computation

    from .models import Project
    from .selectors import indicators

    register_computation(
        "projects_funded",
        "已立项的市级科技项目（按项目类型，规划期内累计，按立项或授榜日期）",
        "municipal projects made (by programme type, cumulative over the plan period, by the date of funding or award)",
        indicators.funded,
        by_area=indicators.funded_by_area,
        tables=(Project,),
    )
