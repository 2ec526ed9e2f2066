"""The R&D-incentive configuration: every rate, minimum, cap, list size and tie rule of ``incentives`` as data.

``config/<name>.json`` is loaded and validated by ``load_incentive_config``; each parameter cites a document,
an article and a confidence tag (C/S/M/NF, as in policy-rules.md). The shipped ``rd-incentives-example`` is
an EXAMPLE: its 十强十快 and 基础+增量 values are not official figures and must be set from the bureau's own
documents. Also here: GB/T 4754-2017 industry codes, which the configuration's exclusions name.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
CONFIG_KIND = "rd_incentives"
EXAMPLE_CONFIG = "rd-incentives-example"
# GB/T 4754-2017 sections and divisions, shipped by the taxonomy app as plain JSON (read, never imported).
GBT4754_FILE = Path(__file__).resolve().parents[2] / "taxonomy" / "data" / "gbt4754_2017.json"

TAGS = ("C", "S", "M", "NF")
FLAGS = ("is_hte", "is_tech_sme")
CHOICES = {
    "ties": ("break", "include_all"),
    "measure": ("rd_expense", "rd_expense_eligible"),
    "prior_missing": ("no_increment", "as_zero", "unknown"),
    "over_budget": ("pro_rata", "report_only"),
    "rounding": ("half_up", "down"),
}
ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "down": ROUND_DOWN}
FEN = Decimal("0.01")  # money is kept exact to the 分
_RATE_PLACES = 6  # rates in the config carry at most 6 decimals (0.0125 = 1.25%), so outputs show them exactly
YUAN = Decimal(1)

ESTIMATE_DISCLAIMER_ZH = (
    "本结果为研发费用加计扣除的估算，不是税务机关的核定或纳税评估；实际可扣除金额以企业汇算清缴申报"
    "及税务机关审核为准，且未考虑亏损、其他税收优惠与应纳税所得额是否足额等因素。"
)
ESTIMATE_DISCLAIMER_EN = (
    "An estimate of the R&D super deduction, not a tax assessment: the deductible amount is what the "
    "enterprise files and the tax office accepts; losses, other tax incentives and whether taxable "
    "income suffices are not taken into account."
)


class IncentiveConfigError(ValueError):
    """A configuration that cannot be used; the message names the field, in Chinese and English."""


class IncentiveInputError(ValueError):
    """Input rows that cannot be read (a missing column, a duplicate row, a negative R&D expense)."""


# ---------------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------------
# Kind of each parameter; a trailing "?" allows null (no such limit). Choices are listed in CHOICES.
_SCHEMA: dict[str, dict[str, str]] = {
    "top_rd_expense": {
        "size": "count",
        "min_rd_expense": "money?",
        "min_rd_intensity": "rate?",
        "require_any_of": "flags",
        "ties": "choice:ties",
    },
    "fastest_rd_growth": {
        "size": "count",
        "min_prior_rd_expense": "money",
        "min_rd_expense": "money?",
        "min_rd_intensity": "rate?",
        "min_growth": "growth?",
        "exclude_top_list": "bool",
        "require_any_of": "flags",
        "ties": "choice:ties",
    },
    "subsidy": {
        "measure": "choice:measure",
        "min_rd_expense": "money?",
        "require_any_of": "flags",
        "base_rate": "rate",
        "base_cap": "yuan?",
        "increment_rate": "rate",
        "increment_cap": "yuan?",
        "prior_missing": "choice:prior_missing",
        "total_cap": "yuan?",
        "budget": "yuan?",
        "over_budget": "choice:over_budget",
        "rounding": "choice:rounding",
    },
    "super_deduction": {
        "extra_rate": "factor",
        "amortisation_rate": "factor",
        "from_year": "year",
        "special_extra_rate": "factor",
        "special_amortisation_rate": "factor",
        "special_from_year": "year",
        "special_to_year": "year",
        "excluded_industries": "industries",
        "general_tax_rate": "rate",
        "hte_tax_rate": "rate",
        "rounding": "choice:rounding",
    },
}

_KIND_TEXT = {
    "count": ("必须是正整数", "must be a positive whole number"),
    "money": ("必须是不小于0的金额（元），最多2位小数", "must be an amount in 元, not negative, with at most 2 decimals"),
    "yuan": ("必须是不小于0的整数元", "must be a whole number of 元, not negative"),
    "rate": (f"必须是0到1之间的小数，最多{_RATE_PLACES}位小数", f"must be a fraction from 0 to 1 with at most {_RATE_PLACES} decimals"),
    "factor": (f"必须是不小于0的数，最多{_RATE_PLACES}位小数", f"must be a number not below 0 with at most {_RATE_PLACES} decimals"),
    "growth": (f"必须是不小于-1的数，最多{_RATE_PLACES}位小数", f"must be a number not below -1 with at most {_RATE_PLACES} decimals"),
    "year": ("必须是年份（整数）", "must be a year (whole number)"),
    "bool": ("必须是 true 或 false", "must be true or false"),
    "flags": (f"必须是由 {', '.join(FLAGS)} 组成的列表", f"must be a list drawn from {', '.join(FLAGS)}"),
    "industries": (
        "必须是 GB/T 4754-2017 门类字母或行业代码（2–4位数字）的列表",
        "must be a list of GB/T 4754-2017 section letters or industry codes (2–4 digits)",
    ),
}


@dataclass(frozen=True)
class Param:
    """One parameter with its citation: what it is, where it comes from and how sure we are."""

    path: str  # "section.key"
    value: Any
    doc: str
    number: str
    title: str
    article: str
    tag: str
    note_zh: str = ""
    note_en: str = ""

    @property
    def citation(self) -> str:
        return f"{self.number} {self.article} [{self.tag}]"


@dataclass(frozen=True)
class TopListRules:
    size: int
    min_rd_expense: Decimal | None
    min_rd_intensity: Decimal | None
    require_any_of: tuple[str, ...]
    ties: str


@dataclass(frozen=True)
class GrowthListRules:
    size: int
    min_prior_rd_expense: Decimal
    min_rd_expense: Decimal | None
    min_rd_intensity: Decimal | None
    min_growth: Decimal | None
    exclude_top_list: bool
    require_any_of: tuple[str, ...]
    ties: str


@dataclass(frozen=True)
class SubsidyRules:
    measure: str
    min_rd_expense: Decimal | None
    require_any_of: tuple[str, ...]
    base_rate: Decimal
    base_cap: int | None
    increment_rate: Decimal
    increment_cap: int | None
    prior_missing: str
    total_cap: int | None
    budget: int | None
    over_budget: str
    rounding: str


@dataclass(frozen=True)
class DeductionRules:
    extra_rate: Decimal
    amortisation_rate: Decimal
    from_year: int
    special_extra_rate: Decimal
    special_amortisation_rate: Decimal
    special_from_year: int
    special_to_year: int
    excluded_industries: tuple[str, ...]
    general_tax_rate: Decimal
    hte_tax_rate: Decimal
    rounding: str


@dataclass(frozen=True)
class IncentiveConfig:
    name: str
    version: str
    example: bool
    label_zh: str
    label_en: str
    documents: dict
    params: dict[str, Param]
    fingerprint: str
    top: TopListRules
    growth: GrowthListRules
    subsidy: SubsidyRules
    deduction: DeductionRules
    notes_zh: str = ""
    notes_en: str = ""
    overrides: tuple[str, ...] = field(default=())

    def value(self, path: str):
        return self.params[path].value

    def provenance(self) -> dict:
        """The columns every output row carries to tie a figure to this configuration."""
        return {"config_name": self.name, "config_version": self.version, "config_fingerprint": self.fingerprint}


def _fail(name: str, path: str, zh: str, en: str):
    raise IncentiveConfigError(f"{name}: 字段 {path}：{zh} / field {path}: {en}")


def to_decimal(value) -> Decimal | None:
    """A number as an exact Decimal; None if it is not a finite number (bool is not a number here)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None  # shortest repr: 0.1 stays 0.1
    if isinstance(value, str):
        try:
            d = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            return None
        return d if d.is_finite() else None
    return None


