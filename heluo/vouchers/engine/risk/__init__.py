"""Risk checks on innovation vouchers (pure): the detectors that find what the bureau should review.

Five detectors, each a pure function over plain rows (dicts; no ORM inside), so they can be tested and
re-used on any data:

    related_party     the enterprise and the provider it contracted share a legal representative, an address,
                      a phone number or a unified social credit code (or a shareholder, from a pluggable source)
    split_contract    several contracts of the same enterprise and provider within a window: each within the cap,
                      together above the cap per voucher (same service category) or the cap per enterprise
    recurring_pair    the same enterprise–provider pair on ≥ N vouchers in a programme, or ≥ M across programmes
    evidence_reused   the same evidence file (SHA-256) in redemptions of different vouchers, or the same invoice
                      number claimed by different providers
    just_under        an amount at most X% below a cap: requested vs cap per voucher, share × contract vs cap per
                      voucher, claim vs what the voucher can pay, an enterprise's total vs its cap (+ fixed thresholds)

Every parameter is data: ``data/risk-rules.json`` (the platform's review heuristics, not policy — [NF]).

Normalisation (what "the same" means). Text is NFKC-normalised (full-width letters, digits and spaces become
half-width), case-folded, and every character that is not a letter or a digit is dropped (spaces, punctuation,
middle dots …). Phones: only digits, a field may hold several numbers (split on , ; / 、 or 或), a leading
+86/0086 of a mobile number is dropped; landlines are compared with their area code as written. Addresses:
the fixed prefixes of the rules (中国 …) and the names of the province and city above the programmes' issuing
area (also without the trailing 省/市: "河南", "洛阳") are removed from the start, repeatedly; district names are
kept (the same street number in two districts is not a match). Traditional and simplified characters are not
unified. A value too short after normalisation (rules: min_name_chars, min_address_chars, min_phone_digits)
never matches.

Shareholders are not in the registry (heluo.orgs holds legal representative, address, phone, USCC, area only).
The shareholder check is data-driven: settings.HELUO_VOUCHER_RELATED_PARTIES may name a callable
``f(org_ids) -> {org_id: [{"name": ..., "role": ...}, ...]}`` (e.g. reading a company-registry export); the
default returns nothing, so the check never fires until such a source is connected.

The engine is pure (rows in, findings out); heluo.vouchers.services.risk reads the rows, runs it and
stores the findings as flags.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .claims import FIXED_FIELDS, JUST_UNDER_CHECKS, detect_evidence_reused, detect_just_under
from .contracts import detect_recurring_pair, detect_split_contract, windows
from .findings import EVIDENCE_REUSED, JUST_UNDER, RECURRING_PAIR, RELATED_PARTY, SPLIT_CONTRACT, Finding, live_vouchers
from .normalise import (
    address_prefix_names,
    clean,
    normalise_address,
    normalise_invoice,
    normalise_name,
    normalise_phones,
    normalise_uscc,
    within_margin,
)
from .parties import FIELD_LABELS, compare_parties, detect_related_party
from .rules import RULES_PATH, Rules, RulesError, load_rules, read_rules_file, rules_from

__all__ = [
    "EVIDENCE_REUSED",
    "FIELD_LABELS",
    "FIXED_FIELDS",
    "JUST_UNDER",
    "JUST_UNDER_CHECKS",
    "RECURRING_PAIR",
    "RELATED_PARTY",
    "RULES_PATH",
    "SPLIT_CONTRACT",
    "Finding",
    "Rules",
    "RulesError",
    "address_prefix_names",
    "clean",
    "compare_parties",
    "detect_all",
    "detect_evidence_reused",
    "detect_just_under",
    "detect_recurring_pair",
    "detect_related_party",
    "detect_split_contract",
    "load_rules",
    "normalise_address",
    "normalise_invoice",
    "normalise_name",
    "normalise_phones",
    "normalise_uscc",
    "read_rules_file",
    "rules_from",
    "windows",
    "within_margin",
]


def detect_all(
    vouchers: Sequence[Mapping],
    redemptions: Sequence[Mapping],
    orgs: Mapping[int, Mapping],
    rules: Rules,
    *,
    related: Mapping[int, Sequence] | None = None,
    prefixes: Sequence[str] = (),
) -> list[Finding]:
    by_id = {v["id"]: v for v in live_vouchers(vouchers, rules)}
    return [
        *detect_related_party(vouchers, orgs, rules, related=related, prefixes=prefixes),
        *detect_split_contract(vouchers, rules),
        *detect_recurring_pair(vouchers, rules),
        *detect_evidence_reused(redemptions, by_id, rules),
        *detect_just_under(vouchers, redemptions, rules),
    ]
