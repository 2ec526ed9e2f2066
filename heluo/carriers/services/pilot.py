"""The pilot bases' service list: a base's host (or the bureau) publishes and changes its services."""

from django.db import transaction

from heluo.core.i18n import Refusal
from heluo.core.permissions import delete_in_scope, save_in_scope
from heluo.platforms.models import PlatformKind

from ..models import PilotService


def service_save(user, service: PilotService) -> PilotService:
    if service.platform.kind != PlatformKind.PILOT_BASE:
        raise Refusal("not_pilot_base", "只有中试基地可以发布中试服务", "Only pilot bases publish pilot services.", 422, "platform")
    service.full_clean()
    with transaction.atomic():
        save_in_scope(user, service)
    return service


def service_delete(user, service: PilotService):
    delete_in_scope(user, service)
