"""Enterprise innovation points (企业创新积分): a configurable indicator system, scores, ranks, bank lists.

Plain Python and Polars, no Django: the services, the CLI and the tests call these functions with a
frame and a config and get frames back.

Why a configurable system and not "the" national table
------------------------------------------------------
The 2024 national trial version (《“创新积分制”工作指引（全国试行版）》, 科技部办公厅 2024-08) has three
一级指标 (技术创新指标, 成长经营指标, 辅助指标), 18 二级指标 and separate weights for 初创期 / 成长期 /
稳定期 [C], but the indicator names, the weights and the scoring function were NOT found [NF]
(policy-rules.md §3.3). So this module computes whatever a bureau configures; the shipped
``config/innovation-points-example.json`` is a labelled EXAMPLE (its ``status`` is ``"example"``) whose
indicators and weights must be replaced by the bureau's own table.

Config (JSON; ``load_points_config(name)`` reads ``config/NAME.json``, ``parse_points_config(raw)`` a dict)
    ``kind``            ``"innovation_points"`` (the directory also holds other kinds of config)
    ``name``, ``version``, ``status`` (``"example"`` | ``"adopted"``), ``label_zh``, ``label_en``
                        an example's labels must say so (``示例`` / ``EXAMPLE``), so every screen showing them does
    ``documents``       ``{key: {number, title, issued}}`` cited by ``{"doc", "article", "tag"}`` (tag C/S/M/NF)
    ``parameters``      ``{name: {value, tag, note}}``; ``"$name"`` anywhere in the config stands for its value,
                        a caller may override values (``load_points_config(name, params={...})``)
    ``extra_inputs``    ``{column: {type: money|count|ratio|number|bool, zh, en}}`` beyond ``INPUTS``
    ``categories``      ``[{code, zh, en}]`` (the example: tech_innovation / growth_operation / auxiliary)
    ``stages``          ``{"rules": [{code, zh, en, when}], "if_unknown": code | null, "cite"}``: the first
                        stage whose ``when`` holds; the last stage has no ``when`` (catch-all). If a condition
                        cannot be decided (an input is unknown) before one holds, the stage is ``if_unknown``;
                        ``null`` leaves the enterprise unscored (no points, no rank, not on any list).
    ``indicators``      ``[{code, zh, en, category, input, scoring, higher_is_better, weights, cite}]``:
                        ``weights`` = ``{stage: points}``; for every stage the weights sum to 100.
    ``rank_lists``      ``{"scope": "stage"|"overall", "count_rounding": "floor"|"ceil", "lists":
                        [{code, zh, en, top_share, min_points?}], "cite"}``
    ``bank``            ``{"shared_fields": [...], "rank_basis": "stage"|"overall", "min_points", "top_share"}``

Values (an indicator's ``input``, and the two sides of a stage condition)
    ``"rd_expense@-1"``                          column of accounting year Y−1 (Y = the scoring year)
    ``{"ratio": [a, b]}``                        a ÷ b; unknown when b ≤ 0 (a share of a non-positive total means nothing)
    ``{"growth": col, "from": -2, "to": -1}``    (to − from) ÷ |from|; unknown when ``from`` is 0.
                                                 ``"annualised": true``: compound rate (to/from)^(1/years) − 1,
                                                 unknown unless from > 0 and to ≥ 0
    ``{"sum": [a, b, ...]}``                     a + b + …; unknown if any part is
    ``{"age_years": "registered_on", "as_of": "12-31@-1"}``   whole years completed on 31 Dec of Y−1
    a number or ``"$param"``                     a constant
    Boolean columns (Boolean or 0/1 in the frame) read as 1 (true) / 0 (false).
Conditions: ``[value, op, value]`` (op >= > <= < == !=), ``{"all": [...]}``, ``{"any": [...]}``,
``{"not": cond}``; three-valued (Kleene): an unknown input leaves a comparison unknown.

Scoring: every indicator gives a score s in [0, 1]; its points are s × the stage weight.
    ``{"linear": {"min": lo, "max": hi}}``  higher_is_better: s = (v − lo)/(hi − lo) capped to [0, 1];
                                            otherwise s = (hi − v)/(hi − lo) capped.
    ``{"percentile": {"nonpositive_zero": bool}}``  the share of the stage cohort (same stage, value known)
                                            whose value is not better than v: rank("max")/n, SQL CUME_DIST. The
                                            best firm gets 1, ties share the higher score, a cohort of one
                                            gets 1. ``nonpositive_zero`` (higher_is_better only): values ≤ 0
                                            score 0 and stay out of the cohort (no patents is not "a rank").
    ``{"bands": [[op, bound, percent], ...], "else": percent}``  the first row that holds; percent 0–100.
Missing value → 0 points: an unknown value (column absent from the frame, no row for that year, an
undefined ratio or growth) scores 0 whatever the scoring function, and its code is listed in
``missing_indicators``. A bureau scoring only on data it holds treats "not reported" as "nothing to show".

Points and ranks
    ``total_points`` = Σ indicator points (0–100), rounded to 2 decimals half away from zero on the binary
    float; ``points_<category>`` likewise (so their sum may differ from the total by ±0.01 per category).
    Ranks use the rounded total, descending; equal published totals share the best rank (competition
    ranking "1224"), and rows with equal totals are ordered by organization_id — deterministic.
    A list (领跑榜 …) takes rank ≤ floor (or ceil, per ``count_rounding``) of top_share × n in its scope,
    n = scored enterprises in the scope; ties at the cut all stay in. Lists are cumulative shares: an
    enterprise gets the first list it qualifies for.

Input frame: one row per enterprise and accounting year, ``organization_id, year`` plus any of ``INPUTS``
(money in 元). Columns absent from the frame are unknown for every enterprise; ``registered_on`` is a Date
or ``YYYY-MM-DD`` text, the first non-empty one per enterprise is used; NaN is unknown.
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from heluo.cultivation.engine.rules import Cite  # the same citation record as the qualification rule sets

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
KIND = "innovation_points"
TAGS = ("C", "S", "M", "NF")
OPS = (">=", ">", "<=", "<", "==", "!=")
STATUSES = ("example", "adopted")
INPUT_TYPES = ("money", "count", "ratio", "number", "bool")
MAX_OFFSET = 5  # how many years back an indicator may read

# The annual registry columns (issue 4) and the extras an innovation-points table plausibly reads.
# Optional columns are welcome but never required: what a frame lacks is unknown for everyone.
INPUTS: dict[str, tuple[str, str, str]] = {
    "total_staff": ("count", "职工总数", "total staff"),
    "st_staff": ("count", "科技人员数", "S&T staff"),
    "sales_revenue": ("money", "销售收入", "sales revenue"),
    "total_income": ("money", "总收入", "total income"),
    "hitech_income": ("money", "高新技术产品（服务）收入", "high-tech product/service income"),
    "rd_expense": ("money", "研发费用", "R&D expense"),
    "total_assets": ("money", "资产总额", "total assets"),
    "net_assets": ("money", "净资产", "net assets"),
    "ip_class1": ("count", "Ⅰ类知识产权数", "class I IP items"),
    "ip_class2": ("count", "Ⅱ类知识产权数", "class II IP items"),
    "net_profit": ("money", "净利润", "net profit"),
    "equity_financing": ("money", "股权融资额", "equity financing"),
    "tech_contract_turnover": ("money", "技术合同成交额", "technology contract turnover"),
    "has_valid_hte": ("bool", "有效期内高新技术企业", "holds a valid HTE certificate"),
    "is_tech_sme": ("bool", "入库科技型中小企业", "registered tech-based SME"),
}
ENTERPRISE_INPUTS = {"registered_on": ("date", "注册成立日期", "date of registration")}

# Output columns that carry no raw financial figure and so may be shared with a bank.
_SHAREABLE = (
    "organization_id",
    "year",
    "stage",
    "stage_zh",
    "stage_en",
    "total_points",
    "rank_stage",
    "rank_overall",
    "stage_size",
    "overall_size",
    "label",
    "label_zh",
    "label_en",
    "config_name",
    "config_version",
)


class PointsConfigError(ValueError):
    """A config error naming the field, in Chinese and English (``.field``, ``.zh``, ``.en``)."""

    def __init__(self, name: str, field_: str, zh: str, en: str):
        super().__init__(f"{name}: {field_}: {zh} / {en}")
        self.field, self.zh, self.en = field_, zh, en


@dataclass(frozen=True)
class Category:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Stage:
    code: str
    zh: str
    en: str
    when: dict | None  # normalised condition; None = catch-all (the last stage)


@dataclass(frozen=True)
class Indicator:
    code: str
    zh: str
    en: str
    category: str
    input: dict  # normalised value node
    scoring: dict  # {"fn": "linear"|"percentile"|"bands", ...}
    higher_is_better: bool
    weights: dict[str, float]
    cites: tuple[Cite, ...]
    note_zh: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class RankList:
    code: str
    zh: str
    en: str
    top_share: float
    min_points: float | None


@dataclass(frozen=True)
class BankPolicy:
    shared_fields: tuple[str, ...]
    rank_basis: str
    min_points: float | None
    top_share: float | None
    note_zh: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class PointsConfig:
    name: str
    version: str
    status: str
    label_zh: str
    label_en: str
    documents: dict
    parameters: dict
    inputs: dict[str, tuple[str, str, str]]
    categories: tuple[Category, ...]
    stages: tuple[Stage, ...]
    stage_if_unknown: str | None
    stage_cites: tuple[Cite, ...]
    indicators: tuple[Indicator, ...]
    rank_scope: str
    count_rounding: str
    rank_lists: tuple[RankList, ...]
    rank_cites: tuple[Cite, ...]
    bank: BankPolicy
    notes_zh: str = ""
    notes_en: str = ""
    reads: frozenset = field(default=frozenset(), compare=False)  # {(column, offset or None)}

    @property
    def is_example(self) -> bool:
        return self.status == "example"

    def stage(self, code: str) -> Stage:
        return next(s for s in self.stages if s.code == code)

    def category_weights(self) -> dict[str, dict[str, float]]:
        """{stage: {category: Σ weights}} — what a bureau checks against its published table."""
        return {
            s.code: {c.code: sum(i.weights[s.code] for i in self.indicators if i.category == c.code) for c in self.categories}
            for s in self.stages
        }


# --------------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------------

_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_REF = re.compile(r"^([a-z][a-z0-9_]*)@(-?\d+)$")
_PARAM = re.compile(r"^\$([a-z_][a-z0-9_]*)$")
_AS_OF = re.compile(r"^(\d\d)-(\d\d)@(-?\d+)$")


def is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


class _Parser:
    def __init__(self, raw: dict):
        self.raw = raw
        self.name = str(raw.get("name") or "?")
        self.inputs: dict[str, tuple[str, str, str]] = dict(INPUTS)
        self.reads: set = set()

    def fail(self, where: str, zh: str, en: str):
        raise PointsConfigError(self.name, where, zh, en)

    def need(self, obj: dict, key: str, where: str, kind=str):
        v = obj.get(key) if isinstance(obj, dict) else None
        ok = is_number(v) if kind == "number" else isinstance(v, kind) and (v != "" if kind is str else True)
        if not ok:
            want = {
                "number": ("数字", "a number"),
                str: ("非空文字", "non-empty text"),
                list: ("列表", "a list"),
                dict: ("对象", "an object"),
                bool: ("true/false", "true/false"),
            }[kind]
            self.fail(f"{where}.{key}", f"缺少或应为{want[0]}", f"missing or not {want[1]}")
        return v

    def code(self, obj: dict, where: str, seen: set) -> str:
        c = self.need(obj, "code", where)
        if not _CODE.match(c):
            self.fail(f"{where}.code", f"代码 {c!r} 须为小写字母、数字和下划线", f"code {c!r} must be lower-case letters, digits, _")
        if c in seen:
            self.fail(f"{where}.code", f"代码 {c!r} 重复", f"duplicate code {c!r}")
        seen.add(c)
        self.need(obj, "zh", where)
        self.need(obj, "en", where)
        return c

    def cites(self, raw, where: str) -> tuple[Cite, ...]:
        items = raw if isinstance(raw, list) else [raw]
        if not items or raw is None:
            self.fail(where, "缺少出处（cite）", "missing citation (cite)")
        docs = self.raw.get("documents") or {}
        out = []
        for n, c in enumerate(items):
            w = f"{where}[{n}]" if isinstance(raw, list) else where
            if not isinstance(c, dict) or c.get("doc") not in docs:
                self.fail(
                    f"{w}.doc",
                    f"引用了未定义的文件 {c.get('doc') if isinstance(c, dict) else c!r}",
                    f"cites an unknown document {c.get('doc') if isinstance(c, dict) else c!r}",
                )
            if c.get("tag") not in TAGS:
                self.fail(f"{w}.tag", f"可信度标签须为 {'/'.join(TAGS)}", f"the confidence tag must be one of {TAGS}")
            self.need(c, "article", w)
            d = docs[c["doc"]]
            out.append(Cite(c["doc"], str(d.get("number", "")), str(d.get("title", "")), c["article"], c["tag"]))
        return tuple(out)

    # values ----------------------------------------------------------------------------------------
    def ref(self, text: str, where: str, allow_bool: bool = True) -> dict:
        m = _REF.match(text)
        if not m:
            if text in ENTERPRISE_INPUTS:
                self.fail(
                    where, f"{text!r} 是企业级日期，只能用于 age_years", f"{text!r} is an enterprise-level date, usable only in age_years"
                )
            self.fail(
                where,
                f"未知输入 {text!r}（应写作 列名@年度偏移，如 rd_expense@-1）",
                f"unknown input {text!r} (write column@offset, e.g. rd_expense@-1)",
            )
        col, off = m.group(1), int(m.group(2))
        if col not in self.inputs:
            self.fail(where, f"未知输入 {col!r}", f"unknown input {col!r}")
        if not -MAX_OFFSET <= off <= 0:
            self.fail(where, f"年度偏移须在 -{MAX_OFFSET} 到 0 之间", f"the year offset must be within -{MAX_OFFSET}..0")
        if not allow_bool and self.inputs[col][0] == "bool":
            self.fail(where, f"布尔输入 {col!r} 不能参与比值、增长或求和", f"boolean input {col!r} cannot enter a ratio, growth or sum")
        self.reads.add((col, off))
        return {"k": "col", "col": col, "off": off, "bool": self.inputs[col][0] == "bool"}

    def value(self, x, where: str, arithmetic: bool = False) -> dict:
        if is_number(x):
            return {"k": "const", "v": float(x)}
        if isinstance(x, str):
            return self.ref(x, where, allow_bool=not arithmetic)
        if not isinstance(x, dict) or len(x.keys() & _VALUE_KEYS) != 1:
            self.fail(
                where,
                f"不是有效的取值：{x!r}（应为 列名@偏移 或含 {sorted(_VALUE_KEYS)} 之一的对象）",
                f"not a value: {x!r} (column@offset or an object with one of {sorted(_VALUE_KEYS)})",
            )
        key = next(iter(x.keys() & _VALUE_KEYS))
        if key == "ratio":
            args = x["ratio"]
            if not isinstance(args, list) or len(args) != 2:
                self.fail(f"{where}.ratio", "比值须为 [分子, 分母]", "ratio takes [numerator, denominator]")
            return {"k": "ratio", "args": [self.value(a, f"{where}.ratio[{n}]", True) for n, a in enumerate(args)]}
        if key == "sum":
            args = x["sum"]
            if not isinstance(args, list) or not args:
                self.fail(f"{where}.sum", "求和须为非空列表", "sum takes a non-empty list")
            return {"k": "sum", "args": [self.value(a, f"{where}.sum[{n}]", True) for n, a in enumerate(args)]}
        if key == "growth":
            col = x["growth"]
            a, b = x.get("from"), x.get("to")
            if not (isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool) and a < b):
                self.fail(f"{where}.growth", "增长率须给出整数年度偏移 from < to", "growth needs integer offsets from < to")
            if not isinstance(col, str):
                self.fail(f"{where}.growth", "增长率须给出列名", "growth takes a column name")
            self.ref(f"{col}@{a}", f"{where}.growth", allow_bool=False)
            self.ref(f"{col}@{b}", f"{where}.growth", allow_bool=False)
            annualised = x.get("annualised", False)
            if not isinstance(annualised, bool):
                self.fail(f"{where}.annualised", "须为 true/false", "must be true/false")
            return {"k": "growth", "col": col, "from": a, "to": b, "annualised": annualised}
        # age_years
        if x["age_years"] != "registered_on":
            self.fail(f"{where}.age_years", "企业年龄只能读取 registered_on", "age_years reads registered_on only")
        m = _AS_OF.match(str(x.get("as_of", "")))
        if not m or not (1 <= int(m.group(1)) <= 12 and 1 <= int(m.group(2)) <= 31):
            self.fail(f"{where}.as_of", "须写作 MM-DD@偏移，如 12-31@-1", "write MM-DD@offset, e.g. 12-31@-1")
        self.reads.add(("registered_on", None))
        return {"k": "age", "month": int(m.group(1)), "day": int(m.group(2)), "off": int(m.group(3))}

    def cond(self, x, where: str) -> dict:
        if isinstance(x, list):
            if len(x) != 3 or x[1] not in OPS:
                self.fail(
                    where, f"比较须为 [值, 运算符, 值]，运算符为 {' '.join(OPS)}", f"a comparison is [value, op, value] with op in {OPS}"
                )
            return {"k": "cmp", "a": self.value(x[0], f"{where}[0]"), "op": x[1], "b": self.value(x[2], f"{where}[2]")}
        if isinstance(x, dict) and len(x) == 1 and next(iter(x)) in ("all", "any") and isinstance(next(iter(x.values())), list):
            k = next(iter(x))
            return {"k": k, "args": [self.cond(c, f"{where}.{k}[{n}]") for n, c in enumerate(x[k])]}
        if isinstance(x, dict) and list(x) == ["not"]:
            return {"k": "not", "arg": self.cond(x["not"], f"{where}.not")}
        self.fail(where, f"不是有效的条件：{x!r}", f"not a condition: {x!r}")

    # scoring -------------------------------------------------------------------------------------
    def scoring(self, x, where: str, higher: bool) -> dict:
        if not isinstance(x, dict) or len(x.keys() & {"linear", "percentile", "bands"}) != 1:
            self.fail(where, "计分方式须为 linear、percentile、bands 之一", "scoring must be one of linear, percentile, bands")
        if "linear" in x:
            lo = self.need(x["linear"], "min", f"{where}.linear", "number")
            hi = self.need(x["linear"], "max", f"{where}.linear", "number")
            if not lo < hi:
                self.fail(f"{where}.linear", "须满足 min < max", "min must be below max")
            return {"fn": "linear", "min": float(lo), "max": float(hi)}
        if "percentile" in x:
            opts = x["percentile"] if isinstance(x["percentile"], dict) else {}
            npz = opts.get("nonpositive_zero", False)
            if not isinstance(npz, bool) or (npz and not higher):
                self.fail(
                    f"{where}.percentile.nonpositive_zero",
                    "须为 true/false，且仅用于越大越好的指标",
                    "must be true/false, and true only for higher-is-better indicators",
                )
            return {"fn": "percentile", "nonpositive_zero": npz}
        rows = x["bands"]
        if not isinstance(rows, list) or not rows:
            self.fail(f"{where}.bands", "分档表须为非空列表", "bands takes a non-empty list of rows")
        out = []
        for n, row in enumerate(rows):
            w = f"{where}.bands[{n}]"
            if not (isinstance(row, list) and len(row) == 3 and row[0] in OPS and is_number(row[1]) and is_number(row[2])):
                self.fail(w, "每档为 [运算符, 界值, 得分百分比]", "a band row is [op, bound, percent]")
            if not 0 <= row[2] <= 100:
                self.fail(w, "得分百分比须在 0–100 之间", "the percent must be within 0–100")
            out.append((row[0], float(row[1]), float(row[2])))
        other = x.get("else", 0)
        if not (is_number(other) and 0 <= other <= 100):
            self.fail(f"{where}.else", "得分百分比须在 0–100 之间", "the percent must be within 0–100")
        return {"fn": "bands", "rows": out, "else": float(other)}


_VALUE_KEYS = {"ratio", "sum", "growth", "age_years"}


def _substitute(node, params: dict, path: str, fail):
    """Replace every "$name" by the parameter's value (validation then sees plain data)."""
    if isinstance(node, dict):
        return {k: _substitute(v, params, f"{path}.{k}" if path else k, fail) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, params, f"{path}[{n}]", fail) for n, v in enumerate(node)]
    if isinstance(node, str) and (m := _PARAM.match(node)):
        if m.group(1) not in params:
            fail(path, f"未定义的参数 {node}", f"unknown parameter {node}")
        return params[m.group(1)]["value"]
    return node


