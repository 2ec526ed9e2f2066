"""R&D incentives: the yearly 十强十快 lists, the 基础+增量 R&D subsidy and the 研发费用加计扣除 estimate.

Plain Python and Polars, no Django: services, the CLI and the tests call these functions with a Polars
DataFrame (or a list of dicts) and get a Polars DataFrame back.

Inputs
    One row per enterprise and accounting year: ``organization_id, year, rd_expense, sales_revenue``
    (money in 元; ``None`` = unknown), optionally ``is_hte``, ``is_tech_sme`` (qualifications held that
    year; ``None`` = unknown), ``industry_code`` (GB/T 4754-2017, main business), ``rd_expense_eligible``
    (R&D accepted for the super deduction, when the subsidy is computed on it), and for the deduction
    ``capitalised`` (the year's amortisation of intangible assets formed by R&D), ``special_120``
    (integrated-circuit / machine-tool enterprise) and ``tax_rate`` (an applicable rate, overriding the
    configured ones). ``year`` is always the accounting year of the R&D expense, not the year of selection
    or payment; growth and increment read ``year − 1``.

Parameters
    Every rate, minimum, cap, list size and tie rule is data: ``config/<name>.json``, loaded and validated by
    ``load_incentive_config``. Each parameter cites a document, an article and a confidence tag (C/S/M/NF,
    as in policy-rules.md). The shipped ``rd-incentives-example`` is an EXAMPLE: its 十强十快 and 基础+增量
    values are not official figures and must be set from the bureau's own documents.

Arithmetic
    Money is exact: every amount is read as a Decimal (a float through its shortest repr, so 0.1 is 0.1)
    and rounded half up to the 分 (0.01 元) on input. Ratios (R&D intensity, growth) are exact fractions;
    the float columns in the output are for display only. Polars carries the tables in and out but does
    no money arithmetic: its Decimal products are cut to the operand's scale and it rounds half to even
    (checked on Polars 2.1), which would shift a subsidy by a 分 or a 元.

Traceability
    Every output row carries the inputs it used, the parameters applied and the configuration's name,
    version and fingerprint (a hash of the effective parameter values, so an overridden parameter shows).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

CONFIG_DIR = Path(__file__).with_name("config")
CONFIG_KIND = "rd_incentives"
EXAMPLE_CONFIG = "rd-incentives-example"
# GB/T 4754-2017 sections and divisions, shipped by the taxonomy app as plain JSON (read, never imported).
GBT4754_FILE = Path(__file__).resolve().parent.parent / "taxonomy" / "data" / "gbt4754_2017.json"

TAGS = ("C", "S", "M", "NF")
FLAGS = ("is_hte", "is_tech_sme")
CHOICES = {
    "ties": ("break", "include_all"),
    "measure": ("rd_expense", "rd_expense_eligible"),
    "prior_missing": ("no_increment", "as_zero", "unknown"),
    "over_budget": ("pro_rata", "report_only"),
    "rounding": ("half_up", "down"),
}
_ROUNDING = {"half_up": ROUND_HALF_UP, "down": ROUND_DOWN}
_FEN = Decimal("0.01")  # money is kept exact to the 分
_RATE_PLACES = 6  # rates in the config carry at most 6 decimals (0.0125 = 1.25%), so outputs show them exactly
_YUAN = Decimal(1)

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


def _to_decimal(value) -> Decimal | None:
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
    d = _to_decimal(value) if not isinstance(value, str) else None  # numbers in JSON, not strings
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
# Input rows
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Rec:
    org: Any
    year: int
    rd: Decimal | None
    sales: Decimal | None = None
    rd_eligible: Decimal | None = None
    is_hte: bool | None = None
    is_tech_sme: bool | None = None
    industry_code: str | None = None
    capitalised: Decimal | None = None
    special_120: bool | None = None
    tax_rate: Decimal | None = None


_LIST_COLUMNS = ("organization_id", "year", "rd_expense", "sales_revenue")
_DEDUCTION_COLUMNS = ("organization_id", "year", "rd_expense")


def _money(value, col: str, where: str, negative_ok: bool = False) -> Decimal | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or (isinstance(value, str) and not value.strip()):
        return None
    d = _to_decimal(value)
    if d is None:
        raise IncentiveInputError(f"{where}: {col} 不是金额 / is not an amount: {value!r}")
    if d < 0 and not negative_ok:
        raise IncentiveInputError(f"{where}: {col} 不能为负 / may not be negative: {value}")
    return d.quantize(_FEN, rounding=ROUND_HALF_UP)


def _rate(value, col: str, where: str) -> Decimal | None:
    """A rate from 0 to 1, kept with every decimal (not rounded like money); None/NaN/empty = not given."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or (isinstance(value, str) and not value.strip()):
        return None
    d = _to_decimal(value)
    if d is None or not Decimal(0) <= d <= Decimal(1):
        raise IncentiveInputError(f"{where}: {col} 须为0到1之间的数 / must be a number from 0 to 1: {value!r}")
    return d


