"""related_party: the enterprise and the provider it contracted share a representative, address, phone, USCC or shareholder."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from .findings import RELATED_PARTY, Finding, live_vouchers, voucher_labels_en, voucher_labels_zh
from .normalise import clean, normalise_address, normalise_name, normalise_phones, normalise_uscc
from .rules import Rules

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
    for v in live_vouchers(vouchers, rules):
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
                + f"；涉及计划{code}的创新券{voucher_labels_zh(vs)}。",
                f"Enterprise {ent['name']} and provider {prov['name']} have "
                + "; ".join(t[1] for t in texts)
                + f"; vouchers {voucher_labels_en(vs)} of programme {code}.",
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
