from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CultivationConfig(AppConfig):
    name = "heluo.cultivation"
    label = "cultivation"
    verbose_name = "企业培育"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from heluo.core.models import STAFF_ROLES, Role
        from heluo.core.registry import NavEntry, PeriodicJob, SetupStep, add_nav, add_periodic_job, add_setup_step

        add_setup_step(SetupStep("免申即享 policies", _sync_policies, order=40))
        add_periodic_job(PeriodicJob("cultivation-pools", _("Refresh the cultivation pools"), _refresh_pools, order=40))
        add_nav(
            NavEntry(
                "cultivation", "cultivation:hub", _("Cultivation"), "rocket-takeoff", roles=STAFF_ROLES, matches=("cultivation:",), order=60
            ),
            NavEntry(
                "cultivation",
                "cultivation:my",
                _("Cultivation"),
                "rocket-takeoff",
                roles=(Role.ORG_USER,),
                matches=("cultivation:",),
                order=60,
            ),
        )


def _refresh_pools():
    from .services.pools import refresh_all_pools

    return refresh_all_pools(None)


def _sync_policies(city, verbose):
    """The configured 免申即享 policies that are missing (existing ones keep the bureau's edits)."""
    from .services.benefits import sync_policies

    sync_policies()
