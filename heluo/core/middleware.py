"""Remembers who is acting, so the change log knows the user and channel of every write."""

import ipaddress
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy


@dataclass
class Actor:
    user: object = None
    via: str = "cli"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    address: str | None = None  # the client's network address (None on the command line)


_actor: ContextVar[Actor | None] = ContextVar("heluo_actor", default=None)

# The channels a write comes through (Actor.via), as the audit pages filter them; a partner city's exchange is
# "partner:CODE", one channel for the filters.
CHANNELS = {
    "web": gettext_lazy("web"),
    "api": gettext_lazy("API"),
    "import": gettext_lazy("import"),
    "cli": gettext_lazy("command line"),
    "job": gettext_lazy("background job"),
    "demo": gettext_lazy("demo"),
    "load": gettext_lazy("reference data"),
    "partner": gettext_lazy("partner city"),
}


def in_channel(queryset, channel: str):
    """The audit records of `queryset` written through `channel` (a key of CHANNELS)."""
    return queryset.filter(via__startswith="partner:") if channel == "partner" else queryset.filter(via=channel)


def current_actor() -> Actor:
    return _actor.get() or Actor()


@contextmanager
def acting_as(user, via: str, address: str | None = None):
    token = _actor.set(Actor(user=user, via=via, address=address))
    try:
        yield _actor.get()
    finally:
        _actor.reset(token)


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or, behind a reverse proxy, the header the proxy sets
    (HELUO_CLIENT_ADDRESS_HEADER, e.g. HTTP_X_REAL_IP). Sign-in lockout uses the same source."""
    from django.conf import settings

    header = settings.HELUO_CLIENT_ADDRESS_HEADER
    value = (request.META.get(header) if header else None) or request.META.get("REMOTE_ADDR") or ""
    value = value.split(",")[0].strip()[:45]
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return None
    return value


class CurrentRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        via = "api" if request.path.startswith("/api/") else "web"
        user = request.user if getattr(request, "user", None) is not None and request.user.is_authenticated else None
        with acting_as(user, via, client_address(request)):
            return self.get_response(request)


class PrivateResponsesMiddleware:
    """What a signed-in user or a token holder is shown (firms' figures, personal data) is never kept by a browser
    or a proxy cache: `Cache-Control: no-store, private`. Public pages keep their default."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
        return response


NUL = "不能包含空字符（U+0000） / must not contain the NUL character (U+0000)"


class NulRefusalMiddleware:
    """No text of ours contains the NUL character and PostgreSQL cannot hold it: a path or a page's query string
    with one is refused here with a 400 and its reason, before any view hands it to the database (where it would be
    a 500). The API's query strings and bodies are checked by its parser, which names the parameter (a 422)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import HttpResponseBadRequest, JsonResponse

        api = request.path.startswith("/api/")
        if "\x00" in request.path or (not api and any("\x00" in k or "\x00" in v for k, vs in request.GET.lists() for v in vs)):
            if api:
                return JsonResponse({"detail": NUL}, status=400, json_dumps_params={"ensure_ascii": False})
            return HttpResponseBadRequest(NUL, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class ChineseFirstMiddleware:
    """The platform speaks Chinese until a user picks another language: the browser's own language
    preference is not consulted (government desktops often report English)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META["HTTP_ACCEPT_LANGUAGE"] = settings.LANGUAGE_CODE
        return self.get_response(request)