def _flag(value, col: str, where: str) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise IncentiveInputError(f"{where}: {col} 须为 true/false/空 / must be true, false or empty: {value!r}")


def _org(value, where: str):
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise IncentiveInputError(f"{where}: 缺少 organization_id / organization_id is missing")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return value.strip()
    raise IncentiveInputError(f"{where}: organization_id 须为整数或字符串 / must be a whole number or text: {value!r}")


def _year(value, where: str) -> int:
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int):
        raise IncentiveInputError(f"{where}: year 须为整数年份 / year must be a whole number: {value!r}")
    return value


def _records(data, required: tuple[str, ...]) -> dict[tuple[Any, int], _Rec]:
    """Read the input rows; missing optional columns are unknown. Duplicate (organization, year) is an error."""
    if isinstance(data, pl.DataFrame):
        missing = [c for c in required if c not in data.columns]
        if missing:
            raise IncentiveInputError(f"缺少列 / missing columns: {', '.join(missing)}")
        rows: Iterable[Mapping] = data.iter_rows(named=True)
    elif isinstance(data, Iterable) and not isinstance(data, (str, bytes, Mapping)):
        rows = list(data)
        for i, r in enumerate(rows):
            if not isinstance(r, Mapping):
                raise IncentiveInputError(f"第{i + 1}行不是字典 / row {i + 1} is not a dict")
            missing = [c for c in required if c not in r]
            if missing:
                raise IncentiveInputError(f"第{i + 1}行缺少列 / row {i + 1} lacks columns: {', '.join(missing)}")
    else:
        raise IncentiveInputError("输入须为 Polars DataFrame 或字典列表 / input must be a Polars DataFrame or a list of dicts")
    out: dict[tuple[Any, int], _Rec] = {}
    for i, r in enumerate(rows):
        where = f"第{i + 1}行 / row {i + 1}"
        org, year = _org(r.get("organization_id"), where), _year(r.get("year"), where)
        where = f"organization_id={org}, year={year}"
        if (org, year) in out:
            raise IncentiveInputError(f"{where}: 重复的企业年度行 / duplicate row for this enterprise and year")
        tax_rate = _rate(r.get("tax_rate"), "tax_rate", where)
        code = r.get("industry_code")
        out[(org, year)] = _Rec(
            org=org,
            year=year,
            rd=_money(r.get("rd_expense"), "rd_expense", where),
            sales=_money(r.get("sales_revenue"), "sales_revenue", where, negative_ok=True),
            rd_eligible=_money(r.get("rd_expense_eligible"), "rd_expense_eligible", where),
            is_hte=_flag(r.get("is_hte"), "is_hte", where),
            is_tech_sme=_flag(r.get("is_tech_sme"), "is_tech_sme", where),
            industry_code=None if code is None or not str(code).strip() else str(code).strip(),
            capitalised=_money(r.get("capitalised"), "capitalised", where),
            special_120=_flag(r.get("special_120"), "special_120", where),
            tax_rate=tax_rate,
        )
    return out


def _org_key(org) -> tuple:
    return (0, org, "") if isinstance(org, int) else (1, 0, org)  # ints before text, both in natural order


def _org_dtype(orgs) -> pl.DataType:
    return pl.Int64 if all(isinstance(o, int) for o in orgs) else pl.String


# ---------------------------------------------------------------------------------------------------
# Shared pieces of the lists and the subsidy
# ---------------------------------------------------------------------------------------------------
REASONS: dict[str, tuple[str, str]] = {
    "missing_rd": ("缺少当年研发费用", "the year's R&D expense is missing"),
    "missing_eligible_rd": ("缺少当年可加计扣除研发费用（奖补基数）", "the year's eligible R&D expense (the subsidy base) is missing"),
    "rd_below_min": ("当年研发费用低于下限", "the year's R&D expense is below the minimum"),
    "missing_sales": ("缺少销售收入，研发投入强度未知", "sales revenue missing: R&D intensity unknown"),
    "intensity_undefined": ("销售收入不为正，研发投入强度无定义", "sales revenue not positive: R&D intensity undefined"),
    "intensity_below_min": ("研发投入强度低于下限", "R&D intensity below the minimum"),
    "qualification_missing": ("不具备所要求的资格", "holds none of the required qualifications"),
    "qualification_unknown": ("所要求的资格情况不明", "the required qualifications are unknown"),
    "missing_prior": ("缺少上年研发费用", "the prior year's R&D expense is missing"),
    "prior_zero": ("上年研发费用为零，增速无定义", "prior-year R&D expense is zero: growth undefined"),
    "prior_below_min": ("上年研发费用基数低于下限", "the prior-year R&D base is below the minimum"),
    "growth_below_min": ("研发费用增速低于下限", "R&D growth below the minimum"),
    "on_top_list": ("已入选研发投入“十强”", "already on the largest-R&D list"),
    "beyond_size": ("排名在名额之外", "ranked beyond the number of places"),
}


