"""Writes of 技术合同认定登记: a registering office enters a contract (the parties resolved against the registry, the
技术交易额 computed by the rule set in force), then reviews it through the declared workflow; every step is an
event, every change audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from heluo.core.codes import check_uscc
from heluo.core.i18n import Bilingual, Refusal
from heluo.core.permissions import CHANGE, require_bureau, save_in_scope, scope_for
from heluo.geo.models import Area
from heluo.geo.selectors import home_city
from heluo.orgs.models import Organization

from ..engine import contracts as rules
from ..models import ContractEvent, ContractState, RegistrationSequence, TechnologyContract
from ..selectors.contracts import may_enter


def refused(exc: rules.ContractRuleError, status: int = 422) -> Refusal:
    return Refusal("contract_rule", exc.zh, exc.en, status=status, field=exc.field)


def forbidden(zh: str, en: str) -> PermissionDenied:
    return PermissionDenied(Bilingual(zh, en).both)


def city_code(office: Area | None = None) -> str:
    city = home_city()
    if city is not None:
        return city.code
    area = office
    while area is not None and area.kind not in (Area.Kind.CITY, Area.Kind.PROVINCE):
        area = area.parent
    return area.code if area is not None else ""


def rule_set_for(contract: TechnologyContract) -> rules.RuleSet:
    """The rule set in force on the registration date (or, before registration, the day it was accepted)."""
    return rules.rule_set_for(contract.registered_on or contract.submitted_on)


class Parties:
    """The registry's organizations and areas, read once for many contracts (an import reads them in bulk)."""

    def __init__(self, codes=()):
        codes = {c for c in codes if c}
        self.orgs = {o.uscc: o for o in Organization.objects.filter(uscc__in=codes).select_related("area")} if codes else {}
        self.areas = {a.code: a for a in Area.objects.filter(code__regex=r"^[0-9]{6}$")}
        self.city = city_code()

    def org(self, code):
        if code and code not in self.orgs:
            found = Organization.objects.filter(uscc=code).select_related("area").first()
            if found is not None:
                self.orgs[code] = found
        return self.orgs.get(code)

    def area_of_code(self, code) -> Area | None:
        digits = rules.uscc_area_code(code)
        return self.areas.get(digits) if digits else None


def check_code(value: str, field: str, required: bool) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise Refusal("code_required", "须填写统一社会信用代码", "the unified social credit code is required", 422, field)
        return ""
    result = check_uscc(value)
    if not result.valid:
        raise Refusal("bad_code", f"统一社会信用代码无效：{result.reason_zh}", f"invalid credit code: {result.reason_en}", 422, field)
    return result.code


def resolve_parties(contract: TechnologyContract, parties: Parties | None = None) -> None:
    """Link the seller and buyer to registered organizations by their codes; the seller's area is the registered
    organization's, else the code's area digits, else the registering office's (sellers register where they are);
    the buyer's location is the registered organization's area, else the code's digits, else what was entered."""
    parties = parties or Parties([contract.seller_uscc, contract.buyer_uscc])
    contract.seller_uscc = check_code(contract.seller_uscc, "seller_uscc", required=True)
    contract.buyer_uscc = check_code(contract.buyer_uscc, "buyer_uscc", required=False)
    seller, buyer = parties.org(contract.seller_uscc), parties.org(contract.buyer_uscc)
    contract.seller = seller
    contract.seller_area = seller.area if seller else parties.area_of_code(contract.seller_uscc) or contract.office
    contract.buyer = buyer
    contract.buyer_area = buyer.area if buyer else parties.area_of_code(contract.buyer_uscc)
    city = parties.city or city_code(contract.office)
    located = rules.location_of(contract.buyer_area.code if contract.buyer_area else rules.uscc_area_code(contract.buyer_uscc), city)
    if located:
        contract.buyer_location = located
    elif not contract.buyer_location:
        raise Refusal(
            "buyer_location",
            "无法从买方代码判断所在地，请填写买方所在地",
            "the buyer's location cannot be derived: enter it",
            422,
            "buyer_location",
        )


