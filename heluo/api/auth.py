"""Who is calling. Every endpoint takes a Bearer token (`Authorization: Bearer <key>`); the public parts of
the registry (reference data, published organizations, platforms and qualifications) also answer a request
that carries no Authorization header at all. A header with a wrong, expired or malformed token is always a
401: a bad token never silently becomes an anonymous read.
"""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from heluo.core.middleware import current_actor
from heluo.core.models import ApiToken
from heluo.core.permissions import scope_for


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = ApiToken.authenticate(token)
        if found is None:
            return None
        now = timezone.now()
        if found.last_used is None or (now - found.last_used).total_seconds() > 60:  # a write at most once a minute
            with connection.cursor() as cursor:  # plain SQL: the ORM's update costs more than the statement
                field = ApiToken._meta.get_field("last_used")
                cursor.execute(
                    f"UPDATE {ApiToken._meta.db_table} SET {field.column} = %s WHERE id = %s",
                    [field.get_db_prep_save(now, connection), found.pk],
                )
        scope_for(found.user, profile=getattr(found.user, "profile", None))  # read with the token, not again
        request.user = found.user
        request.api_token = found
        current_actor().user = found.user  # so the change log names the token's owner
        return found.user


def anonymous(request):
    """Optional authentication (the django-ninja idiom: the last callable of an `auth=[...]` list that
    returns a truthy marker). Only a request without any Authorization header proceeds, as the public."""
    if request.headers.get("Authorization"):
        return None
    request.user = AnonymousUser()  # ignore any browser session: the API is token-only
    request.api_token = None
    current_actor().user = None
    return request.user


token_auth = TokenAuth()
TOKEN = [token_auth]
PUBLIC = [token_auth, anonymous]
# Decorator arguments of a publicly readable operation: optional auth, shown as such in the OpenAPI document.
OPEN = {"auth": PUBLIC, "openapi_extra": {"security": [{}]}}


def caller(request):
    """The user the request acts for (an AnonymousUser for the public); selectors scope by it."""
    user = getattr(request, "auth", None)
    return user if user is not None else AnonymousUser()


def writer(request):
    """The user of a write request; refuses read-only tokens."""
    token = getattr(request, "api_token", None)
    if token is None:
        raise AuthenticationError()
    if not token.write_enabled:
        raise PermissionDenied("此令牌为只读令牌 / This token is read-only.")
    return token.user
