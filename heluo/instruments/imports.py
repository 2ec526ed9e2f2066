"""Import kind: an owner's list of instruments (one row per instrument, identified by owner's credit code and asset
number). The whole file is checked first, every bad cell reported in Chinese and English; then all rows are written
or none. Importing the same file again changes nothing. An owner's user imports its own instruments; the bureau
anyone's. Service items sit in one cell: "机时费:300元/小时；样品测试:200元/样品"."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from heluo.core.audit import serialize
from heluo.core.cells import (
    CellError,
    clean_text,
    is_empty,
    make_choice_parser,
    parse_bool,
    parse_checked_code,
    parse_date,
    parse_decimal,
    parse_text,
)
from heluo.core.codes import check_uscc
from heluo.core.i18n import Refusal
from heluo.core.imports import Column, ImportKind, record_row_exception, register
from heluo.core.permissions import CHANGE, scope_for
from heluo.orgs.models import Organization

from .engine import rules
from .models import Instrument, InstrumentStatus
from .services import instruments as services

ZH_STATUS = {"in_service": "在用", "maintenance": "维修", "retired": "报废"}
ZH_UNIT = {
    "小时": "hour",
    "机时": "hour",
    "hour": "hour",
    "h": "hour",
    "样品": "sample",
    "样": "sample",
    "个": "sample",
    "sample": "sample",
}
SERVICE = re.compile(r"^(?P<name>[^:：]+)[:：]\s*(?P<price>\d+(\.\d+)?)\s*元?\s*/\s*(?P<unit>\S+)$")
CONTENT = (
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
    "is_published",
)


def parse_uscc(value):
    return parse_checked_code(value, check_uscc, "统一社会信用代码", "unified social credit code")


def parse_time(value):
    if is_empty(value):
        return None
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, dt.time):
        return value
    text = clean_text(value).replace("：", ":")
    try:
        return dt.time.fromisoformat(text if len(text) > 4 else text.zfill(5))
    except ValueError:
        raise CellError(f"“{text}”不是时间（如 08:30）", f"'{text}' is not a time (e.g. 08:30)") from None


def parse_weekdays(value):
    if is_empty(value):
        return None
    text = re.sub(r"[\s,，、]", "", clean_text(value if not isinstance(value, float) else int(value)))
    if not text or set(text) - set("1234567"):
        raise CellError("开放日须为1–7的数字，如 12345（1为星期一）", "open weekdays are digits 1–7, e.g. 12345 (1 is Monday)")
    return "".join(sorted(set(text)))


def parse_services(value):
    """[(name, unit, price)] from "名称:价格元/单位；…"."""
    if is_empty(value):
        return None
    items = []
    for part in re.split(r"[;；\n]+", clean_text(value)):
        if not part.strip():
            continue
        m = SERVICE.match(part.strip())
        unit = ZH_UNIT.get(m.group("unit").lower()) if m else None
        if m is None or unit is None:
            raise CellError(
                f"服务项目“{part.strip()}”应写作“名称:价格元/小时”或“名称:价格元/样品”",
                f"service '{part.strip()}' must read 'name:price元/小时' or 'name:price元/样品'",
            )
        try:
            items.append((m.group("name").strip()[:120], unit, Decimal(m.group("price"))))
        except InvalidOperation:
            raise CellError(f"“{part}”的价格不是数字", f"the price of '{part}' is not a number") from None
    return items


@register
class InstrumentImport(ImportKind):
    kind = "instruments"
    label = _("Large instruments (owner's list)")
    model = Instrument
    key = ("owner", "asset_number")
    columns = [
        Column("owner", "管理单位统一社会信用代码", "Owner credit code", parse_uscc, required=True, get=lambda i: i.owner.uscc),
        Column("asset_number", "资产编号", "Asset number", partial(parse_text, max_length=60), required=True),
        Column("name", "仪器名称", "Name", partial(parse_text, max_length=200), required=True),
        Column(
            "category",
            "仪器类别",
            "Category",
            make_choice_parser(rules.categories()),
            required=True,
            note_zh="、".join(c[1] for c in rules.categories()),
            get=lambda i: dict((c, zh) for c, zh, _en in rules.categories()).get(i.category),
        ),
        Column("model_number", "规格型号", "Model", partial(parse_text, max_length=120)),
        Column("manufacturer", "生产厂商", "Manufacturer", partial(parse_text, max_length=200)),
        Column("value", "原值", "Value", parse_decimal, required=True, money=True),
        Column("purchased_on", "购置日期", "Purchased on", parse_date),
        Column("location", "安放地点", "Location", partial(parse_text, max_length=200)),
        Column(
            "status",
            "运行状态",
            "Status",
            make_choice_parser([(v, ZH_STATUS[v], str(label)) for v, label in InstrumentStatus.choices]),
            note_zh="在用/维修/报废，默认在用",
            get=lambda i: ZH_STATUS[i.status],
        ),
        Column("open_weekdays", "开放日", "Open weekdays", parse_weekdays, note_zh="1–7的数字，1为星期一，默认12345"),
        Column("opens", "开放开始时间", "Opens", parse_time),
        Column("closes", "开放结束时间", "Closes", parse_time),
        Column("operator", "操作人员", "Operator", partial(parse_text, max_length=100)),
        Column("contact", "联系方式", "Contact", partial(parse_text, max_length=100)),
        Column(
            "services",
            "服务项目及收费标准",
            "Services and prices",
            parse_services,
            note_zh="名称:价格元/小时；名称:价格元/样品",
            get=lambda i: "；".join(f"{s.name}:{s.price}元/{'小时' if s.unit == 'hour' else '样品'}" for s in i.services.all()),
        ),
        Column("is_published", "是否公开", "Published", parse_bool, note_zh="是/否，默认是"),
    ]

    def export_queryset(self, user):
        return Instrument.objects.restrict(user, CHANGE)

    def prepare_export(self, queryset):
        return queryset.select_related("owner").prefetch_related("services")

    def resolve(self, ctx, rows):
        scope = scope_for(ctx.user)
        codes = sorted({r.values["owner"] for r in rows if r.values.get("owner")})
        orgs = {o.uscc: o for o in Organization.objects.filter(uscc__in=codes)}
        existing = {(i.owner_id, i.asset_number): i for i in Instrument.objects.filter(owner__in=list(orgs.values()))}
        for row in rows:
            v = row.values
            org = orgs.get(v.get("owner"))
            if v.get("owner") is not None and org is None:
                ctx.error(row, "owner", "找不到该管理单位", "unknown owner organization")
            elif org is not None and not scope.is_bureau and org.pk != scope.organization_id:
                ctx.error(row, "owner", "只能导入本单位的仪器", "you may import only your own organization's instruments")
            if (v.get("opens") is None) != (v.get("closes") is None) and "opens" in ctx.column_at:
                ctx.error(row, "opens", "开放时间须同时填写开始和结束", "give both the opening and the closing time")
            elif v.get("opens") is not None and v["opens"] >= v["closes"]:
                ctx.error(row, "closes", "开放结束时间须晚于开始时间", "closing must be after opening")
            if v.get("value") is not None and v["value"] < 0:
                ctx.error(row, "value", "原值须为非负数", "the value must not be negative")
            if not row.ok:
                continue
            v["owner"] = org
            row.target = existing.get((org.pk, v["asset_number"]))

    def write(self, ctx, rows):
        created = updated = unchanged = 0
        for row in rows:
            v = row.values
            inst = row.target or Instrument(owner=v["owner"], asset_number=v["asset_number"])
            before = serialize(inst) if row.target else None
            for key in CONTENT:
                if v.get(key) is not None:
                    setattr(inst, key, v[key])
            wanted = v.get("services")
            have = {(s.name, s.unit, s.price) for s in inst.services.all()} if row.target else set()
            services_changed = wanted is not None and not set(wanted) <= have
            if before is not None and serialize(inst) == before and not services_changed:
                unchanged += 1
                continue
            try:
                if before is None or serialize(inst) != before:
                    services.instrument_save(ctx.user, inst, owner=v["owner"])
                for name, unit, price in wanted or ():
                    if (name, unit, price) not in have:
                        services.service_save(ctx.user, inst, name, unit, price)
            except Refusal as exc:
                ctx.error(row, exc.field if exc.field in ctx.column_at else None, exc.zh, exc.en)
                continue
            except (PermissionDenied, ValidationError) as exc:
                record_row_exception(ctx, row, exc)
                continue
            created, updated = (created + 1, updated) if before is None else (created, updated + 1)
        return {"created": created, "updated": updated, "unchanged": unchanged}
