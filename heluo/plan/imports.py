"""Import kind "observations": published values of plan indicators, from a bureau's spreadsheet.

Same rules as every import (whole file checked first, every bad cell reported, all rows or none). A row with
the same value as the current one changes nothing; a different value becomes a revision that supersedes it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from heluo.core.cells import CellError, clean_text, make_choice_parser, parse_bool, parse_date, parse_decimal, parse_int, parse_year
from heluo.core.imports import Column, ImportKind, record_row_exception, register
from heluo.core.models import Role
from heluo.core.permissions import VIEW
from heluo.geo.selectors import area_lookup

from . import services
from .models import Indicator, Observation, ObservationStatus, Plan, make_period_key

ZH_STATUS = {"first_release": "首次发布", "revised": "修订", "estimate": "估计", "derived": "推算"}
QUALIFIERS = [
    (">", "超过", "more than"),
    ("≥", "不少于", "at least", ">="),
    ("<", "不足", "less than"),
    ("≤", "不超过", "at most", "<="),
    ("≈", "约", "about", "~"),
]


def parse_value(value):
    return parse_decimal(value, allow_negative=True)


def parse_quarter(value):
    q = parse_int(value)
    if q is not None and not 1 <= q <= 4:
        raise CellError(f"季度应为1至4，实为{q}", f"quarter must be 1 to 4, got {q}")
    return q


def parse_month(value):
    m = parse_int(value)
    if m is not None and not 1 <= m <= 12:
        raise CellError(f"月份应为1至12，实为{m}", f"month must be 1 to 12, got {m}")
    return m


def parse_status(value):
    return make_choice_parser([(v, ZH_STATUS[v], str(label)) for v, label in ObservationStatus.choices])(value)


@register
class ObservationImport(ImportKind):
    kind = "observations"
    label = _("Plan indicator observations")
    model = Observation
    key = ()  # duplicates are checked on (indicator, area, period) in resolve, whatever columns the file has
    columns = [
        Column(
            "plan",
            "规划",
            "Plan",
            note_zh="规划代码（如 luoyang-14th-fyp）或名称；只有一个规划含该指标代码时可不填",
            get=lambda o: o.indicator.plan.code,
        ),
        Column("indicator", "指标", "Indicator", required=True, note_zh="指标代码（如 K06）或指标名称", get=lambda o: o.indicator.code),
        Column("indicator_name", "指标名称", "Indicator name", note_zh="仅供核对", get=lambda o: o.indicator.name_zh),
        Column("area", "区划", "Area", required=True, note_zh="区划代码（如410300、410305）或名称", get=lambda o: o.area.code),
        Column("year", "年度", "Year", parse_year, required=True),
        Column("quarter", "季度", "Quarter", parse_quarter, note_zh="1-4：截至该季度末的累计或时点值；全年数不填"),
        Column("month", "月份", "Month", parse_month, note_zh="1-12：截至该月末（如“1-9月”填9）；全年数不填"),
        Column("period_label", "期间说明", "Period", note_zh="按来源的写法，如“2025年1-9月”", get=lambda o: o.period_label),
        Column(
            "is_partial_period", "部分期间", "Part of the year", parse_bool, note_zh="是/否；填写季度或月份（不含第4季度、12月）时自动为是"
        ),
        Column("value", "数值", "Value", parse_value, required=True, note_zh="按指标单位填写", get=lambda o: o.value.normalize()),
        Column(
            "value_qualifier",
            "数值限定",
            "Qualifier",
            make_choice_parser(QUALIFIERS),
            note_zh="超过 / 不少于 / 不足 / 不超过 / 约；精确值不填",
        ),
        Column(
            "status",
            "状态",
            "Status",
            parse_status,
            note_zh="首次发布 / 修订 / 估计 / 推算；默认：新数据为首次发布，改动已有数据为修订",
            get=lambda o: ZH_STATUS[o.status],
        ),
        Column("is_uncertain", "数据存疑", "Uncertain", parse_bool, note_zh="是/否"),
        Column("source_document", "来源文件", "Source document"),
        Column("source_publisher", "发布单位", "Publisher"),
        Column("source_date", "发布日期", "Source date", parse_date),
        Column("source_link", "链接", "Link"),
        Column("note", "备注", "Note"),
    ]

    def export_queryset(self, user):
        return Observation.objects.restrict(user, VIEW).filter(is_current=True)

    def prepare_export(self, queryset):
        return queryset.select_related("indicator__plan", "area").order_by(
            "indicator__plan", "indicator__sort", "area__sort", "year", "period_key"
        )

    def resolve(self, ctx, rows):
        plans = list(Plan.objects.restrict(ctx.user, VIEW))
        plan_by_key = {}
        for p in plans:
            for key in (p.code, p.name_zh, p.name_en):
                if key:
                    plan_by_key[clean_text(key).lower()] = p
        indicators = list(Indicator.objects.restrict(ctx.user, VIEW).filter(plan__in=plans).select_related("plan"))
        areas = area_lookup()
        seen = {}
        for row in rows:
            v = row.values
            plan = None
            if v.get("plan"):
                plan = plan_by_key.get(clean_text(v["plan"]).lower())
                if plan is None:
                    ctx.error(row, "plan", f"找不到规划“{v['plan']}”", f"unknown plan '{v['plan']}'")
                    continue
            if v.get("indicator"):
                wanted = clean_text(v["indicator"]).lower()
                found = [
                    i
                    for i in indicators
                    if (plan is None or i.plan_id == plan.pk) and wanted in (i.code.lower(), i.name_zh.lower(), i.name_en.lower())
                ]
                if not found:
                    ctx.error(row, "indicator", f"找不到指标“{v['indicator']}”", f"unknown indicator '{v['indicator']}'")
                elif len(found) > 1:
                    ctx.error(
                        row,
                        "indicator",
                        f"指标“{v['indicator']}”在多个规划中出现，请填写“规划”列",
                        f"indicator '{v['indicator']}' is in several plans: fill in the plan column",
                    )
                else:
                    v["indicator"] = found[0]
            if v.get("area") is not None:
                try:
                    v["area"] = areas(v["area"])
                except CellError as exc:
                    ctx.error(row, "area", exc.zh, exc.en)
            if v.get("quarter") and v.get("month"):
                ctx.error(row, "month", "季度和月份只能填一个", "give a quarter or a month, not both")
            if not row.ok:
                continue
            area_id = v["area"]
            if not self._may_change_area(ctx.scope, area_id):
                ctx.error(
                    row,
                    "area",
                    "无权导入该区划的监测数据（不在您的权限范围内）",
                    "you may not import observations of this area (outside your scope)",
                )
                continue
            quarter, month = v.get("quarter"), v.get("month")
            partial = bool(v.get("is_partial_period")) or bool((quarter and quarter < 4) or (month and month < 12))
            key = (v["indicator"].pk, area_id, make_period_key(v["year"], quarter, month, partial))
            if key in seen:
                ctx.error(
                    row,
                    "indicator",
                    f"与第{seen[key]}行重复（同一指标、区划和期间）",
                    f"duplicates row {seen[key]} (same indicator, area and period)",
                )
            else:
                seen[key] = row.number
            v["is_partial_period"] = partial

    @staticmethod
    def _may_change_area(scope, area_id) -> bool:
        """The rule of Observation.scope_q for CHANGE, for a row not yet written."""
        if scope.is_bureau:
            return True
        return scope.role == Role.DISTRICT_STAFF and area_id in scope.area_ids

    def write(self, ctx, rows):
        from heluo.geo.models import Area

        areas = {a.pk: a for a in Area.objects.filter(pk__in={r.values["area"] for r in rows})}
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for n, row in enumerate(rows, start=1):
            v = row.values
            try:
                with transaction.atomic():
                    _, action = services.observation_record(
                        ctx.user,
                        indicator=v["indicator"],
                        area=areas[v["area"]],
                        year=v["year"],
                        value=v["value"],
                        quarter=v.get("quarter"),
                        month=v.get("month"),
                        partial=v["is_partial_period"],
                        period_label=v.get("period_label") or "",
                        qualifier=v.get("value_qualifier") or "",
                        status=v.get("status"),
                        uncertain=bool(v.get("is_uncertain")),
                        source_document=v.get("source_document") or "",
                        source_publisher=v.get("source_publisher") or "",
                        source_date=v.get("source_date"),
                        source_link=v.get("source_link") or "",
                        note=v.get("note") or "",
                    )
            except (PermissionDenied, ValidationError) as exc:
                record_row_exception(ctx, row, exc)
                continue
            counts["updated" if action == "revised" else action] += 1
            if n % 500 == 0:
                ctx.progress("writing", n, len(rows))
        return counts
