"""Application forms declared as data (data/forms/*.json): sections of typed fields, a budget table by category and
the attachments a call asks for. Pure: the services validate answers with it, the pages draw the form from it, the
API documents it. Answers are typed values (text, integer, money, date, boolean, one or several choices), stored one
row per field so that they can be reported on.

A form file:
    {"code": "standard-project", "version": 1, "title_zh": …, "title_en": …, "document": "the rule it follows",
     "sections": [{"key": "basics", "label": ["基本信息", "Basics"], "fields": [
         {"key": "objectives", "type": "text", "label": ["研究目标", "Objectives"], "required": true, "max_length": 3000},
         {"key": "duration_months", "type": "integer", "label": […], "min": 6, "max": 60}, …]}],
     "budget": {"categories": [{"code": "equipment", "zh": "设备费", "en": "Equipment", "max_share": null}, …]},
     "attachments": [{"code": "proposal", "zh": "项目申报书", "en": "Proposal", "required": true,
                      "types": ["pdf", "docx"], "max_bytes": 20971520}]}
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

TYPES = ("text", "integer", "money", "date", "boolean", "choice", "choices")
TEXT_MAX = 20000  # the ceiling of any text field, whatever a form says
MONEY_MAX = Decimal("100000000000.00")  # 1,000 亿元: a typing error, not a budget
CENT = Decimal("0.01")


class FormError(ValueError):
    """The file declares an impossible form."""


@dataclass(frozen=True)
class Problem:
    """What is wrong with one answer (or the budget, or an attachment), in both languages."""

    key: str
    zh: str
    en: str


@dataclass(frozen=True)
class Field:
    key: str
    type: str
    label: tuple[str, str]
    required: bool = False
    max_length: int = TEXT_MAX
    min: Decimal | None = None
    max: Decimal | None = None
    choices: dict[str, tuple[str, str]] = field(default_factory=dict)
    help: tuple[str, str] = ("", "")


@dataclass(frozen=True)
class Section:
    key: str
    label: tuple[str, str]
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Category:
    code: str
    label: tuple[str, str]
    max_share: Decimal | None = None  # of the total requested


@dataclass(frozen=True)
class AttachmentKind:
    code: str
    label: tuple[str, str]
    required: bool
    types: tuple[str, ...]
    max_bytes: int


@dataclass(frozen=True)
class FormSpec:
    code: str
    version: str
    title: tuple[str, str]
    document: str
    sections: tuple[Section, ...]
    categories: tuple[Category, ...]
    attachments: tuple[AttachmentKind, ...]

    @property
    def fields(self) -> dict[str, Field]:
        return {f.key: f for s in self.sections for f in s.fields}

    def clean(self, answers: dict[str, Any], *, complete: bool) -> tuple[dict[str, Any], list[Problem]]:
        """The answers as typed values, and every problem: unknown keys, wrong types, out of bounds, and — when the
        application is to be complete (at submission) — required ones missing. An empty answer is None."""
        fields, values, problems = self.fields, {}, []
        for key in answers:
            if key not in fields:
                problems.append(Problem(key, f"表单中没有“{key}”一项", f"The form has no field '{key}'."))
        for key, f in fields.items():
            try:
                values[key] = typed(f, answers.get(key))
            except ValueError as exc:
                zh, en = exc.args if len(exc.args) == 2 else (str(exc), str(exc))
                problems.append(Problem(key, f"{f.label[0]}：{zh}", f"{f.label[1]}: {en}"))
                continue
            if complete and f.required and values[key] in (None, [], ""):
                problems.append(Problem(key, f"{f.label[0]}：必填", f"{f.label[1]}: required"))
        return values, problems

    def clean_budget(self, lines: dict[str, Any], requested: Decimal | None, *, complete: bool) -> tuple[dict[str, Decimal], list[Problem]]:
        """The budget by category (yuan, two places): known categories, amounts within bounds, each category within its
        share of the total, and — when complete — the lines adding up to the amount requested."""
        known = {c.code: c for c in self.categories}
        amounts, problems = {}, []
        for code, value in lines.items():
            if code not in known:
                problems.append(Problem(f"budget.{code}", f"预算中没有“{code}”科目", f"The budget has no category '{code}'."))
                continue
            try:
                amount = money(value)
            except ValueError as exc:
                problems.append(
                    Problem(f"budget.{code}", f"{known[code].label[0]}：{exc.args[0]}", f"{known[code].label[1]}: {exc.args[-1]}")
                )
                continue
            if amount:
                amounts[code] = amount
        total = sum(amounts.values(), Decimal(0))
        for code, amount in amounts.items():
            share = known[code].max_share
            if share is not None and total and amount > (total * share).quantize(CENT):
                c = known[code]
                problems.append(
                    Problem(
                        f"budget.{code}",
                        f"{c.label[0]}不能超过预算总额的{share * 100:.0f}%",
                        f"{c.label[1]} may not exceed {share * 100:.0f}% of the total.",
                    )
                )
        if complete and requested is not None and total != requested:
            problems.append(
                Problem(
                    "budget",
                    f"预算合计 {total:,.2f} 元与申请金额 {requested:,.2f} 元不一致",
                    f"The budget adds up to {total:,.2f} yuan, not the {requested:,.2f} yuan requested.",
                )
            )
        return amounts, problems

    def missing_attachments(self, present: set[str]) -> list[Problem]:
        return [
            Problem(f"attachment.{a.code}", f"缺少附件：{a.label[0]}", f"Attachment missing: {a.label[1]}.")
            for a in self.attachments
            if a.required and a.code not in present
        ]

    def attachment_kind(self, code: str) -> AttachmentKind | None:
        return next((a for a in self.attachments if a.code == code), None)


def money(value) -> Decimal:
    """A yuan amount: finite, not negative, at most two decimals, below the ceiling."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValueError("不是金额", "not an amount") from None
    if not amount.is_finite() or amount < 0 or amount > MONEY_MAX:
        raise ValueError("金额超出范围", "the amount is out of range")
    if amount != amount.quantize(CENT):
        raise ValueError("金额最多两位小数", "at most two decimals")
    return amount.quantize(CENT)