def _places_ok(d: Decimal, places: int) -> bool:
    return d == 0 or -d.normalize().as_tuple().exponent <= places


def _coerce(name: str, path: str, kind: str, value):
    """Check one parameter value against its kind and return it typed (Decimal, int, bool, tuple)."""
    nullable = kind.endswith("?")
    kind = kind.rstrip("?")
    if value is None:
        if nullable:
            return None
        _fail(name, path, "不能为 null", "may not be null")
    if kind.startswith("choice:"):
        allowed = CHOICES[kind.split(":", 1)[1]]
        if value not in allowed:
            _fail(name, path, f"必须是 {' / '.join(allowed)} 之一", f"must be one of {', '.join(allowed)}")
        return value
    zh, en = _KIND_TEXT[kind]
    if kind == "bool":
        if not isinstance(value, bool):
            _fail(name, path, zh, en)
        return value
    if kind == "flags":
        if not isinstance(value, list) or any(v not in FLAGS for v in value) or len(set(value)) != len(value):
            _fail(name, path, zh, en)
        return tuple(value)
    if kind == "industries":
        if not isinstance(value, list) or not all(isinstance(v, str) and _valid_excluded_code(v) for v in value):
            _fail(name, path, zh, en)
        return tuple(value)
    if kind in ("count", "year"):
        if isinstance(value, bool) or not isinstance(value, int) or (kind == "count" and value < 1):
            _fail(name, path, zh, en)
        return value
    d = to_decimal(value) if not isinstance(value, str) else None  # numbers in JSON, not strings
    if d is None:
        _fail(name, path, zh, en)
    if kind == "money" and (d < 0 or not _places_ok(d, 2)):  # money is exact to the 分
        _fail(name, path, zh, en)
    if kind == "yuan":
        if d < 0 or d != d.to_integral_value():
            _fail(name, path, zh, en)
        return int(d)
    if kind in ("rate", "factor", "growth"):
        low = Decimal(-1) if kind == "growth" else Decimal(0)
        if d < low or (kind == "rate" and d > 1) or not _places_ok(d, _RATE_PLACES):
            _fail(name, path, zh, en)
    return d


