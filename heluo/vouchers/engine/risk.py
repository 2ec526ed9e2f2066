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

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

RULES_PATH = Path(__file__).resolve().parent.parent / "data" / "risk-rules.json"

# The kinds of finding (the values of models.RiskKind, which gives them their labels).
RELATED_PARTY, SPLIT_CONTRACT, RECURRING_PAIR, EVIDENCE_REUSED, JUST_UNDER = (
    "related_party",
    "split_contract",
    "recurring_pair",
    "evidence_reused",
    "just_under",
)

ZERO = Decimal("0")
CENT = Decimal("0.01")
HELD_OPEN = ("issued", "contracted", "delivered", "redemption_submitted")  # face value still committed
HELD_REDEEMED = ("redeemed", "settled")  # the redeemed amount is what the enterprise used


# --- rules (data) -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """The parameters of risk-rules.json, flattened. No defaults here on purpose: the JSON is the one source."""

    ignored_statuses: tuple[str, ...]
    related_fields: tuple[str, ...]
    min_name_chars: int
    min_address_chars: int
    min_phone_digits: int
    address_prefixes: tuple[str, ...]
    address_strip_area_kinds: tuple[str, ...]
    address_ignore: tuple[str, ...]
    split_window_days: int
    split_min_contracts: int
    recurring_min_in_programme: int
    recurring_min_across: int
    recurring_min_programmes: int
    evidence_ignore_rejected: bool
    invoice_min_chars: int
    margin_pct: Decimal
    just_under_checks: tuple[str, ...]
    fixed_thresholds: tuple[dict, ...] = ()

    def but(self, **changes) -> Rules:
        """A copy with some parameters changed (tests, what-if runs)."""
        return replace(self, **changes)


class RulesError(ValueError):
    pass


def _values(section: Mapping) -> dict:
    out = {}
    for name, spec in section.items():
        if isinstance(spec, dict) and "value" in spec:
            if not (spec.get("note_zh") and spec.get("note_en")):
                raise RulesError(f"risk rule parameter {name!r} has no bilingual note")  # every value explains itself
            out[name] = spec["value"]
    return out


