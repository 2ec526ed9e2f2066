"""One error vocabulary for every endpoint, and its place in the OpenAPI document.

400 {"detail": "..."}                              a request body that is not JSON
401 {"detail": "Unauthorized"}                     no or bad token where one is needed
403 {"detail": "..."}                              a write the caller may not do, a read-only token
404 {"detail": "..."}                              missing, or outside the caller's scope (same answer); also any
                                                   path under /api/v1/ that names no operation
409 {"detail": "..."}                              a conflicting concurrent write, or a row still referenced
422 {"detail": [{"field": ..., "message": ...}]}   validation; field is null for whole-record errors
"""

import ninja.parser
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja.errors import ValidationError as NinjaValidationError

from heluo.core.i18n import Refusal
from heluo.core.middleware import NUL

from .schemas import Invalid, Message

NOT_FOUND = "未找到 / Not found."
FORBIDDEN = "无权执行此操作 / You may not do this."
CONFLICT = "与现有记录冲突，或仍被其他记录引用 / Conflicts with an existing record, or is still referenced by others."


# Names our views give their schema parameters (body payloads, query filters, ninja's pagination).
SCHEMA_PARAMS = {"payload", "filters", "ninja_pagination"}


def invalid(field, message):
    return DjangoValidationError({field: [message]})


def _field(name):
    return None if name in (NON_FIELD_ERRORS, None) else name


def django_errors(exc: DjangoValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [{"field": _field(f), "message": m} for f, messages in exc.message_dict.items() for m in messages]
    return [{"field": None, "message": m} for m in exc.messages]


def ninja_errors(exc: NinjaValidationError) -> list[dict]:
    """Pydantic's errors (loc = (source, param, field, ...)) in our shape, keeping loc and type."""
    out = []
    for e in exc.errors:
        loc = list(e.get("loc", ()))
        source, parts = (loc[0], loc[1:]) if loc else (None, [])
        if len(parts) > 1 and parts[0] in SCHEMA_PARAMS:
            parts = parts[1:]  # drop the view's parameter name: the client knows only the field
        out.append({"field": ".".join(str(p) for p in parts) or None, "message": e.get("msg", ""), "loc": loc, "type": e.get("type")})
    return out


def install(api):
    @api.exception_handler(ObjectDoesNotExist)
    def not_found(request, exc):
        return api.create_response(request, {"detail": NOT_FOUND}, status=404)

    @api.exception_handler(Http404)
    def http404(request, exc):
        return api.create_response(request, {"detail": NOT_FOUND}, status=404)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return api.create_response(request, {"detail": str(exc) or FORBIDDEN}, status=403)

    @api.exception_handler(IntegrityError)
    def conflict(request, exc):
        # Validation catches duplicates first; this is a concurrent write or a protected reference (ProtectedError).
        return api.create_response(request, {"detail": CONFLICT}, status=409)

    @api.exception_handler(Refusal)
    def refused(request, exc):
        # a service's refusal: its own status (409/422) and the reason with its code, in both languages
        # one that lists several problems (an incomplete application) gives each with its field
        details = exc.details() if hasattr(exc, "details") else [exc.as_dict()]
        return api.create_response(request, {"detail": details}, status=exc.status)

    @api.exception_handler(DjangoValidationError)
    def django_invalid(request, exc):
        return api.create_response(request, {"detail": django_errors(exc)}, status=422)

    @api.exception_handler(NinjaValidationError)
    def ninja_invalid(request, exc):
        return api.create_response(request, {"detail": ninja_errors(exc)}, status=422)


def document(api):
    """Declare on every operation the errors above that it can answer, unless its domain declared its own
    (a more specific body): every operation checks a token (401); one with parameters validates them (422);
    one with a path parameter looks a row up (404), one with a body parses it (400); a write may be refused or
    conflict (403, 409). The declarations change only the OpenAPI document: the handlers answer regardless."""
    # the operations as mounted (django-ninja clones each router's operations when it binds them to the API)
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                sources = {model.__ninja_param_source__ for model in operation.signature.models}
                errors = {401: Message}
                if sources:
                    errors[422] = Invalid
                if "path" in sources:
                    errors[404] = Message
                if "body" in sources:
                    errors[400] = Message
                if set(operation.methods) - {"GET"}:
                    errors.update({403: Message, 409: Message})
                for status, schema in errors.items():
                    if status not in operation.response_models:
                        operation.response_models[status] = operation._create_response_model(schema)


@csrf_exempt  # the API takes tokens, never the session cookie
def unmatched(request):
    """A path under /api/v1/ that names no operation (e.g. /organizations/abc where the id is a number): the API's
    JSON 404, not the web site's HTML page."""
    return JsonResponse({"detail": NOT_FOUND}, status=404, json_dumps_params={"ensure_ascii": False})


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class Parser(ninja.parser.Parser):
    """django-ninja's parser, refusing the NUL character: no text of ours contains it and PostgreSQL cannot hold it
    (a query with one fails in the database: a 500). In a query parameter it is a 422 naming the parameter; in a
    body, ninja's 400 for a body it cannot parse."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if _has_nul(data):
            raise ValueError(NUL)
        return data

    def parse_querydict(self, data, list_fields, request):
        parsed = super().parse_querydict(data, list_fields, request)
        bad = [name for name, value in parsed.items() if _has_nul(name) or _has_nul(value)]
        if bad:
            raise NinjaValidationError([{"loc": ("query", name), "msg": NUL, "type": "nul"} for name in bad])
        return parsed
