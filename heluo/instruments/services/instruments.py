"""The registry of instruments: an owner registers and edits its own (the bureau any), with its service items."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from heluo.core.i18n import Bilingual, Refusal
from heluo.core.models import Role
from heluo.core.permissions import CHANGE, scope_for
from heluo.orgs.models import Organization

from ..engine import rules
from ..models import Instrument, InstrumentStatus, ServiceItem, ServiceUnit

EDITABLE = (
    "asset_number",
    "name",
    "category",
    "model_number",
    "manufacturer",
    "value",
    "purchased_on",
    "location",
    "status",
    "open_weekdays",
    "opens",
    "closes",
    "operator",
    "contact",
    "description",
    "is_published",
)


def forbidden(zh: str, en: str) -> PermissionDenied:
    return PermissionDenied(Bilingual(zh, en).both)


def bureau_only(user):
    scope = scope_for(user)
    if not scope.is_bureau:
        raise forbidden("只有科技局可以进行此操作", "Only the bureau may do this.")
    return scope


def may_register(user) -> bool:
    scope = scope_for(user)
    return scope.is_bureau or (scope.role == Role.ORG_USER and bool(scope.organization_id))


def owner_for(user, owner: Organization | None) -> Organization:
    """An organization's user registers its own instruments; the bureau names the owner."""
    scope = scope_for(user)
    if scope.is_bureau:
        if owner is None:
            raise Refusal("owner_required", "请指定仪器管理单位", "Name the instrument's owner.", 422, "owner")
        return owner
    if scope.role == Role.ORG_USER and scope.organization_id:
        if owner is not None and owner.pk != scope.organization_id:
            raise forbidden("只能登记本单位的仪器", "You may register only your own organization's instruments.")
        return Organization.objects.get(pk=scope.organization_id)
    raise forbidden("只有仪器管理单位或科技局可以登记仪器", "Only an instrument's owner or the bureau may register instruments.")


def check(instrument: Instrument):
    if instrument.category not in {c for c, _zh, _en in rules.categories()}:
        raise Refusal("category", f"未知的仪器类别“{instrument.category}”", f"Unknown category '{instrument.category}'.", 422, "category")
    if instrument.value is None or instrument.value < 0:
        raise Refusal("value", "原值须为非负数", "The value must not be negative.", 422, "value")
    if (instrument.opens is None) != (instrument.closes is None):
        raise Refusal("open_hours", "开放时间须同时填写开始和结束", "Give both the opening and the closing time.", 422, "opens")
    if instrument.opens is not None and instrument.opens >= instrument.closes:
        raise Refusal("open_hours", "开放结束时间须晚于开始时间", "Closing must be after opening.", 422, "closes")
    if set(instrument.open_weekdays or "") - set("1234567"):
        raise Refusal("weekdays", "开放日须为1–7的数字（1为星期一）", "Open weekdays are digits 1–7 (1 is Monday).", 422, "open_weekdays")
    if instrument.status not in InstrumentStatus.values:
        raise Refusal("status", "未知的仪器状态", "Unknown instrument status.", 422, "status")


def instrument_save(user, instrument: Instrument, owner: Organization | None = None) -> Instrument:
    """Create (owner from the user, or named by the bureau) or change one the user may change."""
    if instrument.pk is None:
        instrument.owner = owner_for(user, owner)
    elif not Instrument.objects.restrict(user, CHANGE).filter(pk=instrument.pk).exists():
        raise forbidden("只有仪器管理单位或科技局可以修改该仪器", "Only the instrument's owner or the bureau may change it.")
    check(instrument)
    try:
        with transaction.atomic():
            instrument.save()
    except IntegrityError:
        raise Refusal(
            "asset_number_taken",
            "本单位已有该资产编号的仪器",
            "The owner already has an instrument with this asset number.",
            409,
            "asset_number",
        ) from None
    return instrument


def service_save(user, instrument: Instrument, name: str, unit: str, price: Decimal) -> ServiceItem:
    """Add a service item, or change the price of the one of that name."""
    if not Instrument.objects.restrict(user, CHANGE).filter(pk=instrument.pk).exists():
        raise forbidden("只有仪器管理单位或科技局可以设置服务项目", "Only the instrument's owner or the bureau may set its services.")
    name = (name or "").strip()
    if not name:
        raise Refusal("service_name", "请填写服务项目名称", "Name the service.", 422, "name")
    if unit not in ServiceUnit.values:
        raise Refusal("service_unit", "计费单位须为“小时”或“样品”", "The unit is per hour or per sample.", 422, "unit")
    if price is None or price < 0:
        raise Refusal("service_price", "收费标准须为非负数", "The price must not be negative.", 422, "price")
    item, _ = ServiceItem.objects.update_or_create(instrument=instrument, name=name[:120], defaults={"unit": unit, "price": price})
    return item