def parse_points_config(raw: dict, params: dict | None = None) -> PointsConfig:
    """Validate an innovation-points config given as a dict (a shipped file, or one edited in the UI)."""
    raw = copy.deepcopy(raw)
    if not isinstance(raw, dict):
        raise PointsConfigError("?", "(root)", "配置须为 JSON 对象", "the config must be a JSON object")
    p = _Parser(raw)
    if raw.get("kind") != KIND:
        p.fail("kind", f"须为 {KIND!r}（该文件不是创新积分配置）", f"must be {KIND!r} (this is not an innovation-points config)")
    for key in ("name", "version", "label_zh", "label_en"):
        p.need(raw, key, "(root)")
    status = raw.get("status")
    if status not in STATUSES:
        p.fail("status", f"须为 {'/'.join(STATUSES)}", f"must be one of {STATUSES}")
    if status == "example" and ("示例" not in raw["label_zh"] or "EXAMPLE" not in raw["label_en"]):
        # Whatever screen or export shows the label then tells the reader these are not official values.
        p.fail("label_zh/label_en", "示例配置的标题须含“示例”和“EXAMPLE”", "an example config's labels must contain 示例 and EXAMPLE")
    docs = p.need(raw, "documents", "(root)", dict)
    for key, d in docs.items():
        if not isinstance(d, dict) or not d.get("title"):
            p.fail(f"documents.{key}", "每个文件须有 title", "every document needs a title")

    declared = copy.deepcopy(raw.get("parameters") or {})
    for name, spec in declared.items():
        if not isinstance(spec, dict) or "value" not in spec or spec.get("tag") not in TAGS or not (spec.get("note") or spec.get("cite")):
            p.fail(
                f"parameters.{name}",
                f"须有 value、tag（{'/'.join(TAGS)}）和 note 或 cite",
                f"needs value, tag in {TAGS} and a note or cite",
            )
    for name, value in (params or {}).items():
        if name not in declared:
            p.fail(f"parameters.{name}", "没有可覆盖的同名参数", "no such parameter to override")
        old = declared[name]["value"]
        if type(value) is not type(old) and not (is_number(value) and is_number(old)):
            p.fail(f"parameters.{name}", f"类型须保持为 {type(old).__name__}", f"must stay a {type(old).__name__}")
        declared[name]["value"] = value
    body = _substitute({k: v for k, v in raw.items() if k != "parameters"}, declared, "", p.fail)

    for name, spec in (body.get("extra_inputs") or {}).items():
        if name in p.inputs or name in ENTERPRISE_INPUTS or not _CODE.match(name):
            p.fail(f"extra_inputs.{name}", "须为新的小写列名", "must be a new lower-case column name")
        if not isinstance(spec, dict) or spec.get("type") not in INPUT_TYPES or not spec.get("zh") or not spec.get("en"):
            p.fail(f"extra_inputs.{name}", f"须有 type（{'/'.join(INPUT_TYPES)}）、zh 和 en", f"needs type in {INPUT_TYPES}, zh and en")
        p.inputs[name] = (spec["type"], spec["zh"], spec["en"])

    seen: set = set()
    categories = []
    for n, c in enumerate(p.need(body, "categories", "(root)", list)):
        categories.append(Category(p.code(c, f"categories[{n}]", seen), c["zh"], c["en"]))
    if not categories:
        p.fail("categories", "至少需要一个一级指标", "at least one category is needed")

    st = p.need(body, "stages", "(root)", dict)
    rules = p.need(st, "rules", "stages", list)
    if not rules:
        p.fail("stages.rules", "至少需要一个阶段", "at least one stage is needed")
    seen = set()
    stages = []
    for n, s in enumerate(rules):
        w = f"stages.rules[{n}]"
        code = p.code(s, w, seen)
        last = n == len(rules) - 1
        if last and "when" in s:
            p.fail(f"{w}.when", "最后一个阶段不设条件（兜底）", "the last stage has no condition (it takes the rest)")
        if not last and "when" not in s:
            p.fail(f"{w}.when", "除最后一个阶段外都须有条件", "every stage but the last needs a condition")
        stages.append(Stage(code, s["zh"], s["en"], None if last else p.cond(s["when"], f"{w}.when")))
    codes = [s.code for s in stages]
    if_unknown = st.get("if_unknown")
    if if_unknown is not None and if_unknown not in codes:
        p.fail("stages.if_unknown", f"须为阶段代码或 null：{codes}", f"must be a stage code or null: {codes}")
    stage_cites = p.cites(st.get("cite"), "stages.cite")

    seen = set()
    indicators = []
    cat_codes = [c.code for c in categories]
    for n, i in enumerate(p.need(body, "indicators", "(root)", list)):
        w = f"indicators[{n}]"
        code = p.code(i, w, seen)
        w = f"indicators[{code}]"
        if i.get("category") not in cat_codes:
            p.fail(
                f"{w}.category",
                f"未知的一级指标 {i.get('category')!r}，可选：{cat_codes}",
                f"unknown category {i.get('category')!r}; known: {cat_codes}",
            )
        higher = p.need(i, "higher_is_better", w, bool)
        if "input" not in i:
            p.fail(f"{w}.input", "缺少输入", "missing input")
        node = p.value(i["input"], f"{w}.input")
        if node["k"] == "const":
            p.fail(f"{w}.input", "指标须读取企业数据，不能是常数", "an indicator reads enterprise data, not a constant")
        scoring = p.scoring(i.get("scoring"), f"{w}.scoring", higher)
        weights = p.need(i, "weights", w, dict)
        if set(weights) != set(codes):
            p.fail(f"{w}.weights", f"须为每个阶段给出权重：{codes}", f"needs a weight for every stage: {codes}")
        for s, v in weights.items():
            if not (is_number(v) and v >= 0):
                p.fail(f"{w}.weights.{s}", "权重须为非负数", "a weight must be a non-negative number")
        indicators.append(
            Indicator(
                code,
                i["zh"],
                i["en"],
                i["category"],
                node,
                scoring,
                higher,
                {s: float(weights[s]) for s in codes},
                p.cites(i.get("cite"), f"{w}.cite"),
                i.get("note_zh", ""),
                i.get("note_en", ""),
            )
        )
    if not indicators:
        p.fail("indicators", "至少需要一个指标", "at least one indicator is needed")
    for s in codes:
        total = sum(i.weights[s] for i in indicators)
        if abs(total - 100) > 1e-6:
            p.fail(
                f"indicators[*].weights.{s}",
                f"阶段 {s} 的权重之和为 {total:g}，须为 100",
                f"the weights of stage {s} sum to {total:g}, not 100",
            )

    rl = p.need(body, "rank_lists", "(root)", dict)
    scope = rl.get("scope")
    if scope not in ("stage", "overall"):
        p.fail("rank_lists.scope", "须为 stage 或 overall", "must be stage or overall")
    rounding = rl.get("count_rounding")
    if rounding not in ("floor", "ceil"):
        p.fail("rank_lists.count_rounding", "须为 floor 或 ceil", "must be floor or ceil")
    seen = set()
    lists = []
    prev = 0.0
    for n, x in enumerate(p.need(rl, "lists", "rank_lists", list)):
        w = f"rank_lists.lists[{n}]"
        code = p.code(x, w, seen)
        share = p.need(x, "top_share", w, "number")
        if not prev < share <= 1:
            p.fail(f"{w}.top_share", "须在 (0, 1] 内且逐项递增（累计比例）", "must be within (0, 1] and increasing (cumulative shares)")
        prev = share
        mp = x.get("min_points")
        if mp is not None and not (is_number(mp) and 0 <= mp <= 100):
            p.fail(f"{w}.min_points", "须为 0–100 的数字或 null", "must be a number within 0–100 or null")
        lists.append(RankList(code, x["zh"], x["en"], float(share), None if mp is None else float(mp)))
    rank_cites = p.cites(rl.get("cite"), "rank_lists.cite")

    bank = _bank_policy(p, p.need(body, "bank", "(root)", dict), cat_codes, [i.code for i in indicators])
    return PointsConfig(
        name=body["name"],
        version=body["version"],
        status=status,
        label_zh=body["label_zh"],
        label_en=body["label_en"],
        documents=docs,
        parameters=declared,
        inputs=p.inputs,
        categories=tuple(categories),
        stages=tuple(stages),
        stage_if_unknown=if_unknown,
        stage_cites=stage_cites,
        indicators=tuple(indicators),
        rank_scope=scope,
        count_rounding=rounding,
        rank_lists=tuple(lists),
        rank_cites=rank_cites,
        bank=bank,
        notes_zh=body.get("notes_zh", ""),
        notes_en=body.get("notes_en", ""),
        reads=frozenset(p.reads),
    )