def apply_rules(contract: TechnologyContract, transaction_amount=None) -> rules.RuleSet:
    """Pick the rule set, check the type and sub-type it names, and compute the 技术交易额 and its bounds."""
    try:
        rs = rule_set_for(contract)
        if contract.contract_type not in rs.types:
            raise rules.ContractRuleError(
                f"“{rs.name_zh}”没有合同类型“{contract.contract_type}”",
                f"the rule set has no contract type {contract.contract_type!r}",
                "contract_type",
            )
        if contract.subtype and contract.subtype not in rs.subtypes(contract.contract_type):
            raise rules.ContractRuleError(
                f"{rs.type_label(contract.contract_type)}合同没有子类“{contract.subtype}”",
                f"no sub-type {contract.subtype!r} for this type",
                "subtype",
            )
        amounts = rules.transaction_amount(
            rs, contract.contract_amount, contract.non_technical_costs, transaction_amount, contract.cost_items or None
        )
    except rules.ContractRuleError as exc:
        raise refused(exc) from None
    contract.rule_set = rs.code
    contract.contract_amount, contract.non_technical_costs, contract.transaction_amount = (
        amounts.contract_amount,
        amounts.non_technical_costs,
        amounts.transaction_amount,
    )
    if contract.valid_from and contract.valid_to and contract.valid_to < contract.valid_from:
        raise Refusal("dates", "有效期止不能早于有效期起", "valid to cannot be before valid from", 422, "valid_to")
    if contract.submitted_on < contract.signed_on:
        raise Refusal("dates", "受理日期不能早于签订日期", "the acceptance date cannot be before the signing date", 422, "submitted_on")
    return rs


def contract_save(user, contract: TechnologyContract, transaction_amount=None) -> TechnologyContract:
    """Enter or correct a contract (the registering office: the entry roles of the data, a district for its own office)."""
    if not may_enter(user):
        raise forbidden("您的角色不能录入技术合同", "your role may not enter technology contracts")
    is_new = contract.pk is None
    resolve_parties(contract)
    apply_rules(contract, transaction_amount)
    contract.full_clean(exclude=["seller", "buyer", "seller_area", "buyer_area", "office"])
    with transaction.atomic():
        save_in_scope(user, contract)
        if is_new:
            _event(user, contract, "submitted", "", contract.state)
    return contract


def contract_import_save(user, contract: TechnologyContract, created: bool) -> TechnologyContract:
    """A registration from the national system's export (the bureau's import): stored as registered, with an event."""
    require_bureau(user)
    contract.save()
    _event(
        user, contract, "imported" if created else "import_updated", "", contract.state, registration_number=contract.registration_number
    )
    return contract


def _event(user, contract, kind, from_state, to_state, reason="", **payload) -> ContractEvent:
    return ContractEvent.objects.create(
        contract=contract, kind=kind, from_state=from_state, to_state=to_state, reason=reason, payload=payload, **ContractEvent.by(user)
    )


def next_number(office: Area, year: int) -> str:
    """The office's next registration number for the year (the sequence row locked until the transaction ends)."""
    RegistrationSequence.objects.get_or_create(office=office, year=year)
    seq = RegistrationSequence.objects.select_for_update().get(office=office, year=year)
    while True:
        seq.last += 1
        number = rules.registration_number(year, office.code, seq.last)
        if not TechnologyContract.objects.filter(registration_number=number).exists():  # an imported number may hold it
            break
    seq.save(update_fields=["last"])
    return number


def available_actions(user, contract) -> list:
    if not TechnologyContract.objects.restrict(user, CHANGE).filter(pk=contract.pk).exists():
        return []
    role = scope_for(user).role
    return rules.workflow().available(contract.state, {role} if role else set())


def contract_transition(
    user, contract: TechnologyContract, action: str, reason: str = "", new_type: str = "", new_subtype: str = "", on: dt.date | None = None
) -> TechnologyContract:
    """One step of the review (认定): accept, re-classify to another type, refuse with a reason, reopen — as the
    workflow's data allows for the user's role, on a contract the user may change; each step an event."""
    flow = rules.workflow()
    with transaction.atomic():
        locked = TechnologyContract.objects.restrict(user, CHANGE).select_for_update().filter(pk=contract.pk).first()
        if locked is None:
            raise forbidden("无权审核该合同（不在您的登记机构范围内）", "you may not review this contract (not your registering office)")
        try:
            step = rules.check_step(flow, locked.state, action, scope_for(user).role, reason, new_type, locked.contract_type)
        except rules.ContractRuleError as exc:
            raise refused(exc, status=422 if exc.field else 409) from None
        before, payload = locked.state, {}
        if step.extra.get("changes_type"):
            payload = {"from_type": locked.contract_type, "to_type": new_type}
            locked.original_type = locked.original_type or locked.contract_type
            locked.contract_type, locked.subtype = new_type, new_subtype
        if step.extra.get("assigns_number"):
            locked.registered_on = on or timezone.localdate()
            apply_rules(locked)  # the rule set in force on the registration date; the type may have changed
            locked.registration_number = locked.registration_number or next_number(locked.office, locked.registered_on.year)
            payload["registration_number"] = locked.registration_number
        locked.refusal_reason = reason if step.target == ContractState.REFUSED else ""
        if step.target == ContractState.SUBMITTED:
            locked.registered_on = None
        locked.state = step.target
        locked.save()
        _event(user, locked, action, before, step.target, reason, **payload)
    contract.refresh_from_db()
    return contract
