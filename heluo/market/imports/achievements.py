"""Import kind for the library of achievements: drafts registered from a workbook, through the same service (and so
the same scope and field rules) as the pages and the API. A row is keyed by its owner organization and title:
importing the same file again changes nothing, and a changed row updates the draft (a submitted or published
achievement is no longer the import's to change: that row is refused with the reason)."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from heluo.core.audit import serialize
from heluo.core.cells import CellError, make_choice_parser, parse_bool, parse_decimal, parse_int, parse_text, split_list
from heluo.core.i18n import Refusal
from heluo.core.imports import Column, ImportKind, record_row_exception, register
from heluo.orgs.models import Organization
from heluo.taxonomy.selectors import cluster_lookup, hitech_lookup, industry_lookup

from ..models import Achievement, IPKind, TransferMode
from ..models.achievements import ABSTRACT_MAX, MAX_PRICE_WAN, TITLE_MAX, TRL_MAX, TRL_MIN
from ..services import achievements as services

ZH_MODES = {"transfer": "转让", "license": "许可", "equity": "作价入股", "joint_development": "合作开发"}
ZH_IP = {
    "invention": "发明专利",
    "utility_model": "实用新型专利",
    "design": "外观设计专利",
    "software_copyright": "软件著作权",
    "ic_layout": "集成电路布图设计",
    "plant_variety": "植物新品种",
    "technical_secret": "技术秘密",
    "other": "其他",
}
_mode = make_choice_parser([(v, ZH_MODES[v], str(label)) for v, label in TransferMode.choices])
_ip_kind = make_choice_parser([(v, ZH_IP[v], str(label)) for v, label in IPKind.choices])


def parse_trl(value):
    trl = parse_int(value)
    if trl is not None and not TRL_MIN <= trl <= TRL_MAX:
        raise CellError(f"技术成熟度应为{TRL_MIN}至{TRL_MAX}，实为{trl}", f"the TRL is {TRL_MIN} to {TRL_MAX}, not {trl}")
    return trl


def parse_price(value):
    price = parse_decimal(value)
    if price is not None and not (0 <= price <= MAX_PRICE_WAN and price == price.quantize(Decimal("0.01"))):
        raise CellError(
            f"参考价格应为0至{MAX_PRICE_WAN}万元，最多两位小数", f"the price is 0 to {MAX_PRICE_WAN} (10,000 yuan), two decimals at most"
        )
    return price


def parse_modes(value):
    return [_mode(v) for v in split_list(value)] or None


def parse_ip(value):
    """'发明专利:ZL2023…；软件著作权:2023SR…' → [(kind, number, "")]."""
    rows = []
    for item in split_list(value):
        kind, sep, number = item.replace("：", ":").partition(":")
        if not sep or not number.strip():
            raise CellError(f"知识产权“{item}”应写作“类型:编号”", f"IP right '{item}' must be written 'kind:number'")
        rows.append((_ip_kind(kind), number.strip(), ""))
    return rows or None


def _ip_text(a):
    return "；".join(f"{ZH_IP[r.kind]}:{r.number}" for r in a.ip_rights.all())


@register
class AchievementImport(ImportKind):
    kind = "achievements"
    label = _("Achievements")
    model = Achievement
    key = ("organization", "title")
    columns = [
        Column("title", "成果名称", "Title", lambda v: parse_text(v, TITLE_MAX), required=True),
        Column(
            "organization",
            "所属单位",
            "Owner organization",
            required=True,
            note_zh="统一社会信用代码或全称",
            get=lambda a: a.organization.uscc or a.organization.name,
        ),
        Column("abstract", "成果简介", "Abstract", lambda v: parse_text(v, ABSTRACT_MAX), required=True),
        Column("keywords", "关键词", "Keywords", lambda v: parse_text(v, 200), note_zh="多个用、分隔"),
        Column(
            "hitech_field",
            "技术领域",
            "High-tech field",
            note_zh="高新技术领域代码或名称",
            get=lambda a: a.hitech_field.code if a.hitech_field_id else None,
        ),
        Column("industry", "所属行业", "Industry", note_zh="国民经济行业代码", get=lambda a: a.industry.code if a.industry_id else None),
        Column("cluster", "产业集群", "Cluster", get=lambda a: a.cluster.name_zh if a.cluster_id else None),
        Column("trl", "技术成熟度", "TRL", parse_trl, required=True, note_zh="1–9"),
        Column("leader", "团队负责人", "Team leader", lambda v: parse_text(v, 50)),
        Column("team", "团队成员", "Team members", lambda v: parse_text(v, 1000)),
        Column(
            "transfer_modes",
            "转化方式",
            "Transfer modes",
            parse_modes,
            note_zh="转让、许可、作价入股、合作开发",
            get=lambda a: "、".join(ZH_MODES[c] for c in a.mode_codes),
        ),
        Column("price", "参考价格（万元）", "Reference price (10,000 yuan)", parse_price),
        Column("negotiable", "面议", "Negotiable", parse_bool),
        Column("contact_name", "联系人", "Contact person", lambda v: parse_text(v, 50)),
        Column("contact_phone", "联系电话", "Contact phone", lambda v: parse_text(v, 40)),
        Column("contact_email", "电子邮箱", "Contact e-mail", lambda v: parse_text(v, 100)),
        Column("contact_public", "联系方式公开", "Contact public", parse_bool),
        Column("ip_rights", "知识产权", "IP rights", parse_ip, note_zh="类型:编号，多个用；分隔", get=_ip_text),
    ]

    def prepare_export(self, queryset):
        return queryset.select_related("organization", "hitech_field", "industry", "cluster").prefetch_related("ip_rights")

    def resolve(self, ctx, rows):
        lookups = {"hitech_field": hitech_lookup(), "industry": industry_lookup(), "cluster": cluster_lookup()}
        names = {str(r.values.get("organization")) for r in rows if r.values.get("organization")}
        orgs = Organization.objects.restrict(ctx.user, "view")
        by_code = dict(orgs.filter(uscc__in=names).values_list("uscc", "pk"))
        by_name = {}
        for name, pk in orgs.filter(name__in=names).values_list("name", "pk"):
            by_name[name] = None if name in by_name else pk  # two of one name: the code must say which
        for row in rows:
            for key, lookup in lookups.items():
                if row.values.get(key) is not None:
                    try:
                        row.values[key] = lookup(row.values[key])
                    except CellError as exc:
                        ctx.error(row, key, exc.zh, exc.en)
            org = row.values.get("organization")
            if org is not None:
                pk = by_code.get(org) or by_name.get(org)
                if pk is None:
                    ctx.error(
                        row,
                        "organization",
                        f"找不到单位“{org}”（或同名单位不止一个，请填写统一社会信用代码）",
                        f"unknown organization '{org}' (or several of that name: give the credit code)",
                    )
                row.values["organization"] = pk

    def write(self, ctx, rows):
        created = updated = unchanged = 0
        for row in rows:
            v = row.values
            a = Achievement.objects.filter(organization_id=v["organization"], title=v["title"]).first()
            before = serialize(a) if a else None
            old_ip = _ip_text(a) if a else ""
            a = a or Achievement(organization_id=v["organization"], title=v["title"])
            for key in ("abstract", "keywords", "trl", "leader", "team", "price", "contact_name", "contact_phone", "contact_email"):
                if key in v:
                    setattr(a, key, v[key] if v[key] is not None else ("" if key not in ("price", "trl") else None))
            for key in ("negotiable", "contact_public"):
                if v.get(key) is not None:
                    setattr(a, key, v[key])
            for key in ("hitech_field", "industry", "cluster"):
                if key in v:
                    setattr(a, f"{key}_id", v[key])
            if v.get("transfer_modes") is not None:
                a.transfer_modes = services.transfer_modes_value(v["transfer_modes"])
            rights = v.get("ip_rights")
            new_ip = "；".join(f"{ZH_IP[k]}:{n}" for k, n, _t in rights) if rights is not None else old_ip
            if before is not None and serialize(a) == before and new_ip == old_ip:
                unchanged += 1
                continue
            try:
                with transaction.atomic():
                    services.achievement_save(ctx.user, a, ip_rights=rights)
            except Refusal as refusal:
                ctx.error(row, refusal.field if refusal.field in ctx.column_at else None, refusal.zh, refusal.en)
                continue
            except (PermissionDenied, ValidationError) as exc:
                record_row_exception(ctx, row, exc)
                continue
            created, updated = (created + 1, updated) if before is None else (created, updated + 1)
        return {"created": created, "updated": updated, "unchanged": unchanged}