def _reason(code: str | None) -> dict:
    zh, en = REASONS[code] if code else (None, None)
    return {"reason_code": code, "reason_zh": zh, "reason_en": en}


def _qualification(rec: _Rec, require: tuple[str, ...]) -> str | None:
    """None when eligible; any required flag true is enough, all false fails, otherwise unknown."""
    if not require:
        return None
    values = [getattr(rec, f) for f in require]
    if any(v is True for v in values):
        return None
    return "qualification_missing" if all(v is False for v in values) else "qualification_unknown"


def _intensity(rec: _Rec) -> Fraction | None:
    if rec.rd is None or rec.sales is None or rec.sales <= 0:
        return None
    return Fraction(rec.rd) / Fraction(rec.sales)


def _intensity_reason(rec: _Rec, minimum: Decimal | None) -> str | None:
    if minimum is None:
        return None
    if rec.sales is None:
        return "missing_sales"
    if rec.sales <= 0:
        return "intensity_undefined"
    return "intensity_below_min" if _intensity(rec) < Fraction(minimum) else None


def _rank(items: list[dict], primary: str, secondary, size: int, ties: str) -> None:
    """Rank in place: ``rank`` (1.. after tie-breaks), ``shared_rank`` (ties on ``primary`` share a place,
    competition style 1, 2, 2, 4) and ``listed``. Order: primary descending, then ``secondary(item)``
    ascending, then organization id (integers ascending, then text ascending), so the result never depends
    on input order. ``ties="break"`` lists exactly the first ``size``; ``"include_all"`` lists everyone whose
    shared rank is within ``size`` (the list may then be longer)."""
    items.sort(key=lambda it: (-it[primary], secondary(it), _org_key(it["rec"].org)))
    for i, it in enumerate(items):
        prev = items[i - 1] if i else None
        it["rank"] = i + 1
        it["shared_rank"] = prev["shared_rank"] if prev is not None and prev[primary] == it[primary] else i + 1
        it["listed"] = (it["rank"] if ties == "break" else it["shared_rank"]) <= size


def _float(x: Fraction | None) -> float | None:
    return None if x is None else float(x)


MONEY = pl.Decimal(38, 2)
RATE = pl.Decimal(38, 6)
RAW = pl.Decimal(38, 8)  # rate (≤ 6 decimals) × money (2 decimals): exact before capping and rounding
PROVENANCE = {"config_name": pl.String, "config_version": pl.String, "config_fingerprint": pl.String}


def _frame(rows: list[dict], schema: dict) -> pl.DataFrame:
    schema = {"organization_id": _org_dtype([r["organization_id"] for r in rows]), **schema}
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema, orient="row")


# ---------------------------------------------------------------------------------------------------
# 十强: largest R&D expense
# ---------------------------------------------------------------------------------------------------
_TOP_SCHEMA = {
    "rank": pl.Int64,
    "shared_rank": pl.Int64,
    "year": pl.Int64,
    "rd_expense": MONEY,
    "sales_revenue": MONEY,
    "rd_intensity": pl.Float64,
    "is_hte": pl.Boolean,
    "is_tech_sme": pl.Boolean,
    "listed": pl.Boolean,
    "reason_code": pl.String,
    "reason_zh": pl.String,
    "reason_en": pl.String,
    "list_size": pl.Int64,
    "min_rd_expense": MONEY,
    "min_rd_intensity": RATE,
    "require_any_of": pl.String,
    "ties": pl.String,
    **PROVENANCE,
}


def _top_items(recs: dict, year: int, cfg: IncentiveConfig) -> list[dict]:
    rules = cfg.top
    items = []
    for (_, y), rec in recs.items():
        if y != year:
            continue
        if rec.rd is None:
            reason = "missing_rd"
        elif rules.min_rd_expense is not None and rec.rd < rules.min_rd_expense:
            reason = "rd_below_min"
        else:
            reason = _intensity_reason(rec, rules.min_rd_intensity) or _qualification(rec, rules.require_any_of)
        items.append({"rec": rec, "rd": rec.rd, "intensity": _intensity(rec), "reason": reason})
    ranked = [it for it in items if it["reason"] is None]
    # Equal R&D: higher intensity first (unknown intensity last), then organization id.
    _rank(ranked, "rd", lambda it: (it["intensity"] is None, -(it["intensity"] or 0)), rules.size, rules.ties)
    for it in ranked:
        if not it["listed"]:
            it["reason"] = "beyond_size"
    return items


def _top_rows(items: list[dict], cfg: IncentiveConfig, include_excluded: bool) -> list[dict]:
    rules = cfg.top
    common = {
        "list_size": rules.size,
        "min_rd_expense": rules.min_rd_expense,
        "min_rd_intensity": rules.min_rd_intensity,
        "require_any_of": ",".join(rules.require_any_of),
        "ties": rules.ties,
        **cfg.provenance(),
    }
    rows = []
    for it in _ordered(items):
        if not include_excluded and not it.get("listed"):
            continue
        rec = it["rec"]
        rows.append(
            {
                "rank": it.get("rank"),
                "shared_rank": it.get("shared_rank"),
                "organization_id": rec.org,
                "year": rec.year,
                "rd_expense": rec.rd,
                "sales_revenue": rec.sales,
                "rd_intensity": _float(it["intensity"]),
                "is_hte": rec.is_hte,
                "is_tech_sme": rec.is_tech_sme,
                "listed": bool(it.get("listed")),
                **_reason(it["reason"]),
                **common,
            }
        )
    return rows


