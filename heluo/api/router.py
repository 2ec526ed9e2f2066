"""REST API at /api/v1/ (django-ninja; OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs).

The API serves the registry with the web's rules: reads go through the selectors, writes through the
services, and both start from the caller's scope. See the module docstrings for each resource group.
"""

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from heluo.core.registry import app_modules

from . import errors
from .auth import TOKEN

DESCRIPTION = """河洛科技创新平台 REST API / Heluo innovation platform REST API.

**Authentication.** `Authorization: Bearer <token>` (create one with `heluo token create USERNAME`).
Reference data (areas, planning zones, industries, high-tech fields, clusters, talent programmes) and the
published part of organizations, qualifications and platforms are also readable *without* an Authorization
header; everything else answers 401 to an anonymous request (annual data, people, experts, talents, change
history). A wrong or expired token is always 401. A read-only token gets 403 on every write.

**Scope.** Lists contain only what the caller may see; an object outside the caller's scope is 404, exactly
like a missing one. A write the caller may not do is 403.

**Errors.** 422 bodies are `{"detail": [{"field": ..., "message": ...}]}`; messages of code checks
(统一社会信用代码, 身份证号码) are bilingual and name the offending character, and a service's refusal adds its
stable `code` and the reason in each language (`zh`, `en`). Other errors are `{"detail": "..."}`: 400 for a body
that is not JSON, 404 also for any path under /api/v1/ that names no operation. Each operation lists the errors
it can answer.

**Lists** take `limit` (≤ 500, default 100) and `offset` and answer `{"items": [...], "count": n}`.

**Codes.** Payloads and filters name areas, industries, high-tech fields, clusters and talent programmes by
code (e.g. `area=410305`); registry rows (organizations, people) by id.

**Personal identifiers** are always masked; `POST /people/{id}/id-number` reveals one, with permission, and is
logged. Reads of enterprises' annual data by anyone but the enterprise itself are logged.
"""


class UnicodeJSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # 中文 as characters, not \uXXXX escapes


api = NinjaAPI(
    title="Heluo API",
    version="1",
    description=DESCRIPTION,
    auth=TOKEN,
    urls_namespace="api",
    renderer=UnicodeJSONRenderer(),
    parser=errors.Parser(),
)
errors.install(api)

# each domain's own routes: `heluo/<app>/api.py` (or an `api` package) exposes `router`
for _module in app_modules("api"):
    api.add_router("", _module.router)
errors.document(api)