def rules_from(raw: Mapping) -> Rules:
    r = raw["rules"]
    common, rel, split, rec, ev, ju = (
        _values(r[k]) for k in ("common", "related_party", "split_contract", "recurring_pair", "evidence_reused", "just_under")
    )
    try:
        rules = Rules(
            ignored_statuses=tuple(common["ignored_statuses"]),
            related_fields=tuple(rel["fields"]),
            min_name_chars=int(rel["min_name_chars"]),
            min_address_chars=int(rel["min_address_chars"]),
            min_phone_digits=int(rel["min_phone_digits"]),
            address_prefixes=tuple(rel["address_prefixes"]),
            address_strip_area_kinds=tuple(rel["address_strip_area_kinds"]),
            address_ignore=tuple(rel["address_ignore"]),
            split_window_days=int(split["window_days"]),
            split_min_contracts=int(split["min_contracts"]),
            recurring_min_in_programme=int(rec["min_in_programme"]),
            recurring_min_across=int(rec["min_across_programmes"]),
            recurring_min_programmes=int(rec["min_programmes"]),
            evidence_ignore_rejected=bool(ev["ignore_rejected"]),
            invoice_min_chars=int(ev["min_invoice_chars"]),
            margin_pct=Decimal(str(ju["margin_pct"])),
            just_under_checks=tuple(ju["checks"]),
            fixed_thresholds=tuple(dict(t) for t in ju["fixed_thresholds"]),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as e:
        raise RulesError(f"risk rules: {e!r}") from e
    if not (ZERO <= rules.margin_pct < 100) or rules.split_window_days < 0 or rules.split_min_contracts < 2:
        raise RulesError("risk rules: margin_pct must be in [0, 100), window_days ≥ 0, min_contracts ≥ 2")
    return rules


def read_rules_file(path: str | Path = RULES_PATH) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def _load(path: str) -> Rules:
    return rules_from(read_rules_file(path))


def load_rules(path: str | Path | None = None) -> Rules:
    return _load(str(path or RULES_PATH))


# --- normalisation (pure) -----------------------------------------------------------------------------


def clean(text) -> str:
    """NFKC (full-width → half-width), case-folded, letters and digits only."""
    text = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return "".join(c for c in text if unicodedata.category(c)[0] in "LN")


def normalise_name(text, min_chars: int = 2) -> str:
    value = clean(text)
    return value if len(value) >= min_chars else ""


_PHONE_SPLIT = re.compile(r"[,;/、|]|或|\s{2,}")


def normalise_phones(text, min_digits: int = 7) -> set[str]:
    """The phone numbers in a field, as digits; +86/0086 of a mobile number dropped."""
    out = set()
    for part in _PHONE_SPLIT.split(unicodedata.normalize("NFKC", str(text or ""))):
        digits = "".join(c for c in part if c in "0123456789")
        if digits.startswith("0086"):
            digits = digits[4:]
        elif digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
            digits = digits[2:]  # +86 138… → 138…
        if len(digits) >= min_digits:
            out.add(digits)
    return out


def address_prefix_names(area_names: Iterable[str], fixed: Iterable[str] = ()) -> tuple[str, ...]:
    """Prefixes to strip from addresses: the fixed ones and area names, also without the trailing 省/市."""
    out = {clean(p) for p in fixed}
    for name in area_names:
        out.add(clean(name))
        if name and name[-1] in "省市" and len(name) > 2:
            out.add(clean(name[:-1]))
    return tuple(sorted((p for p in out if p), key=lambda p: (-len(p), p)))  # longest first


def normalise_address(text, prefixes: Sequence[str] = (), min_chars: int = 6) -> str:
    value = clean(text)
    stripped = True
    while stripped:  # 河南省洛阳市涧西区… → 洛阳市涧西区… → 涧西区…
        stripped = False
        for p in prefixes:
            if p and value.startswith(p) and len(value) > len(p):
                value, stripped = value[len(p) :], True
                break
    return value if len(value) >= min_chars else ""


def normalise_uscc(text) -> str:
    value = clean(text).upper()
    return value if len(value) == 18 else ""


def normalise_invoice(text, min_chars: int = 8) -> str:
    value = clean(text).upper()
    return value if len(value) >= min_chars else ""


def _money(value) -> str:
    return str(Decimal(value or 0).quantize(CENT))


def _yuan(value) -> str:
    return f"{Decimal(value or 0):,.2f}"


def _d(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def within_margin(amount, threshold, pct) -> bool:
    """amount is at most pct% below threshold and below it: threshold × (1 − pct/100) ≤ amount < threshold.
    Exactly at the threshold is not "under"; exactly pct% below is inside (inclusive)."""
    amount, threshold = _d(amount), _d(threshold)
    if amount is None or threshold is None or threshold <= 0:
        return False
    return threshold * (100 - Decimal(pct)) / 100 <= amount < threshold


def _jsonable(value):
    def default(o):
        if isinstance(o, Decimal):
            return str(o)
        if isinstance(o, (dt.date, dt.datetime)):
            return o.isoformat()
        if isinstance(o, (set, frozenset, tuple)):
            return sorted(o, key=str)
        raise TypeError(type(o))

    return json.loads(json.dumps(value, default=default, ensure_ascii=False))


# --- findings -----------------------------------------------------------------------------------------


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
        return hashlib.sha256(json.dumps(_jsonable(self.material), sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def stored_details(self) -> dict:
        return _jsonable(
            {
                **self.details,
                "voucher_ids": sorted(set(self.voucher_ids)),
                "programme_ids": sorted(set(self.programme_ids)),
                "fingerprint": self.fingerprint,
            }
        )


def _num(v: Mapping) -> str:
    return v.get("number") or f"#{v['id']}"


def _nums(rows: Iterable[Mapping], limit: int = 10) -> str:
    names = [_num(v) for v in rows]
    return "、".join(names[:limit]) + (f" 等{len(names)}张" if len(names) > limit else "")


def _nums_en(rows: Iterable[Mapping], limit: int = 10) -> str:
    names = [_num(v) for v in rows]
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _live(vouchers: Iterable[Mapping], rules: Rules) -> list[Mapping]:
    return [v for v in vouchers if v["status"] not in rules.ignored_statuses]


def _held(v: Mapping) -> Decimal:
    """What a voucher holds against its enterprise's cap: the face value while open, the redeemed amount after."""
    if v["status"] in HELD_REDEEMED:
        return Decimal(v.get("redeemed_amount") or 0)
    if v["status"] in HELD_OPEN:
        return Decimal(v.get("face_value") or 0)
    return ZERO


def _uncapped(v: Mapping) -> Decimal | None:
    """share × contract value: what the contract alone would earn before the cap per voucher."""
    if v.get("contract_value") is None or v.get("share") is None:
        return None
    return (Decimal(v["contract_value"]) * Decimal(v["share"])).quantize(CENT, rounding=ROUND_HALF_UP)


def _payable(v: Mapping) -> Decimal:
    if v.get("payable_limit") is not None:
        return Decimal(v["payable_limit"])
    uncapped = _uncapped(v)
    return min(Decimal(v.get("face_value") or 0), uncapped) if uncapped is not None else ZERO


# Voucher rows (dicts) the detectors read:
#   id, number, programme_id, programme_code, year, status, enterprise_id, enterprise_name, provider_id,
#   provider_org_id, provider_name, type_code, type_name_zh, type_name_en, category, cap_per_voucher, share,
#   cap_per_enterprise, requested_amount, face_value, redeemed_amount, contract_no, contract_value, signed_on,
#   payable_limit
# Redemption rows: id, voucher_id, status, provider_id, provider_name, invoice_no, invoice_amount, amount, evidence
#   (the voucher's programme/enterprise come from the voucher rows)
# Organization rows: id, name, legal_representative, address, phone, uscc


# --- related_party ------------------------------------------------------------------------------------

FIELD_LABELS = {
    "legal_representative": ("法定代表人相同", "the same legal representative"),
    "address": ("地址相同", "the same address"),
    "phone": ("电话相同", "the same phone number"),
    "uscc": ("统一社会信用代码相同", "the same unified social credit code"),
    "shareholder": ("存在共同股东或关联方", "a shared shareholder or related party"),
}


def _related_names(entries, min_chars: int) -> dict[str, str]:
    """normalised → as given, from a related-party source's entries ({"name", "role"} or plain names)."""
    out = {}
    for e in entries or ():
        raw = e.get("name", "") if isinstance(e, Mapping) else str(e)
        norm = normalise_name(raw, min_chars)
        if norm:
            out.setdefault(norm, raw)
    return out


def compare_parties(
    ent: Mapping, prov: Mapping, rules: Rules, *, ent_related=(), prov_related=(), prefixes: Sequence[str] = ()
) -> list[dict]:
    """What an enterprise and a provider share. Each match: field, the two values as given, the compared value."""
    matches = []
    fields = rules.related_fields
    ignore = {clean(a) for a in rules.address_ignore}

    def add(name, a_raw, b_raw, norm):
        matches.append({"field": name, "enterprise": a_raw, "provider": b_raw, "normalised": norm})

    if "legal_representative" in fields:
        a = normalise_name(ent.get("legal_representative"), rules.min_name_chars)
        if a and a == normalise_name(prov.get("legal_representative"), rules.min_name_chars):
            add("legal_representative", ent["legal_representative"], prov["legal_representative"], a)
    if "address" in fields:
        a = normalise_address(ent.get("address"), prefixes, rules.min_address_chars)
        if a and a not in ignore and a == normalise_address(prov.get("address"), prefixes, rules.min_address_chars):
            add("address", ent["address"], prov["address"], a)
    if "phone" in fields:
        shared = normalise_phones(ent.get("phone"), rules.min_phone_digits) & normalise_phones(prov.get("phone"), rules.min_phone_digits)
        if shared:
            add("phone", ent["phone"], prov["phone"], ",".join(sorted(shared)))
    if "uscc" in fields:
        a = normalise_uscc(ent.get("uscc"))
        if a and a == normalise_uscc(prov.get("uscc")):
            add("uscc", ent["uscc"], prov["uscc"], a)
    if "shareholder" in fields and (ent_related or prov_related):
        er, pr = _related_names(ent_related, rules.min_name_chars), _related_names(prov_related, rules.min_name_chars)
        # A shared related party, or one side (its name or its legal representative) among the other's related parties.
        ent_self = _related_names([ent.get("name"), ent.get("legal_representative")], rules.min_name_chars)
        prov_self = _related_names([prov.get("name"), prov.get("legal_representative")], rules.min_name_chars)
        shared = (set(er) & set(pr)) | (set(er) & set(prov_self)) | (set(pr) & set(ent_self))
        for norm in sorted(shared):
            add("shareholder", er.get(norm) or ent_self.get(norm, norm), pr.get(norm) or prov_self.get(norm, norm), norm)
    return matches


def _match_text(m: dict) -> tuple[str, str]:
    zh, en = FIELD_LABELS[m["field"]]
    a, b = str(m["enterprise"]).strip(), str(m["provider"]).strip()
    if clean(a) == clean(b):  # the same but for spacing/width: one value says it (both stay in details)
        return f"{zh}（{a}）", f"{en} ({a})"
    return f"{zh}（企业：{a}；服务机构：{b}）", f"{en} (enterprise: {a}; provider: {b})"


def detect_related_party(
    vouchers: Iterable[Mapping],
    orgs: Mapping[int, Mapping],
    rules: Rules,
    *,
    related: Mapping[int, Sequence] | None = None,
    prefixes: Sequence[str] = (),
) -> list[Finding]:
    """One finding per (programme, enterprise, provider) pair that has a contract and shares something."""
    related = related or {}
    pairs: dict[tuple, list] = defaultdict(list)
    for v in _live(vouchers, rules):
        if v.get("provider_id") is not None:
            pairs[(v["programme_id"], v["enterprise_id"], v["provider_id"])].append(v)
    out = []
    for (prog, ent_id, prov_id), vs in sorted(pairs.items()):
        vs = sorted(vs, key=lambda v: v["id"])
        prov_org = vs[0]["provider_org_id"]
        ent, prov = orgs.get(ent_id), orgs.get(prov_org)
        if ent is None or prov is None:
            continue
        matches = compare_parties(
            ent, prov, rules, ent_related=related.get(ent_id, ()), prov_related=related.get(prov_org, ()), prefixes=prefixes
        )
        if not matches:
            continue
        texts = [_match_text(m) for m in matches]
        code = vs[0].get("programme_code", prog)
        out.append(
            Finding(
                RELATED_PARTY,
                f"related_party:p{prog}:ent{ent_id}:prov{prov_id}",
                f"企业“{ent['name']}”与服务机构“{prov['name']}”的"
                + "，".join(t[0] for t in texts)
                + f"；涉及计划{code}的创新券{_nums(vs)}。",
                f"Enterprise {ent['name']} and provider {prov['name']} have "
                + "; ".join(t[1] for t in texts)
                + f"; vouchers {_nums_en(vs)} of programme {code}.",
                {
                    "enterprise": {"id": ent_id, "name": ent["name"]},
                    "provider": {"id": prov_id, "organization_id": prov_org, "name": prov["name"]},
                    "matches": matches,
                    "vouchers": [{"id": v["id"], "number": v.get("number")} for v in vs],
                },
                # The relation is what the reviewer judges: another voucher of the same pair does not reopen it.
                material={"matches": sorted((m["field"], m["normalised"]) for m in matches)},
                programme_id=prog,
                provider_id=prov_id,
                enterprise_id=ent_id,
                voucher_ids=tuple(v["id"] for v in vs),
                programme_ids=(prog,),
            )
        )
    return out


# --- split_contract -----------------------------------------------------------------------------------


def windows(rows: Sequence[Mapping], days: int) -> list[list[Mapping]]:
    """Group rows sorted by signing date: each group starts at its earliest contract and takes every later one
    signed at most `days` days after it (day `days` included); the next group starts at the first left out."""
    rows = sorted(rows, key=lambda v: (v["signed_on"], v["id"]))
    groups, i = [], 0
    while i < len(rows):
        start, j = rows[i]["signed_on"], i
        while j < len(rows) and (rows[j]["signed_on"] - start).days <= days:
            j += 1
        groups.append(rows[i:j])
        i = j
    return groups


def _contract_line(v: Mapping, amount) -> tuple[str, str]:
    return (
        f"{v.get('contract_no') or '—'}（{v['signed_on'].isoformat()}，券{_num(v)}，{_yuan(amount)}元）",
        f"{v.get('contract_no') or '—'} ({v['signed_on'].isoformat()}, voucher {_num(v)}, {_yuan(amount)} yuan)",
    )


def detect_split_contract(vouchers: Iterable[Mapping], rules: Rules) -> list[Finding]:
    days, least = rules.split_window_days, rules.split_min_contracts
    contracted = [
        v for v in _live(vouchers, rules) if v.get("provider_id") is not None and v.get("contract_value") is not None and v.get("signed_on")
    ]
    out = []

    # 1. Cap per voucher: same service category; each contract's share × value within its type's cap, the sum of
    #    what the vouchers pay above the (highest) cap involved — one bigger contract would have hit the cap.
    by_cat: dict[tuple, list] = defaultdict(list)
    for v in contracted:
        by_cat[(v["enterprise_id"], v["provider_id"], v["category"])].append(v)
    for (ent, prov, cat), rows in sorted(by_cat.items()):
        for group in windows(rows, days):
            if len(group) < least or any(_uncapped(v) > Decimal(v["cap_per_voucher"]) for v in group):
                continue
            cap = max(Decimal(v["cap_per_voucher"]) for v in group)
            total = sum((_payable(v) for v in group), ZERO)
            if total <= cap:
                continue
            first = group[0]
            lines = [_contract_line(v, _payable(v)) for v in group]
            span = (group[-1]["signed_on"] - first["signed_on"]).days
            out.append(
                Finding(
                    SPLIT_CONTRACT,
                    f"split_contract:voucher_cap:ent{ent}:prov{prov}:{cat}:v{first['id']}",
                    f"企业“{first['enterprise_name']}”与服务机构“{first['provider_name']}”在{span}天内签订{len(group)}份{first.get('type_name_zh') or cat}合同："
                    f"{'；'.join(line[0] for line in lines)}。每份按比例计算的资助额均未超过单张券上限，合计可兑付{_yuan(total)}元，超过单张券上限{_yuan(cap)}元"
                    f"（审查窗口{days}天）。",
                    f"Enterprise {first['enterprise_name']} and provider {first['provider_name']} signed {len(group)} {first.get('type_name_en') or cat} contracts "
                    f"within {span} days: {'; '.join(line[1] for line in lines)}. Each is within the cap per voucher, but together the vouchers pay "
                    f"{_yuan(total)} yuan, above the cap of {_yuan(cap)} yuan per voucher (review window {days} days).",
                    {
                        "test": "cap_per_voucher",
                        "window_days": days,
                        "cap": _money(cap),
                        "total": _money(total),
                        "excess": _money(total - cap),
                        "category": cat,
                        "contracts": [
                            {
                                "voucher_id": v["id"],
                                "number": v.get("number"),
                                "contract_no": v.get("contract_no"),
                                "signed_on": v["signed_on"],
                                "contract_value": _money(v["contract_value"]),
                                "uncapped": _money(_uncapped(v)),
                                "payable": _money(_payable(v)),
                                "cap_per_voucher": _money(v["cap_per_voucher"]),
                            }
                            for v in group
                        ],
                    },
                    material={"vouchers": [v["id"] for v in group], "cap": _money(cap)},
                    programme_id=first["programme_id"],
                    voucher_id=first["id"],
                    provider_id=prov,
                    enterprise_id=ent,
                    voucher_ids=tuple(v["id"] for v in group),
                    programme_ids=tuple(sorted({v["programme_id"] for v in group})),
                )
            )

    # 2. Cap per enterprise: any category, possibly across programme years; what each voucher holds against the
    #    cap, summed over the group, above the lowest cap of the programmes involved.
    by_pair: dict[tuple, list] = defaultdict(list)
    for v in contracted:
        by_pair[(v["enterprise_id"], v["provider_id"])].append(v)
    for (ent, prov), rows in sorted(by_pair.items()):
        for group in windows(rows, days):
            caps = [Decimal(v["cap_per_enterprise"]) for v in group if v.get("cap_per_enterprise") is not None]
            if len(group) < least or not caps:
                continue
            cap = min(caps)
            held = [_held(v) for v in group]
            total = sum(held, ZERO)
            if total <= cap or any(h > cap for h in held):
                continue
            first = group[0]
            lines = [_contract_line(v, h) for v, h in zip(group, held)]
            codes = sorted({v.get("programme_code") or str(v["programme_id"]) for v in group})
            out.append(
                Finding(
                    SPLIT_CONTRACT,
                    f"split_contract:enterprise_cap:ent{ent}:prov{prov}:v{first['id']}",
                    f"企业“{first['enterprise_name']}”与服务机构“{first['provider_name']}”在{days}天的审查窗口内签订{len(group)}份合同"
                    f"（计划{'、'.join(codes)}）：{'；'.join(line[0] for line in lines)}。每份均未超过企业上限，合计{_yuan(total)}元，超过企业上限{_yuan(cap)}元。",
                    f"Enterprise {first['enterprise_name']} and provider {first['provider_name']} signed {len(group)} contracts within the "
                    f"{days}-day review window (programmes {', '.join(codes)}): {'; '.join(line[1] for line in lines)}. Each is within the cap per "
                    f"enterprise, but together they hold {_yuan(total)} yuan, above the cap of {_yuan(cap)} yuan per enterprise.",
                    {
                        "test": "cap_per_enterprise",
                        "window_days": days,
                        "cap": _money(cap),
                        "total": _money(total),
                        "excess": _money(total - cap),
                        "contracts": [
                            {
                                "voucher_id": v["id"],
                                "number": v.get("number"),
                                "programme_id": v["programme_id"],
                                "contract_no": v.get("contract_no"),
                                "signed_on": v["signed_on"],
                                "held": _money(h),
                            }
                            for v, h in zip(group, held)
                        ],
                    },
                    material={"vouchers": [v["id"] for v in group], "cap": _money(cap)},
                    programme_id=group[-1]["programme_id"],
                    voucher_id=first["id"],
                    provider_id=prov,
                    enterprise_id=ent,
                    voucher_ids=tuple(v["id"] for v in group),
                    programme_ids=tuple(sorted({v["programme_id"] for v in group})),
                )
            )
    return out


# --- recurring_pair -----------------------------------------------------------------------------------


def detect_recurring_pair(vouchers: Iterable[Mapping], rules: Rules) -> list[Finding]:
    by_pair: dict[tuple, list] = defaultdict(list)
    for v in _live(vouchers, rules):
        if v.get("provider_id") is not None:
            by_pair[(v["enterprise_id"], v["provider_id"])].append(v)
    out = []
    for (ent, prov), rows in sorted(by_pair.items()):
        rows = sorted(rows, key=lambda v: v["id"])
        first = rows[0]
        names_zh = f"企业“{first['enterprise_name']}”与服务机构“{first['provider_name']}”"
        names_en = f"Enterprise {first['enterprise_name']} and provider {first['provider_name']}"
        per_prog: dict[int, list] = defaultdict(list)
        for v in rows:
            per_prog[v["programme_id"]].append(v)
        n = rules.recurring_min_in_programme
        for prog, vs in sorted(per_prog.items()):
            if len(vs) < n:
                continue
            code = vs[0].get("programme_code") or prog
            out.append(
                Finding(
                    RECURRING_PAIR,
                    f"recurring_pair:p{prog}:ent{ent}:prov{prov}",
                    f"{names_zh}在计划{code}中配对使用了{len(vs)}张创新券（审查阈值{n}张）：{_nums(vs)}。",
                    f"{names_en} share {len(vs)} vouchers in programme {code} (review threshold {n}): {_nums_en(vs)}.",
                    {
                        "scope": "programme",
                        "count": len(vs),
                        "threshold": n,
                        "vouchers": [{"id": v["id"], "number": v.get("number")} for v in vs],
                    },
                    material={"vouchers": [v["id"] for v in vs]},
                    programme_id=prog,
                    provider_id=prov,
                    enterprise_id=ent,
                    voucher_ids=tuple(v["id"] for v in vs),
                    programme_ids=(prog,),
                )
            )
        m, k = rules.recurring_min_across, rules.recurring_min_programmes
        if len(rows) >= m and len(per_prog) >= k:
            latest = max(rows, key=lambda v: (v.get("year") or 0, v["programme_id"]))
            codes = sorted({v.get("programme_code") or str(v["programme_id"]) for v in rows})
            out.append(
                Finding(
                    RECURRING_PAIR,
                    f"recurring_pair:all:ent{ent}:prov{prov}",
                    f"{names_zh}在{len(per_prog)}个计划（{'、'.join(codes)}）中共配对使用了{len(rows)}张创新券（审查阈值{m}张、至少{k}个计划）：{_nums(rows)}。",
                    f"{names_en} share {len(rows)} vouchers over {len(per_prog)} programmes ({', '.join(codes)}; review threshold {m} over at least {k}): {_nums_en(rows)}.",
                    {
                        "scope": "all",
                        "count": len(rows),
                        "threshold": m,
                        "programmes": codes,
                        "vouchers": [{"id": v["id"], "number": v.get("number")} for v in rows],
                    },
                    material={"vouchers": [v["id"] for v in rows]},
                    programme_id=latest["programme_id"],
                    provider_id=prov,
                    enterprise_id=ent,
                    voucher_ids=tuple(v["id"] for v in rows),
                    programme_ids=tuple(sorted(per_prog)),
                )
            )
    return out


# --- evidence_reused ----------------------------------------------------------------------------------


def detect_evidence_reused(redemptions: Iterable[Mapping], vouchers_by_id: Mapping[int, Mapping], rules: Rules) -> list[Finding]:
    """The same file hash in redemptions of *different* vouchers (a voucher resubmitting its own evidence after a
    refusal is normal), and the same invoice number claimed by different providers."""
    reds = [
        r for r in redemptions if r["voucher_id"] in vouchers_by_id and not (rules.evidence_ignore_rejected and r["status"] == "rejected")
    ]
    out = []

    def refs(rows):
        return [
            {
                "redemption_id": r["id"],
                "voucher_id": r["voucher_id"],
                "number": vouchers_by_id[r["voucher_id"]].get("number"),
                "provider": r.get("provider_name"),
                "enterprise": vouchers_by_id[r["voucher_id"]].get("enterprise_name"),
                "status": r["status"],
                "invoice_no": r.get("invoice_no"),
            }
            for r in rows
        ]

    def where(rows, en=False):
        items = [
            f"{vouchers_by_id[r['voucher_id']].get('number') or '#' + str(r['voucher_id'])}"
            + (f" ({r.get('provider_name')})" if en else f"（{r.get('provider_name')}）")
            for r in rows
        ]
        return (", " if en else "、").join(items)

    def finding(key, zh, en, details, rows):
        last = max(rows, key=lambda r: r["id"])
        v = vouchers_by_id[last["voucher_id"]]
        vids = tuple(sorted({r["voucher_id"] for r in rows}))
        return Finding(
            EVIDENCE_REUSED,
            key,
            zh,
            en,
            {**details, "redemptions": refs(rows)},
            material={"redemptions": sorted(r["id"] for r in rows)},
            programme_id=v["programme_id"],
            voucher_id=v["id"],
            redemption_id=last["id"],
            provider_id=last.get("provider_id"),
            enterprise_id=v["enterprise_id"],
            voucher_ids=vids,
            programme_ids=tuple(sorted({vouchers_by_id[i]["programme_id"] for i in vids})),
        )

    by_hash: dict[str, dict[int, tuple]] = defaultdict(dict)
    for r in reds:
        for item in r.get("evidence") or ():
            digest = str(item.get("sha256", "")).strip().lower() if isinstance(item, Mapping) else ""
            if digest:
                by_hash[digest].setdefault(r["id"], (r, str(item.get("name", ""))))
    for digest, hits in sorted(by_hash.items()):
        rows = sorted((r for r, _ in hits.values()), key=lambda r: r["id"])
        if len({r["voucher_id"] for r in rows}) < 2:
            continue
        names = sorted({n for _, n in hits.values() if n})
        out.append(
            finding(
                f"evidence_reused:sha256:{digest}",
                f"同一份证明材料（{'、'.join(names) or '—'}，SHA-256 {digest[:12]}…）出现在{len({r['voucher_id'] for r in rows})}张不同创新券的兑付申请中：{where(rows)}。",
                f"The same evidence file ({', '.join(names) or '—'}, SHA-256 {digest[:12]}…) is in the redemptions of "
                f"{len({r['voucher_id'] for r in rows})} different vouchers: {where(rows, True)}.",
                {"sha256": digest, "names": names},
                rows,
            )
        )

    by_invoice: dict[str, list] = defaultdict(list)
    for r in reds:
        norm = normalise_invoice(r.get("invoice_no"), rules.invoice_min_chars)
        if norm:
            by_invoice[norm].append(r)
    for norm, rows in sorted(by_invoice.items()):
        providers = {r.get("provider_id") for r in rows}
        if len(providers) < 2:
            continue  # within one provider the database already refuses a reused invoice
        rows = sorted(rows, key=lambda r: r["id"])
        given = sorted({r.get("invoice_no") for r in rows})
        out.append(
            finding(
                f"evidence_reused:invoice:{norm[:80]}",
                f"发票号码{'、'.join(given)}被{len(providers)}家不同服务机构用于兑付：{where(rows)}。",
                f"Invoice number {', '.join(given)} is claimed by {len(providers)} different providers: {where(rows, True)}.",
                {"invoice_no": norm, "as_given": given},
                rows,
            )
        )
    return out


# --- just_under ---------------------------------------------------------------------------------------

JUST_UNDER_CHECKS = ("requested_vs_voucher_cap", "contract_vs_voucher_cap", "claim_vs_payable", "enterprise_total_vs_cap")
FIXED_FIELDS = {
    "contract_value": ("合同金额", "contract value"),
    "invoice_amount": ("发票金额", "invoice amount"),
    "claimed": ("兑付金额", "claimed amount"),
}


def _under(amount, threshold, pct) -> dict:
    gap = Decimal(threshold) - Decimal(amount)
    return {
        "amount": _money(amount),
        "threshold": _money(threshold),
        "gap": _money(gap),
        "gap_pct": str((gap * 100 / Decimal(threshold)).quantize(CENT)),
        "margin_pct": str(pct),
    }


def detect_just_under(vouchers: Iterable[Mapping], redemptions: Iterable[Mapping], rules: Rules) -> list[Finding]:
    pct, checks = rules.margin_pct, set(rules.just_under_checks)
    live = _live(vouchers, rules)
    by_id = {v["id"]: v for v in live}
    out = []

    def add(key, v, what_zh, what_en, amount, limit_zh, limit_en, threshold, *, redemption=None, extra=None):
        facts = _under(amount, threshold, pct)
        who_zh, who_en = f"创新券{_num(v)}（企业“{v['enterprise_name']}”）", f"voucher {_num(v)} (enterprise {v['enterprise_name']})"
        out.append(
            Finding(
                JUST_UNDER,
                key,
                f"{who_zh}的{what_zh}{_yuan(amount)}元，仅比{limit_zh}{_yuan(threshold)}元低{_yuan(facts['gap'])}元（{facts['gap_pct']}%），在审查范围{pct}%以内。",
                f"The {what_en} of {who_en} is {_yuan(amount)} yuan, only {_yuan(facts['gap'])} yuan ({facts['gap_pct']}%) below the "
                f"{limit_en} of {_yuan(threshold)} yuan, within the {pct}% review margin.",
                {**facts, "check": key.split(":")[1], **(extra or {})},
                material={"amount": facts["amount"], "threshold": facts["threshold"]},
                programme_id=v["programme_id"],
                voucher_id=v["id"],
                redemption_id=redemption and redemption["id"],
                provider_id=(redemption or v).get("provider_id"),
                enterprise_id=v["enterprise_id"],
                voucher_ids=(v["id"],),
                programme_ids=(v["programme_id"],),
            )
        )

    for v in sorted(live, key=lambda v: v["id"]):
        if v["status"] == "rejected":
            continue  # a refused application moves no money
        cap = v.get("cap_per_voucher")
        if "requested_vs_voucher_cap" in checks and within_margin(v.get("requested_amount"), cap, pct):
            add(
                f"just_under:requested:v{v['id']}",
                v,
                "申领金额",
                "requested amount",
                v["requested_amount"],
                "单张券上限",
                "cap per voucher",
                cap,
            )
        uncapped = _uncapped(v)
        if "contract_vs_voucher_cap" in checks and uncapped is not None and within_margin(uncapped, cap, pct):
            add(
                f"just_under:contract:v{v['id']}",
                v,
                f"合同金额按比例（{v['share']}）计算的资助额",
                f"share ({v['share']}) of the contract value",
                uncapped,
                "单张券上限",
                "cap per voucher",
                cap,
                extra={"contract_value": _money(v["contract_value"]), "share": str(v["share"])},
            )
        for i, t in enumerate(rules.fixed_thresholds):
            if (
                t.get("field") == "contract_value"
                and v.get("contract_value") is not None
                and within_margin(v["contract_value"], t.get("amount"), pct)
            ):
                add(
                    f"just_under:fixed{i}:contract_value:v{v['id']}",
                    v,
                    "合同金额",
                    "contract value",
                    v["contract_value"],
                    t.get("label_zh") or "门槛",
                    t.get("label_en") or "threshold",
                    t["amount"],
                )

    for r in sorted(redemptions, key=lambda r: r["id"]):
        v = by_id.get(r["voucher_id"])
        if v is None or r["status"] == "rejected":
            continue
        if "claim_vs_payable" in checks and within_margin(r.get("amount"), v.get("payable_limit"), pct):
            add(
                f"just_under:claim:r{r['id']}",
                v,
                "兑付金额",
                "claimed amount",
                r["amount"],
                "本券可支付上限（面额与合同比例取低者）",
                "limit the voucher can pay (min of face value and share × contract)",
                v["payable_limit"],
                redemption=r,
            )
        for i, t in enumerate(rules.fixed_thresholds):
            value = {"invoice_amount": r.get("invoice_amount"), "claimed": r.get("amount")}.get(t.get("field"))
            if value is not None and within_margin(value, t.get("amount"), pct):
                what = FIXED_FIELDS[t["field"]]
                add(
                    f"just_under:fixed{i}:{t['field']}:r{r['id']}",
                    v,
                    what[0],
                    what[1],
                    value,
                    t.get("label_zh") or "门槛",
                    t.get("label_en") or "threshold",
                    t["amount"],
                    redemption=r,
                )

    if "enterprise_total_vs_cap" in checks:
        totals: dict[tuple, list] = defaultdict(list)
        for v in live:
            if v.get("cap_per_enterprise") is not None and _held(v) > 0:
                totals[(v["programme_id"], v["enterprise_id"])].append(v)
        for (prog, ent), vs in sorted(totals.items()):
            vs = sorted(vs, key=lambda v: v["id"])
            total, cap = sum((_held(v) for v in vs), ZERO), Decimal(vs[0]["cap_per_enterprise"])
            if not within_margin(total, cap, pct):
                continue
            facts = _under(total, cap, pct)
            code = vs[0].get("programme_code") or prog
            out.append(
                Finding(
                    JUST_UNDER,
                    f"just_under:enterprise_total:p{prog}:ent{ent}",
                    f"企业“{vs[0]['enterprise_name']}”在计划{code}中的创新券合计{_yuan(total)}元（{_nums(vs)}），仅比企业上限{_yuan(cap)}元低"
                    f"{_yuan(facts['gap'])}元（{facts['gap_pct']}%），在审查范围{pct}%以内。",
                    f"Enterprise {vs[0]['enterprise_name']} holds {_yuan(total)} yuan in programme {code} ({_nums_en(vs)}), only {_yuan(facts['gap'])} yuan "
                    f"({facts['gap_pct']}%) below the cap of {_yuan(cap)} yuan per enterprise, within the {pct}% review margin.",
                    {
                        **facts,
                        "check": "enterprise_total",
                        "vouchers": [{"id": v["id"], "number": v.get("number"), "held": _money(_held(v))} for v in vs],
                    },
                    material={"amount": facts["amount"], "threshold": facts["threshold"]},
                    programme_id=prog,
                    enterprise_id=ent,
                    voucher_ids=tuple(v["id"] for v in vs),
                    programme_ids=(prog,),
                )
            )
    return out


def detect_all(
    vouchers: Sequence[Mapping],
    redemptions: Sequence[Mapping],
    orgs: Mapping[int, Mapping],
    rules: Rules,
    *,
    related: Mapping[int, Sequence] | None = None,
    prefixes: Sequence[str] = (),
) -> list[Finding]:
    by_id = {v["id"]: v for v in _live(vouchers, rules)}
    return [
        *detect_related_party(vouchers, orgs, rules, related=related, prefixes=prefixes),
        *detect_split_contract(vouchers, rules),
        *detect_recurring_pair(vouchers, rules),
        *detect_evidence_reused(redemptions, by_id, rules),
        *detect_just_under(vouchers, redemptions, rules),
    ]
