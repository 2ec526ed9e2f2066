"""Import kind for technology contracts registered in the national system (全国技术合同管理与服务系统 export): each row
a registered contract keyed by its registration number; the parties, amounts and types are checked by the same
services and rules as a contract entered by hand."""

from __future__ import annotations

import copy

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from heluo.core.audit import serialize
from heluo.core.cells import CellError, make_choice_parser, parse_date, parse_decimal
from heluo.core.i18n import Refusal
from heluo.core.imports import Column, ImportKind, record_row_exception, register
from heluo.core.permissions import scope_for
from heluo.geo.selectors import area_lookup
from heluo.orgs.imports import parse_uscc
from heluo.taxonomy.selectors import cluster_lookup, hitech_lookup

from ..engine import contracts as rules
from ..models import BuyerLocation, ContractSource, ContractState, ContractType, TechnologyContract
from ..services import contracts as services

LATEST = rules.rule_sets()[-1]
ZH_TYPE = {code: t["zh"] for code, t in LATEST.types.items()}
ZH_SUBTYPE = {code: s["zh"] for t in LATEST.types.values() for code, s in t["subtypes"].items()}
ZH_LOCATION = {rules.CITY: "本市", rules.PROVINCE: "本省外市", rules.ELSEWHERE: "外省"}
LOCATION_ALIASES = [(rules.CITY, "市内", "本市"), (rules.PROVINCE, "本省", "省内"), (rules.ELSEWHERE, "省外", "外省市")]
FIELDS = (
    "contract_number",
    "name",
    "contract_type",
    "subtype",
    "seller_name",
    "seller_uscc",
    "buyer_name",
    "buyer_uscc",
    "buyer_location",
    "contract_amount",
    "non_technical_costs",
    "signed_on",
    "valid_from",
    "valid_to",
    "submitted_on",
    "registered_on",
    "office",
    "hitech_field",
    "cluster",
)


