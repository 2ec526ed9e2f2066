"""Import kinds of the organization registry: organizations, enterprise annual data, qualifications."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from heluo.core.audit import serialize
from heluo.core.bulk import Upsert, fetch, filter_in, upsert
from heluo.core.cells import (
    MISSING,
    CellError,
    column_shortcut,
    make_choice_parser,
    parse_bool,
    parse_checked_code,
    parse_date,
    parse_decimal,
    parse_int,
    parse_year,
    split_list,
)
from heluo.core.codes import check_uscc
from heluo.core.codes_frame import usccs_valid_as_written
from heluo.core.imports import Column, ImportKind, record_row_exception, register
from heluo.core.permissions import CHANGE
from heluo.geo.selectors import area_lookup
from heluo.taxonomy.selectors import cluster_lookup, hitech_lookup, industry_lookup

from . import services
from .engine.annual import annual_inconsistencies_of_columns, may_set_status
from .models import DataStatus, EnterpriseAnnual, ListingStage, Organization, OrganizationKind, Qualification, QualificationKind


def parse_uscc(value):
    return parse_checked_code(value, check_uscc, "统一社会信用代码", "unified social credit code")


# a column of codes: those already valid as written are checked at once; the others one by one, for their reason
column_shortcut(parse_uscc, lambda values: [v if ok else MISSING for v, ok in zip(values, usccs_valid_as_written(values))])


ZH_KIND = {
    "enterprise": "企业",
    "university": "高校",
    "research_institute": "科研院所",
    "service_agency": "科技服务机构",
    "financial_institution": "金融机构",
    "investor": "投资机构",
    "government_unit": "政府单位",
}
ZH_QUALIFICATION = {
    "hte": "高新技术企业",
    "tech_sme": "科技型中小企业",
    "innovative_sme": "创新型中小企业",
    "srdi_sme": "专精特新中小企业",
    "little_giant": "专精特新小巨人",
    "gazelle": "瞪羚企业",
    "hidden_champion": "隐形冠军",
    "single_champion": "单项冠军",
    "listing_reserve": "上市后备企业",
    "listed": "上市企业",
}
ZH_STATUS = {"draft": "草稿", "submitted": "已提交", "verified": "已核实"}
ZH_STAGE = {"cultivating": "培育", "restructuring": "改制", "tutoring": "辅导", "filed": "报审", "listed": "上市"}


def zh_choices(enum, zh):
    return [(value, zh[value], str(label)) for value, label in enum.choices]


def _orgs_by_uscc(ctx, rows, key="uscc"):
    """Organizations the user may change, by code; others are reported as unknown (never revealing them)."""
    codes = {r.values[key] for r in rows if r.values.get(key)}
    found = {}
    codes = list(codes)
    for i in range(0, len(codes), 5000):
        found.update(Organization.objects.restrict(ctx.user, CHANGE).filter(uscc__in=codes[i : i + 5000]).values_list("uscc", "pk"))
    return found


@register
class OrganizationImport(ImportKind):
    kind = "organizations"
    label = _("Organizations")
    model = Organization
    key = ("uscc",)
    columns = [
        Column("name", "机构名称", "Name", required=True),
        Column("uscc", "统一社会信用代码", "Unified social credit code", parse_uscc, required=True, note_zh="18位，按 GB 32100-2015 校验"),
        Column(
            "kind",
            "机构类型",
            "Kind",
            make_choice_parser(zh_choices(OrganizationKind, ZH_KIND)),
            note_zh="企业/高校/科研院所/科技服务机构/金融机构/投资机构/政府单位，默认企业",
            get=lambda o: ZH_KIND[o.kind],
        ),
        Column("area", "所在区划", "Area", required=True, note_zh="区划代码（如410305）或名称（如涧西区）", get=lambda o: o.area.code),
        Column(
            "industry",
            "行业代码",
            "Industry",
            note_zh="GB/T 4754-2017 大类代码，如34或C34",
            get=lambda o: o.industry.code if o.industry_id else None,
        ),
        Column(
            "hitech_field",
            "高新技术领域",
            "High-tech field",
            note_zh="领域代码，如8或8.4",
            get=lambda o: o.hitech_field.code if o.hitech_field_id else None,
        ),
        Column(
            "clusters", "产业集群", "Clusters", note_zh="集群名称或代码，多个用；分隔", get=lambda o: [c.name_zh for c in o.clusters.all()]
        ),
        Column("founded_on", "成立日期", "Founded on", parse_date),
        Column("short_name", "简称", "Short name"),
        Column("legal_representative", "法定代表人", "Legal representative"),
        Column("address", "地址", "Address"),
        Column("phone", "联系电话", "Phone"),
        Column("website", "网址", "Website"),
        Column("is_published", "是否公开", "Published", parse_bool, note_zh="是/否，默认是"),
    ]

    def prepare_export(self, queryset):
        return queryset.select_related("area", "industry", "hitech_field").prefetch_related("clusters")

    def resolve(self, ctx, rows):
        lookups = {"area": area_lookup(), "industry": industry_lookup(), "hitech_field": hitech_lookup()}
        clusters = cluster_lookup()
        for row in rows:
            for key, lookup in lookups.items():
                if row.values.get(key) is not None:
                    try:
                        row.values[key] = lookup(row.values[key])
                    except CellError as exc:
                        ctx.error(row, key, exc.zh, exc.en)
            if "clusters" in row.values:
                try:
                    row.values["clusters"] = sorted(clusters(v) for v in split_list(row.values["clusters"]))
                except CellError as exc:
                    ctx.error(row, "clusters", exc.zh, exc.en)
        existing = dict(
            Organization.objects.filter(uscc__in=[r.values["uscc"] for r in rows if r.values.get("uscc")]).values_list("uscc", "pk")
        )
        changeable = _orgs_by_uscc(ctx, rows)
        for row in rows:
            code = row.values.get("uscc")
            if code in existing and code not in changeable:
                ctx.error(
                    row, "uscc", "该机构不在您的权限范围内，不能修改", "this organization is outside your scope and cannot be changed"
                )
            row.target = changeable.get(code)

    def write(self, ctx, rows):
        created = updated = unchanged = 0
        fields = {"area": "area_id", "industry": "industry_id", "hitech_field": "hitech_field_id"}
        for n, row in enumerate(rows, start=1):
            org = Organization.objects.get(pk=row.target) if row.target else Organization(kind=OrganizationKind.ENTERPRISE)
            before = serialize(org) if row.target else None
            for key, value in row.values.items():
                if key == "clusters" or value is None:
                    continue
                setattr(org, fields.get(key, key), value)
            clusters = row.values.get("clusters")
            if before is not None and serialize(org) == before and (clusters is None or clusters == before.get("clusters")):
                unchanged += 1
                continue
            try:
                with transaction.atomic():
                    services.organization_save(ctx.user, org, clusters=clusters)
            except (PermissionDenied, ValidationError) as exc:
                record_row_exception(ctx, row, exc)
                continue
            created, updated = (created + 1, updated) if before is None else (created, updated + 1)
            if n % 500 == 0:
                ctx.progress("writing", n, len(rows))
        return {"created": created, "updated": updated, "unchanged": unchanged}


ANNUAL_MONEY = [
    ("operating_revenue", "营业收入", "Operating revenue"),
    ("sales_revenue", "销售收入", "Sales revenue"),
    ("hitech_income", "高新技术产品（服务）收入", "High-tech product/service revenue"),
    ("total_income", "总收入", "Total income"),
    ("rd_expense", "研发费用总额", "R&D expense"),
    ("rd_expense_domestic", "境内研发费用", "R&D expense in China"),
    ("rd_personnel", "研发费用-人员人工费用", "R&D personnel costs"),
    ("rd_direct_input", "研发费用-直接投入费用", "R&D direct inputs"),
    ("rd_depreciation", "研发费用-折旧费用与长期待摊费用", "R&D depreciation"),
    ("rd_amortization", "研发费用-无形资产摊销费用", "R&D amortisation"),
    ("rd_design", "研发费用-设计费用", "R&D design costs"),
    ("rd_equipment_trial", "研发费用-装备调试费用与试验费用", "R&D equipment and trial costs"),
    ("rd_outsourced", "研发费用-委托外部研究开发费用", "R&D commissioned research"),
    ("rd_other", "研发费用-其他费用", "R&D other costs"),
    ("net_assets", "净资产", "Net assets"),
    ("total_assets", "资产总额", "Total assets"),
    ("tech_contract_income", "技术合同收入", "Technology contract income"),
    ("equity_financing", "股权融资额", "Equity financing"),
]
ANNUAL_COUNTS = [
    ("total_staff", "职工总数", "Total staff"),
    ("st_staff", "科技人员数", "S&T staff"),
    ("ip_class1", "Ⅰ类知识产权数", "Class I IP"),
    ("ip_class2", "Ⅱ类知识产权数", "Class II IP"),
    ("invention_patents", "发明专利数", "Invention patents"),
    ("high_value_invention_patents", "高价值发明专利数", "High-value invention patents"),
]
ANNUAL_FIELDS = [f for f, _, _ in ANNUAL_MONEY + ANNUAL_COUNTS] + ["source", "status"]


@register
class AnnualImport(ImportKind):
    kind = "annual"
    label = _("Enterprise annual data")
    model = EnterpriseAnnual
    key = ("uscc", "year")
    columns = [
        Column("uscc", "统一社会信用代码", "Unified social credit code", parse_uscc, required=True, get=lambda r: r.organization.uscc),
        Column("name", "企业名称", "Enterprise name", note_zh="仅供核对，不会修改机构名称", get=lambda r: r.organization.name),
        Column("year", "年度", "Year", parse_year, required=True),
        *[Column(f, zh, en, parse_decimal, money=True) for f, zh, en in ANNUAL_MONEY],
        *[Column(f, zh, en, parse_int) for f, zh, en in ANNUAL_COUNTS],
        Column("source", "数据来源", "Source"),
        Column(
            "status",
            "状态",
            "Status",
            make_choice_parser(zh_choices(DataStatus, ZH_STATUS)),
            note_zh="草稿/已提交/已核实；新记录默认已提交",
            get=lambda r: ZH_STATUS[r.status],
        ),
    ]

    def prepare_export(self, queryset):
        return queryset.select_related("organization")

    # whole columns: tens of thousands of rows are checked and written set-wise (heluo.core.bulk)
    def resolve_batch(self, ctx, batch):
        codes = batch.column("uscc")
        found = filter_in(Organization.objects.restrict(ctx.user, CHANGE), "uscc", {c for c in codes if c}, "text")
        found = fetch(found.values_list("uscc", "pk", "name"))
        orgs, batch.notes["names"] = {code: pk for code, pk, _ in found}, {pk: name for _, pk, name in found}
        batch.targets = [orgs.get(c) for c in codes]
        errors = [
            (
                i,
                0,
                "uscc",
                "机构不存在或不在您的权限范围内（请先导入机构）",
                "no such organization within your scope (import the organization first)",
            )
            for i, c in enumerate(codes)
            if c and c not in orgs
        ]
        if "status" in batch.values:
            refused = {s for s in set(batch.column("status")) if s and not may_set_status(ctx.scope.role, s)}
            errors += [
                (
                    i,
                    1,
                    "status",
                    "只有科技局或县区工作人员可以将数据标为“已核实”",
                    "only bureau or district staff may mark data as verified",
                )
                for i, s in enumerate(batch.values["status"])
                if s in refused
            ]
        figures = {k: batch.column(k) for k in batch.values}
        errors += [(i, 2, field, zh, en) for i, field, zh, en in annual_inconsistencies_of_columns(figures)]
        for i, _order, key, zh, en in sorted(errors, key=lambda e: e[:2]):
            ctx.error(batch.row(i), key if key in ctx.column_at else None, zh, en)

    def write_batch(self, ctx, batch):
        present = [f for f in ANNUAL_FIELDS if f in ctx.column_at]
        names = batch.notes["names"]
        spec = Upsert(
            EnterpriseAnnual,
            key=("organization_id", "year"),
            fields=present,
            # a file's own status column (an exported file has one) wins over the default
            defaults={"status": DataStatus.SUBMITTED},
            refused=(
                "year",
                "该年度数据已核实或不在您的权限范围内，不能修改",
                "this year's data is verified or outside your scope and cannot be changed",
            ),
            describe=lambda columns: [f"{names.get(org, '')} {year}" for org, year in zip(columns["organization_id"], columns["year"])],
        )
        return upsert(ctx, spec, list(zip(batch.targets, batch.values["year"])), {f: batch.values[f] for f in present})


@register
class QualificationImport(ImportKind):
    kind = "qualifications"
    label = _("Qualifications")
    model = Qualification
    key = ("uscc", "kind", "certificate_no", "year")
    columns = [
        Column("uscc", "统一社会信用代码", "Unified social credit code", parse_uscc, required=True, get=lambda q: q.organization.uscc),
        Column("name", "机构名称", "Organization name", note_zh="仅供核对", get=lambda q: q.organization.name),
        Column(
            "kind",
            "资质类型",
            "Kind",
            make_choice_parser(zh_choices(QualificationKind, ZH_QUALIFICATION)),
            required=True,
            get=lambda q: ZH_QUALIFICATION[q.kind],
        ),
        Column("certificate_no", "证书编号/入库编号", "Certificate / registration number"),
        Column("year", "年度", "Year", parse_year),
        Column("valid_from", "有效期起", "Valid from", parse_date, required=True),
        Column("valid_to", "有效期止", "Valid to", parse_date),
        Column("revoked_on", "撤销日期", "Revoked on", parse_date),
        Column("issuer", "认定机关", "Issued by"),
        Column("document", "文件", "Document"),
        Column(
            "stage",
            "上市阶段",
            "Listing stage",
            make_choice_parser(zh_choices(ListingStage, ZH_STAGE)),
            get=lambda q: ZH_STAGE.get(q.stage, q.stage),
        ),
        Column("stock_code", "股票代码", "Stock code"),
        Column("exchange", "交易所", "Exchange"),
        Column("note", "备注", "Note"),
    ]

    def prepare_export(self, queryset):
        return queryset.select_related("organization")

    def resolve(self, ctx, rows):
        orgs = _orgs_by_uscc(ctx, rows)
        for row in rows:
            if row.values.get("uscc") and row.values["uscc"] not in orgs:
                ctx.error(
                    row,
                    "uscc",
                    "机构不存在或不在您的权限范围内（请先导入机构）",
                    "no such organization within your scope (import the organization first)",
                )
            row.target = orgs.get(row.values.get("uscc"))
            if row.values.get("valid_to") and row.values.get("valid_from") and row.values["valid_to"] < row.values["valid_from"]:
                ctx.error(row, "valid_to", "有效期止早于有效期起", "validity ends before it starts")

    def write(self, ctx, rows):
        created = updated = unchanged = 0
        for row in rows:
            v = row.values
            qual = Qualification.objects.filter(
                organization_id=row.target, kind=v["kind"], certificate_no=v.get("certificate_no") or "", year=v.get("year")
            ).first()
            before = serialize(qual) if qual else None
            qual = qual or Qualification(organization_id=row.target, kind=v["kind"])
            for key, value in v.items():
                if key not in ("uscc", "name") and value is not None:
                    setattr(qual, key, value)
            if before is not None and serialize(qual) == before:
                unchanged += 1
                continue
            try:
                with transaction.atomic():
                    services.qualification_save(ctx.user, qual)
            except (PermissionDenied, ValidationError) as exc:
                record_row_exception(ctx, row, exc)
                continue
            created, updated = (created + 1, updated) if before is None else (created, updated + 1)
        return {"created": created, "updated": updated, "unchanged": unchanged}
