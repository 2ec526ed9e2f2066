from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanConfig(AppConfig):
    name = "heluo.plan"
    label = "plan"
    verbose_name = _("Plan monitoring")

    def ready(self):
        from heluo.core.i18n import is_chinese
        from heluo.core.registry import SetupStep, add_setup_step

        from .engine.text import ask_language_with

        ask_language_with(is_chinese)

        add_setup_step(SetupStep("已载入规划指标 / plan loaded", _ensure_plan, order=30))


def _ensure_plan(city, verbose):
    """The city's plan and its published figures, when new or changed."""
    from .loader import ensure_plan

    return ensure_plan(city)