def _jsonable(v):
    if isinstance(v, Decimal):
        return format(v.normalize(), "f")
    if isinstance(v, tuple):
        return list(v)
    return v


def parse_incentive_config(raw: dict, overrides: Mapping[str, Any] | None = None) -> IncentiveConfig:
    """Validate a configuration given as a dict (a shipped file, or one kept elsewhere, e.g. in the database).

    ``overrides`` maps "section.key" to a new value (e.g. ``{"subsidy.budget": 50_000_000}``); it is checked
    like the file's own value, keeps the file's citation and changes the fingerprint.
    """
    if not isinstance(raw, dict):
        raise IncentiveConfigError("配置必须是 JSON 对象 / a configuration must be a JSON object")
    name = str(raw.get("name") or "?")
    if raw.get("kind") != CONFIG_KIND:
        _fail(name, "kind", f"必须是 {CONFIG_KIND!r}", f"must be {CONFIG_KIND!r}")
    for key in ("name", "version", "label_zh", "label_en"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            _fail(name, key, "缺失或为空", "missing or empty")
    if not isinstance(raw.get("example"), bool):
        _fail(name, "example", "必须是 true 或 false（是否为示例配置）", "must be true or false (is this an example)")
    docs = raw.get("documents")
    if not isinstance(docs, dict) or not docs:
        _fail(name, "documents", "缺失或为空", "missing or empty")
    for key, d in docs.items():
        if not isinstance(d, dict) or not d.get("number") or not d.get("title"):
            _fail(name, f"documents.{key}", "需要 number 与 title", "needs number and title")

    overrides = dict(overrides or {})
    known = {f"{s}.{k}" for s, keys in _SCHEMA.items() for k in keys}
    for path in overrides:
        if path not in known:
            _fail(name, path, "没有可覆盖的此参数", "no such parameter to override")

    params: dict[str, Param] = {}
    for section, keys in _SCHEMA.items():
        block = raw.get(section)
        if not isinstance(block, dict):
            _fail(name, section, "缺失", "missing")
        extra = set(block) - set(keys)
        if extra:
            _fail(name, f"{section}.{sorted(extra)[0]}", "未知参数（拼写错误？）", "unknown parameter (a typo?)")
        for key, kind in keys.items():
            path = f"{section}.{key}"
            p = block.get(key)
            if not isinstance(p, dict) or "value" not in p:
                _fail(name, path, "缺失，或缺少 value", "missing, or has no value")
            cite = p.get("cite")
            if not isinstance(cite, dict) or cite.get("doc") not in docs:
                _fail(name, f"{path}.cite", "须引用 documents 中的文件", "must cite a document listed in documents")
            if cite.get("tag") not in TAGS or not cite.get("article"):
                _fail(
                    name,
                    f"{path}.cite",
                    f"需要条款 article 与置信度标签 tag（{'/'.join(TAGS)}）",
                    f"needs an article and a tag in {'/'.join(TAGS)}",
                )
            value = _coerce(name, path, kind, overrides.get(path, p["value"]))
            d = docs[cite["doc"]]
            params[path] = Param(
                path, value, cite["doc"], d["number"], d["title"], cite["article"], cite["tag"], p.get("note_zh", ""), p.get("note_en", "")
            )

    v = {path: p.value for path, p in params.items()}
    if v["super_deduction.amortisation_rate"] < 1 or v["super_deduction.special_amortisation_rate"] < 1:
        _fail(
            name,
            "super_deduction.amortisation_rate",
            "摊销比例是含本金的总比例，不得小于1",
            "the amortisation rate includes the cost itself and may not be below 1",
        )
    if v["super_deduction.special_from_year"] > v["super_deduction.special_to_year"]:
        _fail(name, "super_deduction.special_to_year", "不得早于 special_from_year", "may not be before special_from_year")
    if v["fastest_rd_growth.min_prior_rd_expense"] <= 0:
        _fail(
            name,
            "fastest_rd_growth.min_prior_rd_expense",
            "必须大于0（增速需要正的上年基数）",
            "must be above 0 (growth needs a positive prior-year base)",
        )

    canonical = json.dumps({k: _jsonable(x) for k, x in v.items()}, sort_keys=True, ensure_ascii=False)
    sec = {s: {k: v[f"{s}.{k}"] for k in keys} for s, keys in _SCHEMA.items()}
    return IncentiveConfig(
        name=raw["name"],
        version=raw["version"],
        example=raw["example"],
        label_zh=raw["label_zh"],
        label_en=raw["label_en"],
        documents=docs,
        params=params,
        fingerprint=hashlib.sha256(canonical.encode()).hexdigest()[:12],
        top=TopListRules(**sec["top_rd_expense"]),
        growth=GrowthListRules(**sec["fastest_rd_growth"]),
        subsidy=SubsidyRules(**sec["subsidy"]),
        deduction=DeductionRules(**sec["super_deduction"]),
        notes_zh=raw.get("notes_zh", ""),
        notes_en=raw.get("notes_en", ""),
        overrides=tuple(sorted(overrides)),
    )


def incentive_config_names() -> list[str]:
    """Shipped R&D-incentive configurations (the config folder also holds other kinds of file)."""
    out = []
    for path in sorted(CONFIG_DIR.glob("*.json")):
        try:
            if json.loads(path.read_text(encoding="utf-8")).get("kind") == CONFIG_KIND:
                out.append(path.stem)
        except (ValueError, AttributeError):
            continue
    return out


def load_incentive_config(name: str, overrides: Mapping[str, Any] | None = None) -> IncentiveConfig:
    """A shipped configuration (``config/<name>.json``), with parameters optionally overridden."""
    path = CONFIG_DIR / f"{name}.json"
    if not re.match(r"^[a-z0-9-]+$", name or "") or not path.exists():
        raise IncentiveConfigError(f"未知配置 {name!r} / unknown configuration {name!r}; shipped: {', '.join(incentive_config_names())}")
    raw = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)  # exact rates: 0.1 is 0.1
    return parse_incentive_config(raw, overrides)


