from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "heluo.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from . import audit, signin  # noqa: F401  (connect the change-recording and sign-in signals)
        from .models import UserProfile

        # Accounts, roles and privileges are audited like records; a password only as "changed".
        audit.register(get_user_model(), ignore=("last_login",), redact=("password",))
        audit.register(Group)
        audit.register(UserProfile)