def _bank_policy(p: _Parser, b: dict, cat_codes: list[str], ind_codes: list[str]) -> BankPolicy:
    fields = p.need(b, "shared_fields", "bank", list)
    allowed = set(_SHAREABLE) | {f"points_{c}" for c in cat_codes}
    allowed |= {f"{k}:{i}" for i in ind_codes for k in ("value", "points")}
    for n, f in enumerate(fields):
        if f not in allowed:
            p.fail(f"bank.shared_fields[{n}]", f"不可共享或不存在的字段 {f!r}", f"field {f!r} does not exist or may not be shared")
    if "organization_id" not in fields or len(set(fields)) != len(fields):
        p.fail("bank.shared_fields", "须含 organization_id 且不重复", "must include organization_id, without repeats")
    basis = b.get("rank_basis")
    if basis not in ("stage", "overall"):
        p.fail("bank.rank_basis", "须为 stage 或 overall", "must be stage or overall")
    mp, share = b.get("min_points"), b.get("top_share")
    if mp is not None and not (is_number(mp) and 0 <= mp <= 100):
        p.fail("bank.min_points", "须为 0–100 的数字或 null", "must be a number within 0–100 or null")
    if share is not None and not (is_number(share) and 0 < share <= 1):
        p.fail("bank.top_share", "须在 (0, 1] 内或为 null", "must be within (0, 1] or null")
    if "cite" in b:
        p.cites(b["cite"], "bank.cite")
    return BankPolicy(tuple(fields), basis, mp, share, b.get("note_zh", ""), b.get("note_en", ""))


def points_config_names() -> list[str]:
    """Shipped innovation-points configs (the directory holds other kinds of config too)."""
    out = []
    for path in sorted(CONFIG_DIR.glob("*.json")):
        try:
            if json.loads(path.read_text(encoding="utf-8")).get("kind") == KIND:
                out.append(path.stem)
        except (OSError, ValueError, AttributeError):
            continue
    return out


def load_points_config(name: str, params: dict | None = None) -> PointsConfig:
    """A shipped config (``config/NAME.json``), with parameters optionally overridden."""
    path = CONFIG_DIR / f"{name}.json"
    if not re.match(r"^[a-z0-9-]+$", name) or not path.exists():
        raise PointsConfigError(name, "(name)", f"没有名为 {name!r} 的积分配置", f"no innovation-points config named {name!r}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise PointsConfigError(name, "(file)", f"不是有效的 JSON：{e}", f"not valid JSON: {e}") from None
    return parse_points_config(raw, params)
