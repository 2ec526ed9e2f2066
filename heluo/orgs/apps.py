from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "heluo.orgs"
    label = "orgs"
    verbose_name = _("Organizations")

    def ready(self):
        from heluo.core.models import STAFF_ROLES, Role
        from heluo.core.registry import HomeStat, NavEntry, add_home_stat, add_nav

        from . import selectors, views

        add_nav(
            NavEntry("organizations", "web:organization_list", _("Organizations"), "building", matches=("web:organization_",), order=10),
            NavEntry(
                "annual",
                "web:annual_list",
                _("Annual data"),
                "table",
                roles=STAFF_ROLES + (Role.ORG_USER,),
                matches=("web:annual_",),
                order=20,
            ),
            NavEntry(
                "qualifications", "web:qualification_list", _("Qualifications"), "patch-check", matches=("web:qualification_",), order=30
            ),
        )
        add_home_stat(
            HomeStat("organizations", "web:organization_list", _("Organizations"), selectors.organization_count, "building", order=10),
            HomeStat(
                "annual", "web:annual_list", _("Enterprise annual data rows"), selectors.annual_count, "table", public=False, order=15
            ),
            HomeStat(
                "hte",
                "web:qualification_list",
                _("Valid high-tech enterprises"),
                selectors.valid_hte_count,
                "patch-check",
                query=lambda user: "?kind=hte&valid_on=" + selectors.today().isoformat(),
                order=30,
            ),
            HomeStat(
                "annual_to_verify",
                "web:annual_list",
                _("Annual data waiting for verification"),
                selectors.annual_to_verify_count,
                "check2-square",
                query=lambda user: "?status=submitted",
                public=False,
                task=True,
            ),
        )
        views.register_related_counts()