def _ordered(items: list[dict]) -> list[dict]:
    """Ranked items by rank, then the excluded ones by organization id."""
    return sorted(items, key=lambda it: (it.get("rank") is None, it.get("rank") or 0, _org_key(it["rec"].org)))


def top_rd_expense(frame, year: int, cfg: IncentiveConfig, *, include_excluded: bool = False) -> pl.DataFrame:
    """The 十强 list of ``year``: enterprises ranked by that year's R&D expense, the first ``size``.

    Only enterprises meeting the configured minimums take part: R&D expense ≥ ``min_rd_expense``, R&D
    intensity (R&D expense / sales revenue) ≥ ``min_rd_intensity`` (unknown or non-positive sales fail it),
    and one of ``require_any_of`` held (unknown fails). All minimums are inclusive.

    Ties: equal R&D expense share ``shared_rank``; ``rank`` orders them by R&D intensity (higher first,
    unknown last) and then by organization id, so the result never depends on row order. With
    ``ties="include_all"`` everyone tied at the last place is listed (the list may exceed ``size``).

    Columns: rank, shared_rank, organization_id, year, rd_expense, sales_revenue, rd_intensity (float, for
    display), is_hte, is_tech_sme, listed, reason_code/zh/en, the parameters applied (list_size,
    min_rd_expense, min_rd_intensity, require_any_of, ties) and config_name/version/fingerprint.
    ``include_excluded=True`` also returns the year's other enterprises with the reason they are not listed.
    """
    items = _top_items(_records(frame, _LIST_COLUMNS), year, cfg)
    return _frame(_top_rows(items, cfg, include_excluded), _TOP_SCHEMA)


# ---------------------------------------------------------------------------------------------------
# 十快: fastest R&D growth
# ---------------------------------------------------------------------------------------------------
_GROWTH_SCHEMA = {
    "rank": pl.Int64,
    "shared_rank": pl.Int64,
    "year": pl.Int64,
    "rd_expense": MONEY,
    "rd_expense_prior": MONEY,
    "rd_increase": MONEY,
    "rd_growth": pl.Float64,
    "sales_revenue": MONEY,
    "rd_intensity": pl.Float64,
    "is_hte": pl.Boolean,
    "is_tech_sme": pl.Boolean,
    "on_top_list": pl.Boolean,
    "listed": pl.Boolean,
    "reason_code": pl.String,
    "reason_zh": pl.String,
    "reason_en": pl.String,
    "list_size": pl.Int64,
    "min_prior_rd_expense": MONEY,
    "min_rd_expense": MONEY,
    "min_rd_intensity": RATE,
    "min_growth": RATE,
    "exclude_top_list": pl.Boolean,
    "require_any_of": pl.String,
    "ties": pl.String,
    **PROVENANCE,
}