@register
class ContractImport(ImportKind):
    kind = "tech_contracts"
    label = _("Technology contracts")
    model = TechnologyContract
    key = ("registration_number",)
    columns = [
        Column("registration_number", "登记号", "Registration number", required=True, aliases=("合同登记号", "认定登记号")),
        Column("contract_number", "合同编号", "Contract number"),
        Column("name", "合同名称", "Contract name", required=True),
        Column(
            "contract_type",
            "合同类型",
            "Contract type",
            make_choice_parser([(v, ZH_TYPE[v], str(label)) for v, label in ContractType.choices]),
            required=True,
            note_zh="技术开发/技术转让/技术许可/技术咨询/技术服务",
            get=lambda c: ZH_TYPE.get(c.contract_type, c.contract_type),
        ),
        Column(
            "subtype",
            "合同子类",
            "Sub-type",
            make_choice_parser([(v, zh) for v, zh in ZH_SUBTYPE.items()]),
            note_zh="委托开发/合作开发/技术培训/技术中介",
            get=lambda c: ZH_SUBTYPE.get(c.subtype, ""),
        ),
        Column("seller_name", "卖方名称", "Seller", required=True),
        Column("seller_uscc", "卖方统一社会信用代码", "Seller's credit code", parse_uscc, required=True),
        Column("buyer_name", "买方名称", "Buyer", required=True),
        Column("buyer_uscc", "买方统一社会信用代码", "Buyer's credit code", parse_uscc),
        Column(
            "buyer_location",
            "买方所在地",
            "Buyer's location",
            make_choice_parser(
                [(v, ZH_LOCATION[v], str(label), *aliases) for (v, label), (_v, *aliases) in zip(BuyerLocation.choices, LOCATION_ALIASES)]
            ),
            note_zh="本市/本省外市/外省；买方为已登记机构或代码可判断时以其为准",
            get=lambda c: ZH_LOCATION.get(c.buyer_location, ""),
        ),
        Column(
            "contract_amount", "合同金额", "Contract amount", parse_decimal, required=True, money=True, aliases=("合同成交额", "成交金额")
        ),
        Column("non_technical_costs", "非技术性费用", "Non-technical costs", parse_decimal, money=True),
        Column("transaction_amount", "技术交易额", "Technical transaction amount", parse_decimal, money=True),
        Column("signed_on", "签订日期", "Signed on", parse_date, required=True),
        Column("valid_from", "有效期起", "Valid from", parse_date),
        Column("valid_to", "有效期止", "Valid to", parse_date),
        Column("submitted_on", "受理日期", "Accepted on", parse_date, note_zh="空白时按登记日期"),
        Column("registered_on", "登记日期", "Registered on", parse_date, required=True, aliases=("认定登记日期",)),
        Column(
            "office", "登记机构", "Registering office", required=True, note_zh="登记机构所在区划代码或名称", get=lambda c: c.office.code
        ),
        Column("hitech_field", "技术领域", "High-tech field", get=lambda c: c.hitech_field.code if c.hitech_field_id else None),
        Column("cluster", "产业集群", "Industry cluster", get=lambda c: c.cluster.name_zh if c.cluster_id else None),
    ]

    def export_queryset(self, user):
        return super().export_queryset(user).filter(state=ContractState.REGISTERED)

    def prepare_export(self, queryset):
        return queryset.select_related("office", "hitech_field", "cluster")

    def resolve(self, ctx, rows):
        if not scope_for(ctx.user).is_bureau:
            ctx.error(
                None,
                None,
                "只有科技局可以导入全国系统的技术合同登记数据",
                "only the bureau imports the national system's contract registrations",
            )
            return
        lookups = {"office": area_lookup(), "hitech_field": hitech_lookup(), "cluster": cluster_lookup()}
        parties = services.Parties([c for r in rows for c in (r.values.get("seller_uscc"), r.values.get("buyer_uscc"))])
        numbers = [r.values["registration_number"] for r in rows if r.values.get("registration_number")]
        existing = {c.registration_number: c for c in TechnologyContract.objects.filter(registration_number__in=numbers)}
        for row in rows:
            v = row.values
            for key, lookup in lookups.items():
                if v.get(key) is not None:
                    try:
                        v[key] = lookup(v[key])
                    except CellError as exc:
                        ctx.error(row, key, exc.zh, exc.en)
                        v.pop(key)
            if not row.ok or not all(v.get(c.key) is not None for c in self.columns if c.required):
                continue
            row.target = existing.get(v["registration_number"])
            contract = self.build(row.target, v)
            try:
                services.resolve_parties(contract, parties)
                services.apply_rules(contract, v.get("transaction_amount"))
            except Refusal as exc:
                ctx.error(row, exc.field if exc.field in ctx.column_at else None, exc.zh, exc.en)
                continue
            if row.target is not None and row.target.source != ContractSource.IMPORTED:
                ctx.error(
                    row,
                    "registration_number",
                    "该登记号已由登记机构录入，不能由导入覆盖",
                    "this number was entered by a registering office; an import does not overwrite it",
                )
            v["contract"] = contract

    @staticmethod
    def build(existing, v) -> TechnologyContract:
        contract = copy.copy(existing) if existing is not None else TechnologyContract()
        contract.registration_number = v["registration_number"]
        for key in FIELDS:
            if key in ("office", "hitech_field", "cluster"):
                if v.get(key) is not None:
                    setattr(contract, f"{key}_id", v[key])
            elif v.get(key) is not None or key in ("subtype",):
                setattr(contract, key, v.get(key) if v.get(key) is not None else "")
        contract.submitted_on = v.get("submitted_on") or v["registered_on"]
        contract.state, contract.source = ContractState.REGISTERED, ContractSource.IMPORTED
        contract.cost_items = contract.cost_items or {}
        return contract

    def write(self, ctx, rows):
        created = updated = unchanged = 0
        for row in rows:
            contract = row.values["contract"]
            before = serialize(row.target) if row.target is not None else None
            if before is not None and serialize(contract) == before:
                unchanged += 1
                continue
            try:
                contract.full_clean(exclude=["seller", "buyer", "seller_area", "buyer_area", "office", "registration_number"])
                services.contract_import_save(ctx.user, contract, created=before is None)
            except (PermissionDenied, ValidationError) as exc:
                record_row_exception(ctx, row, exc)
                continue
            created, updated = (created + 1, updated) if before is None else (created, updated + 1)
        return {"created": created, "updated": updated, "unchanged": unchanged}
