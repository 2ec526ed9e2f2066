"""split_contract and recurring_pair: contracts of the same enterprise and provider, together or again."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from .findings import (
    RECURRING_PAIR,
    SPLIT_CONTRACT,
    Finding,
    held_amount,
    live_vouchers,
    payable_amount,
    uncapped_share,
    voucher_label,
    voucher_labels_en,
    voucher_labels_zh,
)
from .normalise import ZERO, money_str, yuan_text
from .rules import Rules


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
        f"{v.get('contract_no') or '—'}（{v['signed_on'].isoformat()}，券{voucher_label(v)}，{yuan_text(amount)}元）",
        f"{v.get('contract_no') or '—'} ({v['signed_on'].isoformat()}, voucher {voucher_label(v)}, {yuan_text(amount)} yuan)",
    )


def detect_split_contract(vouchers: Iterable[Mapping], rules: Rules) -> list[Finding]:
    days, least = rules.split_window_days, rules.split_min_contracts
    contracted = [
        v
        for v in live_vouchers(vouchers, rules)
        if v.get("provider_id") is not None and v.get("contract_value") is not None and v.get("signed_on")
    ]
    out = []

    # 1. Cap per voucher: same service category; each contract's share × value within its type's cap, the sum of
    #    what the vouchers pay above the (highest) cap involved — one bigger contract would have hit the cap.
    by_cat: dict[tuple, list] = defaultdict(list)
    for v in contracted:
        by_cat[(v["enterprise_id"], v["provider_id"], v["category"])].append(v)
    for (ent, prov, cat), rows in sorted(by_cat.items()):
        for group in windows(rows, days):
            if len(group) < least or any(uncapped_share(v) > Decimal(v["cap_per_voucher"]) for v in group):
                continue
            cap = max(Decimal(v["cap_per_voucher"]) for v in group)
            total = sum((payable_amount(v) for v in group), ZERO)
            if total <= cap:
                continue
            first = group[0]
            lines = [_contract_line(v, payable_amount(v)) for v in group]
            span = (group[-1]["signed_on"] - first["signed_on"]).days
            out.append(
                Finding(
                    SPLIT_CONTRACT,
                    f"split_contract:voucher_cap:ent{ent}:prov{prov}:{cat}:v{first['id']}",
                    f"企业“{first['enterprise_name']}”与服务机构“{first['provider_name']}”在{span}天内签订{len(group)}份{first.get('type_name_zh') or cat}合同："
                    f"{'；'.join(line[0] for line in lines)}。每份按比例计算的资助额均未超过单张券上限，合计可兑付{yuan_text(total)}元，超过单张券上限{yuan_text(cap)}元"
                    f"（审查窗口{days}天）。",
                    f"Enterprise {first['enterprise_name']} and provider {first['provider_name']} signed {len(group)} {first.get('type_name_en') or cat} contracts "
                    f"within {span} days: {'; '.join(line[1] for line in lines)}. Each is within the cap per voucher, but together the vouchers pay "
                    f"{yuan_text(total)} yuan, above the cap of {yuan_text(cap)} yuan per voucher (review window {days} days).",
                    {
                        "test": "cap_per_voucher",
                        "window_days": days,
                        "cap": money_str(cap),
                        "total": money_str(total),
                        "excess": money_str(total - cap),
                        "category": cat,
                        "contracts": [
                            {
                                "voucher_id": v["id"],
                                "number": v.get("number"),
                                "contract_no": v.get("contract_no"),
                                "signed_on": v["signed_on"],
                                "contract_value": money_str(v["contract_value"]),
                                "uncapped": money_str(uncapped_share(v)),
                                "payable": money_str(payable_amount(v)),
                                "cap_per_voucher": money_str(v["cap_per_voucher"]),
                            }
                            for v in group
                        ],
                    },
                    material={"vouchers": [v["id"] for v in group], "cap": money_str(cap)},
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
            held = [held_amount(v) for v in group]
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
                    f"（计划{'、'.join(codes)}）：{'；'.join(line[0] for line in lines)}。每份均未超过企业上限，合计{yuan_text(total)}元，超过企业上限{yuan_text(cap)}元。",
                    f"Enterprise {first['enterprise_name']} and provider {first['provider_name']} signed {len(group)} contracts within the "
                    f"{days}-day review window (programmes {', '.join(codes)}): {'; '.join(line[1] for line in lines)}. Each is within the cap per "
                    f"enterprise, but together they hold {yuan_text(total)} yuan, above the cap of {yuan_text(cap)} yuan per enterprise.",
                    {
                        "test": "cap_per_enterprise",
                        "window_days": days,
                        "cap": money_str(cap),
                        "total": money_str(total),
                        "excess": money_str(total - cap),
                        "contracts": [
                            {
                                "voucher_id": v["id"],
                                "number": v.get("number"),
                                "programme_id": v["programme_id"],
                                "contract_no": v.get("contract_no"),
                                "signed_on": v["signed_on"],
                                "held": money_str(h),
                            }
                            for v, h in zip(group, held)
                        ],
                    },
                    material={"vouchers": [v["id"] for v in group], "cap": money_str(cap)},
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
    for v in live_vouchers(vouchers, rules):
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
                    f"{names_zh}在计划{code}中配对使用了{len(vs)}张创新券（审查阈值{n}张）：{voucher_labels_zh(vs)}。",
                    f"{names_en} share {len(vs)} vouchers in programme {code} (review threshold {n}): {voucher_labels_en(vs)}.",
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
                    f"{names_zh}在{len(per_prog)}个计划（{'、'.join(codes)}）中共配对使用了{len(rows)}张创新券（审查阈值{m}张、至少{k}个计划）：{voucher_labels_zh(rows)}。",
                    f"{names_en} share {len(rows)} vouchers over {len(per_prog)} programmes ({', '.join(codes)}; review threshold {m} over at least {k}): {voucher_labels_en(rows)}.",
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
