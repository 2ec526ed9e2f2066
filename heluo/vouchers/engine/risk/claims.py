"""evidence_reused and just_under: what the claims and the amounts give away."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal

from .findings import (
    EVIDENCE_REUSED,
    JUST_UNDER,
    Finding,
    held_amount,
    live_vouchers,
    uncapped_share,
    voucher_label,
    voucher_labels_en,
    voucher_labels_zh,
)
from .normalise import CENT, ZERO, money_str, normalise_invoice, within_margin, yuan_text
from .rules import Rules


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
        "amount": money_str(amount),
        "threshold": money_str(threshold),
        "gap": money_str(gap),
        "gap_pct": str((gap * 100 / Decimal(threshold)).quantize(CENT)),
        "margin_pct": str(pct),
    }


def detect_just_under(vouchers: Iterable[Mapping], redemptions: Iterable[Mapping], rules: Rules) -> list[Finding]:
    pct, checks = rules.margin_pct, set(rules.just_under_checks)
    live = live_vouchers(vouchers, rules)
    by_id = {v["id"]: v for v in live}
    out = []

    def add(key, v, what_zh, what_en, amount, limit_zh, limit_en, threshold, *, redemption=None, extra=None):
        facts = _under(amount, threshold, pct)
        who_zh, who_en = (
            f"创新券{voucher_label(v)}（企业“{v['enterprise_name']}”）",
            f"voucher {voucher_label(v)} (enterprise {v['enterprise_name']})",
        )
        out.append(
            Finding(
                JUST_UNDER,
                key,
                f"{who_zh}的{what_zh}{yuan_text(amount)}元，仅比{limit_zh}{yuan_text(threshold)}元低{yuan_text(facts['gap'])}元（{facts['gap_pct']}%），在审查范围{pct}%以内。",
                f"The {what_en} of {who_en} is {yuan_text(amount)} yuan, only {yuan_text(facts['gap'])} yuan ({facts['gap_pct']}%) below the "
                f"{limit_en} of {yuan_text(threshold)} yuan, within the {pct}% review margin.",
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
        uncapped = uncapped_share(v)
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
                extra={"contract_value": money_str(v["contract_value"]), "share": str(v["share"])},
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
            if v.get("cap_per_enterprise") is not None and held_amount(v) > 0:
                totals[(v["programme_id"], v["enterprise_id"])].append(v)
        for (prog, ent), vs in sorted(totals.items()):
            vs = sorted(vs, key=lambda v: v["id"])
            total, cap = sum((held_amount(v) for v in vs), ZERO), Decimal(vs[0]["cap_per_enterprise"])
            if not within_margin(total, cap, pct):
                continue
            facts = _under(total, cap, pct)
            code = vs[0].get("programme_code") or prog
            out.append(
                Finding(
                    JUST_UNDER,
                    f"just_under:enterprise_total:p{prog}:ent{ent}",
                    f"企业“{vs[0]['enterprise_name']}”在计划{code}中的创新券合计{yuan_text(total)}元（{voucher_labels_zh(vs)}），仅比企业上限{yuan_text(cap)}元低"
                    f"{yuan_text(facts['gap'])}元（{facts['gap_pct']}%），在审查范围{pct}%以内。",
                    f"Enterprise {vs[0]['enterprise_name']} holds {yuan_text(total)} yuan in programme {code} ({voucher_labels_en(vs)}), only {yuan_text(facts['gap'])} yuan "
                    f"({facts['gap_pct']}%) below the cap of {yuan_text(cap)} yuan per enterprise, within the {pct}% review margin.",
                    {
                        **facts,
                        "check": "enterprise_total",
                        "vouchers": [{"id": v["id"], "number": v.get("number"), "held": money_str(held_amount(v))} for v in vs],
                    },
                    material={"amount": facts["amount"], "threshold": facts["threshold"]},
                    programme_id=prog,
                    enterprise_id=ent,
                    voucher_ids=tuple(v["id"] for v in vs),
                    programme_ids=(prog,),
                )
            )
    return out