# ---------------------------------------------------------------------------------------------------
# GB/T 4754 industry codes
# ---------------------------------------------------------------------------------------------------
@cache
def _gbt4754() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """(division → section, section → divisions) from the taxonomy app's GB/T 4754-2017 file."""
    raw = json.loads(GBT4754_FILE.read_text(encoding="utf-8"))
    div_sec, sec_divs = {}, {}
    for s in raw["sections"]:
        codes = [d["code"] for d in s["divisions"]]
        sec_divs[s["code"]] = frozenset(codes)
        div_sec.update({c: s["code"] for c in codes})
    return div_sec, sec_divs


_INDUSTRY = re.compile(r"^([A-Z])?(\d{2,4})?$")


def _parse_industry(code) -> tuple[str, str] | None:
    """(section letter, digits or "") of a code such as "C3911", "3911", "39" or "C"; None if not GB/T 4754."""
    text = re.sub(r"\s+", "", str(code)).upper()
    m = _INDUSTRY.match(text)
    if not text or not m:
        return None
    div_sec, sec_divs = _gbt4754()
    letter, digits = m.group(1), m.group(2) or ""
    if digits:
        section = div_sec.get(digits[:2])
        if section is None or (letter and letter != section):
            return None
        return section, digits
    return (letter, "") if letter in sec_divs else None


