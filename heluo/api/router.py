"""REST API at /api/v1/ (django-ninja; OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""
from ninja import NinjaAPI

from .auth import TokenAuth

api = NinjaAPI(
    title="Heluo API",
    version="1",
    description="河洛科技创新平台 REST API. Authenticate with `Authorization: Bearer <token>`.",
    auth=TokenAuth(),
    urls_namespace="api",
)
