from django.conf import settings

from heluo.core.permissions import scope_for


def navigation(request):
    scope = scope_for(getattr(request, "user", None))
    return {"heluo_scope": scope, "site_name": settings.HELUO_SITE_NAME}