def fastest_rd_growth(frame, year: int, cfg: IncentiveConfig, *, include_excluded: bool = False) -> pl.DataFrame:
    """The 十快 list of ``year``: enterprises ranked by R&D growth rd[year] / rd[year − 1] − 1, the first ``size``.

    Only where the prior-year base is at least ``min_prior_rd_expense`` (always above 0, so a tiny base
    cannot top the list and growth is defined), the year's R&D expense ≥ ``min_rd_expense``, growth ≥
    ``min_growth``, the optional intensity minimum and ``require_any_of`` (all inclusive). A missing prior
    year or prior R&D excludes the enterprise. With ``exclude_top_list`` the enterprises listed by
    ``top_rd_expense`` (same data, same configuration) are left out before the places are filled.

    Ties: equal growth (exact fractions) share ``shared_rank``; ``rank`` orders them by the increase in 元
    (larger first), then by organization id. ``ties`` as for ``top_rd_expense``.

    Columns: rank, shared_rank, organization_id, year, rd_expense, rd_expense_prior, rd_increase, rd_growth
    (float, for display), sales_revenue, rd_intensity, is_hte, is_tech_sme, on_top_list, listed,
    reason_code/zh/en, the parameters applied and config_name/version/fingerprint.
    """
    recs = _records(frame, _LIST_COLUMNS)
    rules = cfg.growth
    on_top = {it["rec"].org for it in _top_items(recs, year, cfg) if it.get("listed")}
    items = []
    for (org, y), rec in recs.items():
        if y != year:
            continue
        prior_rec = recs.get((org, year - 1))
        prior = prior_rec.rd if prior_rec is not None else None
        growth = None if rec.rd is None or not prior else Fraction(rec.rd) / Fraction(prior) - 1
        if rec.rd is None:
            reason = "missing_rd"
        elif prior is None:
            reason = "missing_prior"
        elif prior == 0:
            reason = "prior_zero"
        elif prior < rules.min_prior_rd_expense:
            reason = "prior_below_min"
        elif rules.min_rd_expense is not None and rec.rd < rules.min_rd_expense:
            reason = "rd_below_min"
        elif rules.min_growth is not None and growth < Fraction(rules.min_growth):
            reason = "growth_below_min"
        else:
            reason = _intensity_reason(rec, rules.min_rd_intensity) or _qualification(rec, rules.require_any_of)
        if reason is None and rules.exclude_top_list and org in on_top:
            reason = "on_top_list"
        items.append(
            {
                "rec": rec,
                "prior": prior,
                "growth": growth,
                "reason": reason,
                "increase": None if rec.rd is None or prior is None else rec.rd - prior,
            }
        )
    ranked = [it for it in items if it["reason"] is None]
    _rank(ranked, "growth", lambda it: -it["increase"], rules.size, rules.ties)
    common = {
        "list_size": rules.size,
        "min_prior_rd_expense": rules.min_prior_rd_expense,
        "min_rd_expense": rules.min_rd_expense,
        "min_rd_intensity": rules.min_rd_intensity,
        "min_growth": rules.min_growth,
        "exclude_top_list": rules.exclude_top_list,
        "require_any_of": ",".join(rules.require_any_of),
        "ties": rules.ties,
        **cfg.provenance(),
    }
    rows = []
    for it in _ordered(items):
        if it["reason"] is None and not it["listed"]:
            it["reason"] = "beyond_size"
        if not include_excluded and not it.get("listed"):
            continue
        rec = it["rec"]
        rows.append(
            {
                "rank": it.get("rank"),
                "shared_rank": it.get("shared_rank"),
                "organization_id": rec.org,
                "year": rec.year,
                "rd_expense": rec.rd,
                "rd_expense_prior": it["prior"],
                "rd_increase": it["increase"],
                "rd_growth": _float(it["growth"]),
                "sales_revenue": rec.sales,
                "rd_intensity": _float(_intensity(rec)),
                "is_hte": rec.is_hte,
                "is_tech_sme": rec.is_tech_sme,
                "on_top_list": rec.org in on_top,
                "listed": bool(it.get("listed")),
                **_reason(it["reason"]),
                **common,
            }
        )
    return _frame(rows, _GROWTH_SCHEMA)


# ---------------------------------------------------------------------------------------------------
# 基础+增量 subsidy
# ---------------------------------------------------------------------------------------------------
_SUBSIDY_SCHEMA = {
    "year": pl.Int64,
    "status": pl.String,
    "reason_code": pl.String,
    "reason_zh": pl.String,
    "reason_en": pl.String,
    "measure": pl.String,
    "base_amount": MONEY,
    "prior_amount": MONEY,
    "prior_basis": pl.String,
    "increase": MONEY,
    "base_rate": RATE,
    "base_part_uncapped": RAW,
    "base_cap": pl.Int64,
    "base_capped": pl.Boolean,
    "base_part": pl.Int64,
    "increment_rate": RATE,
    "increment_part_uncapped": RAW,
    "increment_cap": pl.Int64,
    "increment_capped": pl.Boolean,
    "increment_part": pl.Int64,
    "subtotal": pl.Int64,
    "total_cap": pl.Int64,
    "total_cap_reduction": pl.Int64,
    "after_caps": pl.Int64,
    "budget": pl.Int64,
    "budget_sum": pl.Int64,
    "budget_exceeded": pl.Boolean,
    "over_budget": pl.String,
    "scale_factor": pl.Float64,
    "budget_reduction": pl.Int64,
    "subsidy": pl.Int64,
    "rounding": pl.String,
    "is_hte": pl.Boolean,
    "is_tech_sme": pl.Boolean,
    **PROVENANCE,
}


def _round_yuan(amount: Decimal, mode: str) -> int:
    return int(amount.quantize(_YUAN, rounding=_ROUNDING[mode]))


def _capped(raw: Decimal, cap: int | None, mode: str) -> tuple[int, bool]:
    """Cap, then round to the 元. Caps are whole 元, so capping before or after rounding gives the same."""
    if cap is not None and raw > cap:
        return cap, True
    return _round_yuan(raw, mode), False


