from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "heluo.web"
    label = "web"
    verbose_name = _("Web")

    def ready(self):
        from heluo.core.models import STAFF_ROLES, Role
        from heluo.core.registry import NavEntry, add_nav

        add_nav(
            NavEntry(
                "imports",
                "web:import_list",
                _("Imports"),
                "upload",
                roles=STAFF_ROLES + (Role.ORG_USER,),
                matches=("web:import_",),
                order=90,
            )
        )
