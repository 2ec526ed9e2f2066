from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VouchersConfig(AppConfig):
    name = "heluo.vouchers"
    label = "vouchers"
    verbose_name = _("Innovation vouchers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from heluo.core.models import STAFF_ROLES, Role
        from heluo.core.registry import NavEntry, add_nav

        # lands on each role's own page
        add_nav(
            NavEntry(
                "vouchers",
                "vouchers:home",
                _("Innovation vouchers"),
                "ticket-perforated",
                roles=STAFF_ROLES + (Role.ORG_USER,),
                matches=("vouchers:",),
                order=70,
            )
        )
