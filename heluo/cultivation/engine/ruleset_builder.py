"""Build a rule-set definition (the JSON the engine reads) from the simple rows of the UI editor.

Each row is one check: a value — an input of a year (``rd_expense@-1``), a ratio of two (``a@-1 / b@-1``),
or a growth rate (``growth(sales_revenue@-2, sales_revenue@-1)``) — compared with a threshold, with its
citation. The enterprise passes when every row passes. Anything richer (scores, bands, any-of) is written
in the JSON box, in the same format as the shipped files. Pure: no Django.
"""

from __future__ import annotations

import re

from heluo.cultivation.engine.rules import RuleSetError, extra_input_catalogue, parse_ruleset

REF = r"[a-z_][a-z0-9_]*(?:@-?\d+)?"
GROWTH = re.compile(rf"^growth\(\s*({REF})\s*,\s*({REF})\s*\)$")
RATIO = re.compile(rf"^({REF})\s*/\s*({REF})$")
SINGLE = re.compile(rf"^({REF})$")
MONEY_WORDS = ("expense", "revenue", "income", "assets", "financing")


def parse_value(text: str):
    text = text.strip()
    if m := GROWTH.match(text):
        a, b = m.groups()
        return {"ratio": [{"sub": [b, a]}, a]}, "pp"
    if m := RATIO.match(text):
        return {"ratio": [m.group(1), m.group(2)]}, "pp"
    if m := SINGLE.match(text):
        col = m.group(1).partition("@")[0]
        return m.group(1), ("yuan" if any(w in col for w in MONEY_WORDS) else "count")
    raise RuleSetError(f"无法识别的取值表达式 / cannot read the value expression: {text!r}")


def build(meta: dict, rows: list[dict]) -> dict:
    """meta: name, version, title_zh, title_en, doc_number, doc_title; rows: code, zh, value, op, threshold,
    article, tag. Returns a definition that ``parse_ruleset`` accepts (it is checked here)."""
    criteria, parameters = [], {}
    for i, row in enumerate(rows, start=1):
        if not (row.get("code") or "").strip():
            continue
        value, unit = parse_value(row.get("value", ""))
        try:
            threshold = float(row["threshold"])
        except (KeyError, TypeError, ValueError):
            raise RuleSetError(f"第 {i} 行：门槛必须是数字 / row {i}: the threshold must be a number") from None
        if unit == "pp" and row.get("as_percent"):
            threshold /= 100
        zh = row.get("zh") or row["code"]
        tag = row.get("tag") or "NF"
        if tag != "C":  # an unconfirmed figure is a named parameter, never a bare number (rules.py)
            parameters[f"{row['code'].strip()}_threshold"] = {
                "value": threshold,
                "tag": tag,
                "note": f"set in the rule-set editor; {row.get('article') or ''}".strip(),
            }
            threshold = f"${row['code'].strip()}_threshold"
        gap = {
            "unit": unit,
            "zh": f"{zh}：还差 {{gap}}" + (" 万元" if unit == "yuan" else " 个百分点" if unit == "pp" else ""),
            "en": f"{row.get('en') or row['code']}: short by {{gap}}" + (" yuan" if unit == "yuan" else " pp" if unit == "pp" else ""),
        }
        criteria.append(
            {
                "code": row["code"].strip(),
                "zh": zh,
                "en": row.get("en") or row["code"],
                "cite": {"doc": "main", "article": row.get("article") or "—", "tag": tag},
                "check": {"value": value, "op": row.get("op") or ">=", "threshold": threshold},
                "gap": gap,
            }
        )
    if not criteria:
        raise RuleSetError("至少需要一条条件 / at least one criterion is needed")
    definition = {
        "name": meta["name"],
        "version": meta["version"],
        "title_zh": meta["title_zh"],
        "title_en": meta.get("title_en") or meta["title_zh"],
        "documents": {"main": {"number": meta.get("doc_number") or "—", "title": meta.get("doc_title") or "", "issued": ""}},
        "parameters": parameters,
        "criteria": criteria,
        "result": {"all": [c["code"] for c in criteria]},
    }
    extras = extra_input_catalogue()
    used = sorted({ref.partition("@")[0] for r in rows for ref in re.findall(REF, r.get("value") or "")} & set(extras))
    if used:
        definition["extra_inputs"] = used
    parse_ruleset(definition)
    return definition


def rows_of(definition: dict) -> list[dict] | None:
    """The editor rows of a definition the builder made (None when it uses more than the builder offers)."""
    rows = []
    for c in definition.get("criteria", []):
        chk = c.get("check") or {}
        v = chk.get("value")
        if isinstance(v, str):
            text = v
        elif isinstance(v, dict) and list(v) == ["ratio"] and all(isinstance(x, str) for x in v["ratio"]):
            text = " / ".join(v["ratio"])
        elif isinstance(v, dict) and list(v) == ["ratio"] and isinstance(v["ratio"][0], dict) and "sub" in v["ratio"][0]:
            b, a = v["ratio"][0]["sub"]
            text = f"growth({a}, {b})"
        else:
            return None
        thr = chk.get("threshold")
        if isinstance(thr, str) and thr.startswith("$"):
            thr = definition.get("parameters", {}).get(thr[1:], {}).get("value")
        rows.append(
            {
                "code": c["code"],
                "zh": c["zh"],
                "en": c.get("en", ""),
                "value": text,
                "op": chk.get("op"),
                "threshold": thr,
                "article": c["cite"].get("article"),
                "tag": c["cite"].get("tag"),
            }
        )
    return rows
