"""技术合同认定登记 (pure): the rule sets (data/contract-rules/*.json, one per regulation, versioned by the date it
takes effect), the 技术交易额 rule and its bounds, the review workflow, registration numbers and the buyer's
location — all read from data files (data/contract-registration.json), none of it a constant here."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from heluo.core.workflow import Workflow, WorkflowError, parse

DATA = Path(__file__).resolve().parent.parent / "data"
RULES_DIR = DATA / "contract-rules"
REGISTRATION_PATH = DATA / "contract-registration.json"
CENT = Decimal("0.01")


class ContractRuleError(ValueError):
    """A value the rules refuse, with its bilingual reason (and the field it concerns, for forms and imports)."""

    def __init__(self, zh: str, en: str, field: str | None = None):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.field = zh, en, field


def _value(item):
    return item["value"] if isinstance(item, dict) and "value" in item else item


@dataclass(frozen=True)
class RuleSet:
    code: str
    name_zh: str
    effective_from: dt.date
    effective_to: dt.date | None
    data: dict

    @property
    def types(self) -> dict:
        return self.data["types"]

    def type_label(self, code: str) -> str:
        t = self.types.get(code)
        return t["zh"] if t else code

    def subtypes(self, contract_type: str) -> dict:
        return self.types.get(contract_type, {}).get("subtypes", {})

    @property
    def non_technical_categories(self) -> dict:
        return _value(self.data["transaction_amount"]["non_technical_categories"])

    @property
    def max_amount(self) -> Decimal:
        return Decimal(_value(self.data["transaction_amount"]["max_amount_yuan"]))

    @property
    def deadline_days(self) -> int:
        return int(_value(self.data["registration"]["deadline_days"]))

    def tax(self, key: str):
        return _value(self.data["tax"][key])

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


def _date(text):
    return dt.date.fromisoformat(text) if text else None


def read_rule_set(path: Path) -> RuleSet:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("kind") != "contract_rules":
        raise ValueError(f"{path}: not a contract rule set")
    for code, t in data["types"].items():
        if not t.get("zh") or not t.get("article"):
            raise ValueError(f"{path}: type {code} needs its Chinese name and article")
    return RuleSet(data["code"], data["name_zh"], _date(data["effective_from"]), _date(data.get("effective_to")), data)


@cache
def rule_sets() -> tuple[RuleSet, ...]:
    """Every rule set, oldest first; their periods may not overlap."""
    sets = sorted((read_rule_set(p) for p in RULES_DIR.glob("*.json")), key=lambda r: r.effective_from)
    for earlier, later in zip(sets, sets[1:]):
        if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
            raise ValueError(f"contract rule sets {earlier.code} and {later.code} overlap")
    return tuple(sets)


def rule_set_for(day: dt.date, sets: tuple[RuleSet, ...] | None = None) -> RuleSet:
    sets = rule_sets() if sets is None else sets
    for rs in sets:
        if rs.in_force(day):
            return rs
    raise ContractRuleError(f"{day} 没有适用的技术合同认定规则", f"no technology contract rule set is in force on {day}")


def rule_set(code: str) -> RuleSet:
    for rs in rule_sets():
        if rs.code == code:
            return rs
    raise ContractRuleError(f"未知的认定规则“{code}”", f"unknown rule set {code!r}")


@cache
def registration_config() -> dict:
    return json.loads(REGISTRATION_PATH.read_text(encoding="utf-8"))


# --- 技术交易额 ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Amounts:
    contract_amount: Decimal
    non_technical_costs: Decimal
    transaction_amount: Decimal


def _money(value, zh, en, field) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise ContractRuleError(f"{zh}不是数字", f"{en} is not a number", field) from None
    if not amount.is_finite():
        raise ContractRuleError(f"{zh}不是数字", f"{en} is not a number", field)
    return amount.quantize(CENT)


def transaction_amount(rules: RuleSet, contract_amount, non_technical_costs=None, transaction=None, cost_items=None) -> Amounts:
    """技术交易额 = 合同成交总额 − 非技术性费用 (the rule set's article). The non-technical costs come as a total,
    as items by category (the rule set's categories), or follow from a stated transaction amount; whatever is
    given must agree. Bounds: the contract amount is positive and at most the rule set's maximum; the costs are
    never negative and never above the contract amount."""
    contract = _money(contract_amount, "合同金额", "the contract amount", "contract_amount")
    if contract is None:
        raise ContractRuleError("须填写合同金额", "the contract amount is required", "contract_amount")
    if contract <= 0:
        raise ContractRuleError("合同金额须大于0", "the contract amount must be above zero", "contract_amount")
    if contract > rules.max_amount:
        raise ContractRuleError(
            f"合同金额超过上限（{rules.max_amount:,.0f}元）",
            f"the contract amount is above the bound ({rules.max_amount:,.0f} yuan)",
            "contract_amount",
        )
    costs = _money(non_technical_costs, "非技术性费用", "the non-technical costs", "non_technical_costs")
    if cost_items:
        unknown = sorted(set(cost_items) - set(rules.non_technical_categories))
        if unknown:
            raise ContractRuleError(
                f"未知的非技术性费用类别：{'、'.join(unknown)}",
                f"unknown non-technical cost categories: {', '.join(unknown)}",
                "non_technical_costs",
            )
        items = {k: _money(v, "非技术性费用", "a non-technical cost", "non_technical_costs") or Decimal(0) for k, v in cost_items.items()}
        if any(v < 0 for v in items.values()):
            raise ContractRuleError("非技术性费用不能为负数", "a non-technical cost cannot be negative", "non_technical_costs")
        total = sum(items.values(), Decimal(0))
        if costs is not None and costs != total:
            raise ContractRuleError(
                f"非技术性费用合计{costs}与分项之和{total}不符",
                f"the non-technical costs {costs} differ from their items' sum {total}",
                "non_technical_costs",
            )
        costs = total
    stated = _money(transaction, "技术交易额", "the transaction amount", "transaction_amount")
    if costs is None:
        costs = contract - stated if stated is not None else Decimal("0.00")
    if costs < 0:
        field = "non_technical_costs" if stated is None else "transaction_amount"
        raise ContractRuleError(
            "非技术性费用不能为负数（技术交易额不能超过合同金额）",
            "non-technical costs cannot be negative (the transaction amount cannot exceed the contract amount)",
            field,
        )
    if costs > contract:
        raise ContractRuleError(
            "非技术性费用不能超过合同金额", "non-technical costs cannot exceed the contract amount", "non_technical_costs"
        )
    amount = contract - costs
    if stated is not None and stated != amount:
        raise ContractRuleError(
            f"技术交易额{stated}不等于合同金额{contract}减非技术性费用{costs}（应为{amount}）",
            f"the transaction amount {stated} is not the contract amount {contract} less the non-technical costs {costs} (expected {amount})",
            "transaction_amount",
        )
    return Amounts(contract, costs, amount)


# --- the review workflow -------------------------------------------------------------------------------------


def workflow(config: dict | None = None) -> Workflow:
    """The review workflow (heluo.core.workflow), declared in data/contract-registration.json."""
    try:
        return parse((config or registration_config())["workflow"])
    except WorkflowError as exc:
        raise ValueError(f"contract-registration.json: {exc}") from None


def counted_states(config: dict | None = None) -> frozenset[str]:
    """The states whose contracts the statistics and the plan's 技术合同成交额 count."""
    return frozenset(_value((config or registration_config())["counted_states"]))


def check_step(flow: Workflow, state: str, name: str, role: str | None, reason: str = "", new_type: str | None = None, old_type: str = ""):
    """The transition `name` if the role may take it from `state` (with a reason and, re-classifying, another type
    where they are needed); else ContractRuleError with why."""
    denial = flow.check(state, name, {role} if role else set(), reason)
    if denial is not None:
        raise ContractRuleError(denial.zh, denial.en, "reason" if denial.code == "reason_required" else None)
    step = flow.transitions[name]
    if step.extra.get("changes_type") and (not new_type or new_type == old_type):
        raise ContractRuleError("改变类型须选择另一种合同类型", "re-classifying needs another contract type", "contract_type")
    return step


# --- registration numbers and the buyer's location ----------------------------------------------------------


def registration_number(year: int, office_code: str, seq: int, config: dict | None = None) -> str:
    spec = (config or registration_config())["registration_number"]
    number = _value(spec["format"]).format(year=year, office=office_code, seq=seq)
    if len(number) > spec["max_length"]:
        raise ContractRuleError(f"登记号“{number}”过长", f"registration number {number!r} is too long")
    return number


CITY, PROVINCE, ELSEWHERE = "city", "province", "elsewhere"


def location_of(area_code: str | None, city_code: str, config: dict | None = None) -> str | None:
    """Where an area code lies seen from the city: in the city, elsewhere in the province, or elsewhere."""
    if not area_code or not area_code[:6].isdigit():
        return None
    rules = (config or registration_config())["buyer_location"]
    c, p = _value(rules["city_prefix_digits"]), _value(rules["province_prefix_digits"])
    if area_code[:c] == city_code[:c]:
        return CITY
    if area_code[:p] == city_code[:p]:
        return PROVINCE
    return ELSEWHERE


def uscc_area_code(uscc: str) -> str | None:
    """Characters 3–8 of a unified social credit code: the registering authority's area code."""
    code = (uscc or "").strip()
    return code[2:8] if len(code) == 18 and code[2:8].isdigit() else None


def indicator_flavour(key: str = "tech_contract_amount", config: dict | None = None) -> dict:
    """Which contracts and which amount an indicator counts (data, with its citation)."""
    spec = (config or registration_config())["plan_indicator"][key]
    return {k: _value(v) for k, v in spec.items()}


def entrusted_rd_deductible(rules: RuleSet, contract_type: str, subtype: str, amount: Decimal) -> Decimal | None:
    """What a buyer (委托方) of a commissioned development contract may count as R&D expense for the super
    deduction: the rule set's share of the amount (财税〔2018〕64号); None for other contracts."""
    if contract_type != "development" or subtype != "commissioned":
        return None
    return (amount * Decimal(str(rules.tax("entrusted_rd_share")))).quantize(CENT)
