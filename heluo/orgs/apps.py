from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "heluo.orgs"
    label = "orgs"
    verbose_name = _("Organizations")

    def ready(self):
        from heluo.core.models import STAFF_ROLES, Role
        from heluo.core.registry import NavEntry, add_nav

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