def typed(f: Field, value) -> Any:
    """One answer as its field's type (None when empty); ValueError((zh, en)) when it cannot be."""
    if value is None or (isinstance(value, str) and not value.strip()) or value == []:
        return [] if f.type == "choices" else None
    if f.type == "text":
        text = str(value).strip()
        if len(text) > f.max_length:
            raise ValueError(f"不能超过{f.max_length}字", f"at most {f.max_length} characters")
        return text
    if f.type in ("integer", "money"):
        if isinstance(value, bool):
            raise ValueError("不是数字", "not a number")
        if f.type == "money":
            number = money(value)
        else:
            try:
                number = Decimal(str(value).strip())
            except InvalidOperation:
                raise ValueError("不是整数", "not a whole number") from None
            if not number.is_finite() or number != number.to_integral_value() or abs(number) > 10**12:
                raise ValueError("不是整数", "not a whole number")
            number = int(number)
        if f.min is not None and number < f.min or f.max is not None and number > f.max:
            raise ValueError(f"须在 {f.min} 至 {f.max} 之间", f"must lie between {f.min} and {f.max}")
        return number
    if f.type == "date":
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            raise ValueError("不是日期（YYYY-MM-DD）", "not a date (YYYY-MM-DD)") from None
    if f.type == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "是", "on"):
            return True
        if text in ("false", "0", "no", "否", "off"):
            return False
        raise ValueError("须为“是”或“否”", "must be yes or no")
    if f.type == "choice":
        if str(value) not in f.choices:
            raise ValueError(f"“{value}”不是可选值", f"'{value}' is not one of the choices")
        return str(value)
    items = value if isinstance(value, (list, tuple)) else [value]
    unknown = [str(v) for v in items if str(v) not in f.choices]
    if unknown:
        raise ValueError(f"“{'、'.join(unknown)}”不是可选值", f"'{', '.join(unknown)}' is not one of the choices")
    return sorted({str(v) for v in items}, key=list(f.choices).index)


def _pair(names) -> tuple[str, str]:
    zh, en = names
    return str(zh), str(en)


def _bound(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def parse(doc: dict) -> FormSpec:
    """The declaration, checked: known types, unique keys, sane bounds, choices for choice fields."""
    try:
        sections, seen = [], set()
        for s in doc["sections"]:
            fields = []
            for f in s["fields"]:
                key, kind = f["key"], f["type"]
                if kind not in TYPES:
                    raise FormError(f"field {key!r}: unknown type {kind!r}")
                if key in seen:
                    raise FormError(f"field {key!r} declared twice")
                seen.add(key)
                choices = {c["code"]: (c["zh"], c["en"]) for c in f.get("choices", [])}
                if kind in ("choice", "choices") and not choices:
                    raise FormError(f"field {key!r}: a choice field needs choices")
                low, high = _bound(f.get("min")), _bound(f.get("max"))
                if low is not None and high is not None and low > high:
                    raise FormError(f"field {key!r}: min above max")
                length = int(f.get("max_length", TEXT_MAX))
                if not 0 < length <= TEXT_MAX:
                    raise FormError(f"field {key!r}: max_length out of 1..{TEXT_MAX}")
                fields.append(
                    Field(key, kind, _pair(f["label"]), bool(f.get("required")), length, low, high, choices, _pair(f.get("help", ["", ""])))
                )
            sections.append(Section(s["key"], _pair(s["label"]), tuple(fields)))
        categories = tuple(
            Category(c["code"], (c["zh"], c["en"]), _bound(c.get("max_share"))) for c in doc.get("budget", {}).get("categories", [])
        )
        if len({c.code for c in categories}) != len(categories):
            raise FormError("a budget category is declared twice")
        attachments = tuple(
            AttachmentKind(a["code"], (a["zh"], a["en"]), bool(a.get("required")), tuple(a["types"]), int(a["max_bytes"]))
            for a in doc.get("attachments", [])
        )
        return FormSpec(
            doc["code"],
            str(doc["version"]),
            (doc["title_zh"], doc["title_en"]),
            doc.get("document", ""),
            tuple(sections),
            categories,
            attachments,
        )
    except FormError:
        raise
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise FormError(f"not a form declaration: {exc!r}") from None


def load(path: Path | str) -> FormSpec:
    return parse(json.loads(Path(path).read_text(encoding="utf-8")))


def storage(f: Field, value) -> dict[str, Any]:
    """Which typed column of an answer row holds the value (the others stay empty)."""
    if f.type == "text":
        return {"value_text": value or ""}
    if f.type in ("integer", "money"):
        return {"value_number": None if value is None else Decimal(value)}
    if f.type == "date":
        return {"value_date": value}
    if f.type == "boolean":
        return {"value_bool": value}
    if f.type == "choice":
        return {"value_text": value or ""}
    return {"value_json": list(value or [])}


def stored(f: Field, row: dict[str, Any]) -> Any:
    """The value back from a stored row's columns."""
    if f.type in ("text", "choice"):
        return row.get("value_text") or None
    if f.type == "integer":
        n = row.get("value_number")
        return None if n is None else int(n)
    if f.type == "money":
        return row.get("value_number")
    if f.type == "date":
        return row.get("value_date")
    if f.type == "boolean":
        return row.get("value_bool")
    return list(row.get("value_json") or [])