def base_plus_increment_subsidy(frame, year: int, cfg: IncentiveConfig) -> pl.DataFrame:
    """The 基础+增量 R&D subsidy of ``year``, per enterprise, with every step shown.

    For each enterprise with a row for ``year`` (B = the configured ``measure``: R&D expense, or the eligible
    R&D accepted for the super deduction; P = the same for ``year − 1``):

    1. eligibility: B known, B ≥ ``min_rd_expense`` and one of ``require_any_of`` held, else ``ineligible``
       (subsidy 0) or ``unknown`` (subsidy null, when B or a required qualification is unknown);
    2. base_part = min(base_rate × B, base_cap), rounded to the 元 (``rounding``: half_up = 四舍五入, or down);
    3. increment_part = min(increment_rate × max(0, B − P), increment_cap), rounded the same way. When P is
       missing, ``prior_missing`` decides: no_increment (0), as_zero (P = 0) or unknown (row unknown);
    4. subtotal = base_part + increment_part; after_caps = min(subtotal, total_cap);
    5. budget: when the sum of after_caps over computed rows exceeds ``budget`` and ``over_budget`` is
       pro_rata, subsidy = floor(after_caps × budget / sum) — rounded down so the total never exceeds the
       budget; the few 元 left over stay unallocated. report_only keeps after_caps and flags the excess.

    So subsidy = base_part + increment_part − total_cap_reduction − budget_reduction, all in whole 元.
    Caps (whole 元) and rates are parameters; see the configuration for their citations.
    """
    recs = _records(frame, _LIST_COLUMNS)
    rules = cfg.subsidy
    eligible_col = rules.measure == "rd_expense_eligible"
    common = {
        "measure": rules.measure,
        "base_rate": rules.base_rate,
        "base_cap": rules.base_cap,
        "increment_rate": rules.increment_rate,
        "increment_cap": rules.increment_cap,
        "total_cap": rules.total_cap,
        "budget": rules.budget,
        "over_budget": rules.over_budget,
        "rounding": rules.rounding,
        **cfg.provenance(),
    }
    rows = []
    for (org, y), rec in sorted(recs.items(), key=lambda kv: _org_key(kv[0][0])):
        if y != year:
            continue
        row = {"organization_id": org, "year": y, "is_hte": rec.is_hte, "is_tech_sme": rec.is_tech_sme, **common}
        rows.append(row)
        amount = rec.rd_eligible if eligible_col else rec.rd
        prior_rec = recs.get((org, year - 1))
        prior = None if prior_rec is None else (prior_rec.rd_eligible if eligible_col else prior_rec.rd)
        row.update(base_amount=amount, prior_amount=prior)
        qual = _qualification(rec, rules.require_any_of)
        if amount is None:
            row.update(status="unknown", **_reason("missing_eligible_rd" if eligible_col else "missing_rd"))
            continue
        if rules.min_rd_expense is not None and amount < rules.min_rd_expense:
            row.update(status="ineligible", subsidy=0, **_reason("rd_below_min"))
            continue
        if qual is not None:
            row.update(
                status="ineligible" if qual == "qualification_missing" else "unknown",
                subsidy=0 if qual == "qualification_missing" else None,
                **_reason(qual),
            )
            continue
        if prior is None and rules.prior_missing == "unknown":
            row.update(status="unknown", prior_basis="missing", **_reason("missing_prior"))
            continue
        if prior is None:
            basis = "missing_no_increment" if rules.prior_missing == "no_increment" else "missing_as_zero"
            increase = Decimal(0) if rules.prior_missing == "no_increment" else amount
        else:
            basis, increase = "given", max(Decimal(0), amount - prior)
        base_raw = rules.base_rate * amount
        incr_raw = rules.increment_rate * increase
        base_part, base_capped = _capped(base_raw, rules.base_cap, rules.rounding)
        incr_part, incr_capped = _capped(incr_raw, rules.increment_cap, rules.rounding)
        subtotal = base_part + incr_part
        after = subtotal if rules.total_cap is None else min(subtotal, rules.total_cap)
        row.update(
            status="computed",
            **_reason(None),
            prior_basis=basis,
            increase=increase,
            base_part_uncapped=base_raw,
            base_capped=base_capped,
            base_part=base_part,
            increment_part_uncapped=incr_raw,
            increment_capped=incr_capped,
            increment_part=incr_part,
            subtotal=subtotal,
            total_cap_reduction=subtotal - after,
            after_caps=after,
        )

    computed = [r for r in rows if r["status"] == "computed"]
    total = sum(r["after_caps"] for r in computed)
    exceeded = rules.budget is not None and total > rules.budget
    scale = exceeded and rules.over_budget == "pro_rata"
    for r in computed:
        # Integer arithmetic: exact, and floor keeps the sum within the budget.
        paid = r["after_caps"] * rules.budget // total if scale else r["after_caps"]
        r.update(
            budget_sum=total,
            budget_exceeded=exceeded,
            subsidy=paid,
            budget_reduction=r["after_caps"] - paid,
            scale_factor=float(Fraction(rules.budget, total)) if scale else None,
        )
    return _frame(rows, _SUBSIDY_SCHEMA)


