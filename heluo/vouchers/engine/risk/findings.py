"""A finding (one thing for the bureau to review) and what the detectors read from a voucher row."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .normalise import CENT, ZERO, jsonable
from .rules import Rules

# The kinds of finding (the values of models.RiskKind, which gives them their labels).
RELATED_PARTY, SPLIT_CONTRACT, RECURRING_PAIR, EVIDENCE_REUSED, JUST_UNDER = (
    "related_party",
    "split_contract",
    "recurring_pair",
    "evidence_reused",
    "just_under",
)


HELD_OPEN = ("issued", "contracted", "delivered", "redemption_submitted")  # face value still committed
HELD_REDEEMED = ("redeemed", "settled")  # the redeemed amount is what the enterprise used


@dataclass
class Finding:
    """One thing for the bureau to review. `material` decides whether a cleared flag reopens."""

    kind: str
    key: str
    explanation_zh: str
    explanation_en: str
    details: dict
    material: Any
    programme_id: int | None = None
    voucher_id: int | None = None
    redemption_id: int | None = None
    provider_id: int | None = None
    enterprise_id: int | None = None
    voucher_ids: tuple[int, ...] = ()
    programme_ids: tuple[int, ...] = ()

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(jsonable(self.material), sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def stored_details(self) -> dict:
        return jsonable(
            {
                **self.details,
                "voucher_ids": sorted(set(self.voucher_ids)),
                "programme_ids": sorted(set(self.programme_ids)),
                "fingerprint": self.fingerprint,
            }
        )


def voucher_label(v: Mapping) -> str:
    return v.get("number") or f"#{v['id']}"


def voucher_labels_zh(rows: Iterable[Mapping], limit: int = 10) -> str:
    names = [voucher_label(v) for v in rows]
    return "、".join(names[:limit]) + (f" 等{len(names)}张" if len(names) > limit else "")


def voucher_labels_en(rows: Iterable[Mapping], limit: int = 10) -> str:
    names = [voucher_label(v) for v in rows]
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def live_vouchers(vouchers: Iterable[Mapping], rules: Rules) -> list[Mapping]:
    return [v for v in vouchers if v["status"] not in rules.ignored_statuses]


def held_amount(v: Mapping) -> Decimal:
    """What a voucher holds against its enterprise's cap: the face value while open, the redeemed amount after."""
    if v["status"] in HELD_REDEEMED:
        return Decimal(v.get("redeemed_amount") or 0)
    if v["status"] in HELD_OPEN:
        return Decimal(v.get("face_value") or 0)
    return ZERO


def uncapped_share(v: Mapping) -> Decimal | None:
    """share × contract value: what the contract alone would earn before the cap per voucher."""
    if v.get("contract_value") is None or v.get("share") is None:
        return None
    return (Decimal(v["contract_value"]) * Decimal(v["share"])).quantize(CENT, rounding=ROUND_HALF_UP)


def payable_amount(v: Mapping) -> Decimal:
    if v.get("payable_limit") is not None:
        return Decimal(v["payable_limit"])
    uncapped = uncapped_share(v)
    return min(Decimal(v.get("face_value") or 0), uncapped) if uncapped is not None else ZERO


# Voucher rows (dicts) the detectors read:
#   id, number, programme_id, programme_code, year, status, enterprise_id, enterprise_name, provider_id,
#   provider_org_id, provider_name, type_code, type_name_zh, type_name_en, category, cap_per_voucher, share,
#   cap_per_enterprise, requested_amount, face_value, redeemed_amount, contract_no, contract_value, signed_on,
#   payable_limit
# Redemption rows: id, voucher_id, status, provider_id, provider_name, invoice_no, invoice_amount, amount, evidence
#   (the voucher's programme/enterprise come from the voucher rows)
# Organization rows: id, name, legal_representative, address, phone, uscc