def _valid_excluded_code(code: str) -> bool:
    parsed = _parse_industry(code)
    return parsed is not None and (parsed[1] == code or parsed[0] == code)  # a bare letter or bare digits


def industry_check(code, excluded: Iterable[str]) -> tuple[str, str | None]:
    """Is an enterprise's main-business industry on the negative list?

    Returns (state, matched entry): ``not_given``, ``unrecognised`` (not a GB/T 4754-2017 code),
    ``excluded``, ``not_excluded``, or ``ambiguous`` (the code is coarser than the list, e.g. section R
    when only division 90 is excluded). An entry matches a code it is a prefix of, or its section letter.
    """
    if code is None or not str(code).strip():
        return "not_given", None
    parsed = _parse_industry(code)
    if parsed is None:
        return "unrecognised", None
    section, digits = parsed
    excluded = tuple(excluded)
    _, sec_divs = _gbt4754()
    for e in excluded:
        if e == section or (digits and e.isdigit() and digits.startswith(e)):
            return "excluded", e
    if not digits:
        listed = {e for e in excluded if e.isdigit() and len(e) == 2 and e in sec_divs[section]}
        if listed == sec_divs[section]:
            return "excluded", ",".join(sorted(listed))
        inside = [e for e in excluded if e.isdigit() and _gbt4754()[0].get(e[:2]) == section]
        return ("ambiguous", inside[0]) if inside else ("not_excluded", None)
    finer = [e for e in excluded if e.isdigit() and len(e) > len(digits) and e.startswith(digits)]
    return ("ambiguous", finer[0]) if finer else ("not_excluded", None)


# ---------------------------------------------------------------------------------------------------