# ---------------------------------------------------------------------------------------------------
# 研发费用加计扣除 estimate
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeductionEstimate:
    """An ESTIMATE of the R&D super deduction and the income tax it may save; not a tax assessment.

    extra_deduction = extra_on_expensed + extra_on_amortisation (each rounded to the 元), and
    estimated_tax_saving = extra_deduction × tax_rate (rounded to the 元). ``status``: estimated,
    excluded_industry (0), not_covered (year before the configured rule: nothing estimated) or unknown.
    """

    year: int | None
    rd_expense: Decimal | None
    capitalised: Decimal | None
    industry_code: str | None
    industry_check: str
    excluded_by: str | None
    special_120: bool
    special_applied: bool
    is_hte: bool | None
    status: str
    extra_rate: Decimal | None
    amortisation_rate: Decimal | None
    extra_on_expensed: int | None
    extra_on_amortisation: int | None
    extra_deduction: int | None
    tax_rate: Decimal | None
    tax_rate_basis: str | None
    estimated_tax_saving: int | None
    note_codes: str
    notes_zh: str
    notes_en: str
    rounding: str
    config_name: str
    config_version: str
    config_fingerprint: str
    disclaimer_zh: str = ESTIMATE_DISCLAIMER_ZH
    disclaimer_en: str = ESTIMATE_DISCLAIMER_EN

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _deduction_notes(cfg: IncentiveConfig) -> dict[str, tuple[str, str]]:
    ex = cfg.params["super_deduction.excluded_industries"]
    return {
        "rd_missing": ("缺少研发费用，未估算", "R&D expense missing: nothing estimated"),
        "not_covered": (
            "年度早于配置中加计扣除比例的起始年度（from_year），未估算",
            "year before the configured rule's first year (from_year): nothing estimated",
        ),
        "year_not_given": ("未给出年度，未核对比例的适用期间", "no year given: the rates' period was not checked"),
        "excluded_industry": (
            f"主营业务所属行业不适用加计扣除（{ex.number} {ex.article}）",
            f"main-business industry excluded from the super deduction ({ex.number} {ex.article})",
        ),
        "industry_not_given": ("未给出行业代码，未核对不适用行业清单", "no industry code: the excluded-industry list was not checked"),
        "industry_unrecognised": (
            "行业代码不是 GB/T 4754-2017 代码，未核对不适用行业清单",
            "industry code is not a GB/T 4754-2017 code: the excluded-industry list was not checked",
        ),
        "industry_ambiguous": (
            "行业代码过粗，清单只排除其中部分行业，按适用估算；请给出更细的代码",
            "industry code too coarse: the list excludes only part of it; estimated as eligible, give a finer code",
        ),
        "special_outside_period": (
            "集成电路/工业母机加计比例不适用于该年度，按一般比例估算",
            "the integrated-circuit / machine-tool rate does not cover this year: general rate used",
        ),
        "capitalised_missing": ("未给出无形资产摊销额，按0计", "no intangible-asset amortisation given: taken as 0"),
        "hte_unknown": ("高新技术企业资格不明，按一般税率估算", "HTE status unknown: the general tax rate is used"),
    }


def _deduction(rec: _Rec, year: int | None, cfg: IncentiveConfig, tax_rate: Decimal | None) -> DeductionEstimate:
    rules = cfg.deduction
    texts = _deduction_notes(cfg)
    notes: list[str] = []
    check, matched = industry_check(rec.industry_code, rules.excluded_industries)
    special = bool(rec.special_120)
    special_applied = special and (year is None or rules.special_from_year <= year <= rules.special_to_year)
    if year is None:
        notes.append("year_not_given")
    if special and not special_applied:
        notes.append("special_outside_period")
    notes += {"not_given": ["industry_not_given"], "unrecognised": ["industry_unrecognised"], "ambiguous": ["industry_ambiguous"]}.get(
        check, []
    )
    extra_rate = rules.special_extra_rate if special_applied else rules.extra_rate
    amort_rate = rules.special_amortisation_rate if special_applied else rules.amortisation_rate
    capitalised = rec.capitalised
    if capitalised is None:
        notes.append("capitalised_missing")
        capitalised = Decimal(0)
    if tax_rate is not None:
        rate, basis = tax_rate, "given"
    elif rec.is_hte:
        rate, basis = rules.hte_tax_rate, "hte"
    else:
        rate, basis = rules.general_tax_rate, "general"
        if rec.is_hte is None:
            notes.append("hte_unknown")
    values: dict[str, Any] = {
        "extra_on_expensed": None,
        "extra_on_amortisation": None,
        "extra_deduction": None,
        "estimated_tax_saving": None,
    }
    if rec.rd is None:
        status = "unknown"
        notes.insert(0, "rd_missing")
    elif year is not None and year < rules.from_year:
        status = "not_covered"
        notes.insert(0, "not_covered")
        extra_rate = amort_rate = None
    elif check == "excluded":
        status = "excluded_industry"
        notes.insert(0, "excluded_industry")
        values = dict.fromkeys(values, 0)
    else:
        status = "estimated"
        expensed = _round_yuan(extra_rate * rec.rd, rules.rounding)
        amortised = _round_yuan((amort_rate - 1) * capitalised, rules.rounding)  # the cost itself is not extra
        extra = expensed + amortised
        values = {
            "extra_on_expensed": expensed,
            "extra_on_amortisation": amortised,
            "extra_deduction": extra,
            "estimated_tax_saving": _round_yuan(extra * rate, rules.rounding),
        }
    return DeductionEstimate(
        year=year,
        rd_expense=rec.rd,
        capitalised=capitalised,
        industry_code=rec.industry_code,
        industry_check=check,
        excluded_by=matched,
        special_120=special,
        special_applied=special_applied,
        is_hte=rec.is_hte,
        status=status,
        extra_rate=extra_rate,
        amortisation_rate=amort_rate,
        tax_rate=rate,
        tax_rate_basis=basis,
        **values,
        note_codes=",".join(notes),
        notes_zh="；".join(texts[n][0] for n in notes),
        notes_en="; ".join(texts[n][1] for n in notes),
        rounding=rules.rounding,
        **cfg.provenance(),
    )


def super_deduction_estimate(
    rd_expense,
    cfg: IncentiveConfig,
    *,
    capitalised=0,
    industry_code=None,
    special_120: bool = False,
    tax_rate=None,
    is_hte: bool | None = False,
    year: int | None = None,
) -> DeductionEstimate:
    """ESTIMATE (not a tax assessment) of one enterprise-year's 研发费用加计扣除 and the tax it may save.

    * ``rd_expense``: R&D expensed in the year (未形成无形资产、计入当期损益), in 元. Extra deduction =
      ``extra_rate`` × it (100%, 财政部 税务总局公告2023年第7号, [C]).
    * ``capitalised``: the year's amortisation of intangible assets formed by R&D, in 元. Amortised at
      ``amortisation_rate`` (200%) of cost, so the extra part is (200% − 100%) × the amortisation.
    * ``special_120``: integrated-circuit or machine-tool (工业母机) enterprise: ``special_extra_rate``
      (120%) and ``special_amortisation_rate`` (220%) within their years (公告2023年第44号, [M]).
    * ``industry_code``: main-business GB/T 4754-2017 code; an industry on ``excluded_industries``
      (财税〔2015〕119号 第四条, [M]) gets 0. Not given or not recognised: estimated, with a note.
    * ``tax_rate``: an applicable income-tax rate (e.g. a small low-profit enterprise's); else
      ``hte_tax_rate`` (15%, 企业所得税法 第二十八条) when ``is_hte``, otherwise ``general_tax_rate``
      (25%, 第四条). estimated_tax_saving = extra_deduction × rate, assuming taxable income suffices.
    * ``year``: checks the rates' period (before ``from_year`` nothing is estimated); None skips the check.

    Amounts are rounded to the 元 per ``super_deduction.rounding``. Returns a ``DeductionEstimate``.
    """
    where = "super_deduction_estimate"
    rate = _rate(tax_rate, "tax_rate", where)
    rec = _Rec(
        org=0,
        year=year if year is not None else 0,
        rd=_money(rd_expense, "rd_expense", where),
        capitalised=_money(capitalised, "capitalised", where),
        industry_code=None if industry_code is None or not str(industry_code).strip() else str(industry_code).strip(),
        special_120=_flag(special_120, "special_120", where),
        is_hte=_flag(is_hte, "is_hte", where),
    )
    return _deduction(rec, year, cfg, rate)


_DEDUCTION_SCHEMA = {
    "year": pl.Int64,
    "status": pl.String,
    "rd_expense": MONEY,
    "capitalised": MONEY,
    "industry_code": pl.String,
    "industry_check": pl.String,
    "excluded_by": pl.String,
    "special_120": pl.Boolean,
    "special_applied": pl.Boolean,
    "extra_rate": RATE,
    "amortisation_rate": RATE,
    "extra_on_expensed": pl.Int64,
    "extra_on_amortisation": pl.Int64,
    "extra_deduction": pl.Int64,
    "is_hte": pl.Boolean,
    "tax_rate": RATE,
    "tax_rate_basis": pl.String,
    "estimated_tax_saving": pl.Int64,
    "note_codes": pl.String,
    "notes_zh": pl.String,
    "notes_en": pl.String,
    "rounding": pl.String,
    **PROVENANCE,
}


def super_deduction_frame(frame, cfg: IncentiveConfig, *, year: int | None = None) -> pl.DataFrame:
    """``super_deduction_estimate`` for every row (or only the rows of ``year``): an ESTIMATE, not a tax
    assessment. Reads ``organization_id, year, rd_expense`` and optionally ``capitalised``, ``industry_code``,
    ``special_120``, ``is_hte``, ``tax_rate`` (a row's own applicable rate). Each row's own year checks the
    rates' period. Columns: those of ``DeductionEstimate`` (without the disclaimer) plus organization_id.
    """
    rows = []
    for (org, y), rec in sorted(_records(frame, _DEDUCTION_COLUMNS).items(), key=lambda kv: (_org_key(kv[0][0]), kv[0][1])):
        if year is not None and y != year:
            continue
        est = _deduction(rec, y, cfg, rec.tax_rate)
        rows.append({"organization_id": org, **est.as_dict()})
    return _frame(rows, _DEDUCTION_SCHEMA)
