"""Qualification rule sets: versioned JSON data with citations, parsed into a small validated form.

A rule set (``rulesets/NAME.json``) is a list of criteria built from a few generic blocks, written in JSON.
Optional inputs beyond the CSV columns of issue 4 are listed in ``rulesets/_extra_inputs.json``.

Values (what a criterion reads)
    ``"rd_expense@-1"``                       an input of year Y−1 (Y = the year of application/evaluation)
    ``"registered_on"``                       an enterprise-level input
    ``{"sum": col, "years": [-3,-2,-1]}``     sum over the years the firm operated (办法's "实际经营期")
    ``{"mean": col, "years": [...], "divisor": "operating" | N}``
    ``{"ratio": [a, b]}`` ``{"add": [...]}`` ``{"sub": [a, b]}`` ``{"min": [...]}`` ``{"max": [...]}``
    ``{"age_days": "registered_on"}``         days from registration to the application date
    ``{"growth": col, "years": [y1,y2,y3], ...edge rules}``  mean growth of two consecutive ratios
    ``{"bands": value, "rows": [[op, bound, then], ...], "else": then}``  banded value (first row that holds)
    ``{"lookup": [[cond, then], ...], "else": then}``                      lookup table over several inputs
    ``{"expert": "col@-1", "range": [lo, hi], "default": value}``          expert judgement, may be missing
    ``{"given": "col@-1", "then": value, "else": value}``                  one value if an input is given, another if not
    ``{"points": code}``                      the points of an earlier score criterion
Conditions
    ``[value, op, value]`` with op one of >= > <= < == !=; ``"code"`` (an earlier check's state);
    ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": cond}`` — three-valued (pass / fail / undetermined).
Criteria
    check: ``{"code", "zh", "en", "cite", "check": {"value", "op", "threshold"} | {"if": cond}, "gap"}``
    score: ``{"code", "zh", "en", "cite", "score": value, "max": N}``

``"$name"`` anywhere stands for a rule-set parameter. Every criterion cites its document, article and a
confidence tag from ``policy-rules.md``: C (confirmed), S (single secondary source), M (from memory),
NF (not found). A criterion tagged other than C may hold no bare number but 0: its figures are parameters,
which a caller can override (``load_ruleset(name, params={...})``).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

RULESET_DIR = Path(__file__).resolve().parent.parent / "rulesets"
TAGS = ("C", "S", "M", "NF")
OPS = (">=", ">", "<=", "<", "==", "!=")
GAP_UNITS = ("yuan", "person", "count", "day", "point", "pp", "none")


class RuleSetError(ValueError):
    pass


@dataclass(frozen=True)
class InputSpec:
    name: str
    type: str  # code year date count money bool field ratio score number
    zh: str
    en: str
    per_year: bool = True
    negative_ok: bool = False
    range: tuple[float, float] | None = None


def _spec(name, type_, zh, en, **kw):
    return name, InputSpec(name, type_, zh, en, **kw)


# The CSV columns of issue 4 (money in 元, counts as integers). `hitech_field`: 1–8, empty = none (0).
STANDARD_INPUTS: dict[str, InputSpec] = dict(
    [
        _spec("credit_code", "code", "统一社会信用代码", "unified social credit code", per_year=False),
        _spec("year", "year", "会计年度", "accounting year", per_year=False),
        _spec("registered_on", "date", "注册成立日期", "date of registration", per_year=False),
        _spec("total_staff", "count", "职工总数", "total staff"),
        _spec("st_staff", "count", "科技人员数", "S&T staff"),
        _spec("sales_revenue", "money", "销售收入", "sales revenue", negative_ok=True),
        _spec("total_income", "money", "总收入", "total income", negative_ok=True),
        _spec("hitech_income", "money", "高新技术产品（服务）收入", "high-tech product/service income"),
        _spec("cost_total", "money", "成本费用支出总额", "total costs and expenses"),
        _spec("rd_expense", "money", "研发费用", "R&D expense"),
        _spec("rd_expense_domestic", "money", "境内研发费用", "domestic R&D expense"),
        _spec("total_assets", "money", "资产总额", "total assets"),
        _spec("net_assets", "money", "净资产", "net assets", negative_ok=True),
        _spec("ip_class1", "count", "Ⅰ类知识产权数", "class I IP items"),
        _spec("ip_class2", "count", "Ⅱ类知识产权数", "class II IP items"),
        _spec("hitech_field", "field", "国家重点支持的高新技术领域", "supported high-tech field (1–8)"),
        _spec("transformations", "count", "科技成果转化数", "technology transformations"),
        _spec("major_violation", "bool", "重大安全、质量事故或严重环境违法行为", "major accident or serious environmental violation"),
        _spec("has_valid_hte", "bool", "有效期内高新技术企业", "holds a valid HTE certificate"),
        _spec("provincial_rd_institution", "bool", "省部级以上研发机构", "R&D institution at provincial level or above"),
        _spec("national_award_5y", "bool", "近五年国家级科技奖励（前三名）", "national S&T award in 5 years (top 3)"),
        _spec("led_standard_5y", "bool", "近五年主导制定标准", "led a standard in 5 years"),
    ]
)
EXTRA_TYPES = ("count", "money", "bool", "ratio", "score", "number")


@dataclass(frozen=True)
class Cite:
    doc: str
    number: str
    title: str
    article: str
    tag: str


@dataclass(frozen=True)
class Gap:
    unit: str
    zh: str
    en: str
    solve: dict | None = None  # {"num": node, "den": node, "target": node|None, "num_in_den": bool}


@dataclass(frozen=True)
class Criterion:
    code: str
    zh: str
    en: str
    cite: Cite
    kind: str  # "check" | "score"
    value: dict | None = None  # check with a threshold
    op: str | None = None
    threshold: dict | None = None
    cond: dict | None = None  # check given as a condition
    points: dict | None = None  # score
    max: float | None = None
    gap: Gap | None = None
    declaration: bool = False
    note_zh: str = ""
    note_en: str = ""
    reads: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    name: str
    version: str
    title_zh: str
    title_en: str
    documents: dict
    parameters: dict
    extra_inputs: dict[str, InputSpec]
    criteria: tuple[Criterion, ...]
    result: dict
    total: str | None
    years: tuple[int, ...]
    application_window: tuple[tuple[int, int], tuple[int, int]] | None
    declarations_assume_met: bool
    notes_zh: str = ""
    notes_en: str = ""
    by_code: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def inputs(self) -> dict[str, InputSpec]:
        """Every input column this rule set may read (the standard ones plus its own extras)."""
        return {**STANDARD_INPUTS, **self.extra_inputs}

    @property
    def reads(self) -> set[tuple[str, int | None]]:
        """(column, year offset) pairs read by any criterion; offset None for enterprise-level inputs."""
        out = set()
        for c in self.criteria:
            for ref in c.reads:
                col, _, off = ref.partition("@")
                out.add((col, int(off) if off else None))
        return out


_REF = re.compile(r"^([a-z][a-z0-9_]*)(?:@(-?\d+))?$")


class _Parser:
    """Turns the JSON form into normalised nodes ({"k": kind, ...}), checking everything on the way."""

    def __init__(self, raw: dict, params: dict):
        self.raw = raw
        self.params = params
        self.extra = _extras(raw.get("extra_inputs", []))
        self.inputs = {**STANDARD_INPUTS, **self.extra}
        self.codes: dict[str, str] = {}  # code -> kind, in definition order
        self.tag = "C"
        self.where = ""
        self.reads: list[str] = []
        self.criteria_so_far: dict[str, Criterion] = {}

    def fail(self, msg: str):
        raise RuleSetError(f"{self.raw.get('name', '?')}: {self.where}: {msg}")

    # literals and parameters -------------------------------------------------
    def literal(self, x):
        if isinstance(x, str) and x.startswith("$"):
            if x[1:] not in self.params:
                self.fail(f"unknown parameter {x}")
            return self.params[x[1:]]["value"]
        if isinstance(x, (int, float)) and not isinstance(x, bool) and x != 0 and self.tag != "C":
            self.fail(f"criterion tagged [{self.tag}] holds the bare number {x}: make it a parameter")
        return x

    def then(self, x) -> tuple[float, float]:
        x = self.literal(x)
        if isinstance(x, list):
            lo, hi = (self.literal(v) for v in x)
        else:
            lo = hi = x
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lo, hi)) or lo > hi:
            self.fail(f"a table value must be a number or [lo, hi], got {x!r}")
        return float(lo), float(hi)

    def ref(self, text: str) -> dict:
        m = _REF.match(text)
        if not m or m.group(1) not in self.inputs:
            self.fail(f"unknown input {text!r}")
        spec, off = self.inputs[m.group(1)], m.group(2)
        if spec.per_year != (off is not None):
            self.fail(f"{text!r}: {'give the year as col@-1' if spec.per_year else 'an enterprise-level input takes no year'}")
        if spec.type in ("code", "year"):
            self.fail(f"{text!r} cannot be evaluated")
        self.reads.append(text)
        return {"k": "col", "col": m.group(1), "off": int(off) if off else None}

    def years(self, col, years) -> list[int]:
        if not isinstance(years, list) or not years or any(not isinstance(y, int) or y >= 0 for y in years):
            self.fail("years must be a list of negative offsets such as [-3, -2, -1]")
        for y in years:
            self.ref(f"{col}@{y}")
        self.reads.append("registered_on")  # years before registration are outside the operating period
        return sorted(years)

    # values ----------------------------------------------------------------
    def value(self, x) -> dict:
        if isinstance(x, str) and not x.startswith("$"):
            return self.ref(x)
        if not isinstance(x, dict):
            v = self.literal(x)
            if not isinstance(v, (int, float, bool)):
                self.fail(f"not a value: {x!r}")
            return {"k": "const", "v": v}
        if len(x.keys() & _VALUE_KEYS) != 1:
            self.fail(f"a value needs exactly one of {sorted(_VALUE_KEYS)}: {x!r}")
        key = next(iter(x.keys() & _VALUE_KEYS))
        return getattr(self, "v_" + key)(x)

    def measure(self, x) -> dict:
        node = self.value(x)
        if _kind(node) != "m":
            self.fail("arithmetic takes measured values, not point ranges or dates")
        return node

    def v_sum(self, x):
        return {"k": "sum", "col": x["sum"], "offs": self.years(x["sum"], x.get("years"))}

    def v_mean(self, x):
        divisor = self.literal(x.get("divisor", "operating"))
        if divisor != "operating" and not (isinstance(divisor, int) and divisor > 0):
            self.fail("divisor is 'operating' or a positive whole number")
        return {"k": "mean", "col": x["mean"], "offs": self.years(x["mean"], x.get("years")), "divisor": divisor}

    def v_ratio(self, x):
        if len(x["ratio"]) != 2:
            self.fail("ratio takes [numerator, denominator]")
        return {"k": "ratio", "args": [self.measure(a) for a in x["ratio"]]}

    def v_sub(self, x):
        if len(x["sub"]) != 2:
            self.fail("sub takes [a, b]")
        return {"k": "sub", "args": [self.measure(a) for a in x["sub"]]}

    def v_add(self, x):
        return {"k": "add", "args": [self.value(a) for a in x["add"]]}

    def v_min(self, x):
        return {"k": "min", "args": [self.value(a) for a in x["min"]]}

    def v_max(self, x):
        return {"k": "max", "args": [self.value(a) for a in x["max"]]}

    def v_age_days(self, x):
        if self.params.get("application_window") is None:
            self.fail("age_days needs the parameter application_window")
        return {"k": "age_days", "ref": self.ref(x["age_days"])}

    def v_growth(self, x):
        offs = self.years(x["growth"], x.get("years"))
        if len(offs) != 3:
            self.fail("growth reads three consecutive years")
        opts = {k: self.literal(x.get(k, d)) for k, d in _GROWTH_DEFAULTS.items()}
        for k, allowed in _GROWTH_CHOICES.items():
            if opts[k] not in allowed:
                self.fail(f"growth {k} must be one of {allowed}")
        return {"k": "growth", "col": x["growth"], "offs": offs, **opts}

    def v_bands(self, x):
        key = self.value(x["bands"])
        rows = []
        for row in x["rows"]:
            if len(row) != 3:
                self.fail("a band row is [op, bound, then]")
            op = self.op(row[0])
            rows.append(({"k": "cmp", "a": key, "op": op, "b": self.value(row[1])}, self.then(row[2])))
        return {"k": "lookup", "rows": rows, "else": self.then(x["else"])}

    def v_lookup(self, x):
        rows = [(self.cond(c), self.then(t)) for c, t in x["lookup"]]
        return {"k": "lookup", "rows": rows, "else": self.then(x["else"])}

    def v_expert(self, x):
        node = self.ref(x["expert"])
        lo, hi = self.then(x["range"])
        default = self.value(x["default"]) if "default" in x else {"k": "lookup", "rows": [], "else": (lo, hi)}
        return {"k": "expert", "ref": node, "range": (lo, hi), "default": default}

    def v_given(self, x):
        return {"k": "given", "ref": self.ref(x["given"]), "then": self.value(x["then"]), "else": self.value(x["else"])}

    def v_points(self, x):
        if self.codes.get(x["points"]) != "score":
            self.fail(f"points of {x['points']!r}: no earlier score criterion has that code")
        return {"k": "points", "code": x["points"]}

    # conditions -------------------------------------------------------------
    def op(self, op):
        op = self.literal(op)
        if op not in OPS:
            self.fail(f"unknown operator {op!r}")
        return op

    def cond(self, x) -> dict:
        if isinstance(x, str):
            if self.codes.get(x) != "check":
                self.fail(f"condition {x!r}: no earlier check has that code")
            return {"k": "state", "code": x}
        if isinstance(x, list):
            if len(x) != 3:
                self.fail(f"a comparison is [value, op, value]: {x!r}")
            return {"k": "cmp", "a": self.value(x[0]), "op": self.op(x[1]), "b": self.value(x[2])}
        if isinstance(x, dict) and len(x) == 1 and next(iter(x)) in ("all", "any"):
            kind = next(iter(x))
            return {"k": kind, "args": [self.cond(c) for c in x[kind]]}
        if isinstance(x, dict) and list(x) == ["not"]:
            return {"k": "not", "arg": self.cond(x["not"])}
        self.fail(f"not a condition: {x!r}")

    # criteria ---------------------------------------------------------------
    def criterion(self, c: dict) -> Criterion:
        self.where = f"criterion {c.get('code', '?')}"
        for key in ("code", "zh", "en", "cite"):
            if not c.get(key):
                self.fail(f"missing {key}")
        if c["code"] in self.codes or not re.match(r"^[a-z][a-z0-9_]*$", c["code"]):
            self.fail("codes are unique lower-case identifiers")
        cite = self.cite(c["cite"])
        self.tag, self.reads = cite.tag, []
        common = dict(code=c["code"], zh=c["zh"], en=c["en"], cite=cite, note_zh=c.get("note_zh", ""), note_en=c.get("note_en", ""))
        if "score" in c:
            points = self.value(c["score"])
            lo, hi = _hull(points, self)
            top = self.literal(c.get("max", hi))
            if hi > top or lo < 0:
                self.fail(f"points range {lo}–{hi} exceeds 0–{top}")
            crit = Criterion(kind="score", points=points, max=float(top), **common)
        elif "check" in c:
            chk = c["check"]
            if "if" in chk:
                crit = Criterion(
                    kind="check", cond=self.cond(chk["if"]), gap=self.gap(c.get("gap")), declaration=bool(c.get("declaration")), **common
                )
            else:
                crit = Criterion(
                    kind="check",
                    value=self.value(chk["value"]),
                    op=self.op(chk["op"]),
                    threshold=self.value(chk["threshold"]),
                    gap=self.gap(c.get("gap")),
                    declaration=bool(c.get("declaration")),
                    **common,
                )
            if crit.declaration and "declarations_if_missing" not in self.params:
                self.fail("a declaration needs the parameter declarations_if_missing")
        else:
            self.fail("a criterion has either 'check' or 'score'")
        self.codes[crit.code] = crit.kind
        return Criterion(**{**crit.__dict__, "reads": tuple(dict.fromkeys(self.reads))})

    def cite(self, c: dict) -> Cite:
        docs = self.raw.get("documents", {})
        if c.get("doc") not in docs:
            self.fail(f"cites unknown document {c.get('doc')!r}")
        if c.get("tag") not in TAGS or not c.get("article"):
            self.fail(f"a citation needs an article and a tag in {TAGS}")
        d = docs[c["doc"]]
        return Cite(c["doc"], d["number"], d["title"], c["article"], c["tag"])

    def gap(self, g: dict | None) -> Gap | None:
        if g is None:
            return None
        if g.get("unit") not in GAP_UNITS or not g.get("zh") or not g.get("en"):
            self.fail(f"a gap needs unit in {GAP_UNITS}, zh and en")
        solve = None
        if "solve" in g:
            s = g["solve"]
            target = self.value(s["target"]) if "target" in s else None
            solve = {
                "num": self.measure(s["num"]),
                "den": self.measure(s["den"]),
                "target": target,
                "num_in_den": bool(s.get("num_in_den")),
            }
        return Gap(g["unit"], g["zh"], g["en"], solve)


_VALUE_KEYS = {"sum", "mean", "ratio", "sub", "add", "min", "max", "age_days", "growth", "bands", "lookup", "expert", "given", "points"}
# 高新技术企业认定管理工作指引 (国科发火〔2016〕195号) edge rules by default; 63号 growth sets them to "unknown".
_GROWTH_DEFAULTS = {
    "method": "mean_ratio",
    "negative_as_zero": False,
    "first_zero": "unknown",
    "second_zero": "unknown",
    "two_years": "unknown",
    "one_year": "unknown",
}
_GROWTH_CHOICES = {
    "method": ("mean_ratio", "cagr"),
    "negative_as_zero": (True, False),
    "first_zero": ("last_two", "unknown"),
    "second_zero": ("zero", "unknown"),
    "two_years": ("single_ratio", "unknown"),
    "one_year": ("zero", "unknown"),
}


def _kind(node: dict) -> str:
    """'m' for a measured value (exact or unknown), 'r' for a range (points, dates' day counts)."""
    k = node["k"]
    if k in ("lookup", "expert", "points", "age_days"):
        return "r"
    if k in ("add", "min", "max"):
        return "r" if any(_kind(a) == "r" for a in node["args"]) else "m"
    if k == "given":
        return "r" if "r" in (_kind(node["then"]), _kind(node["else"])) else "m"
    return "m"


def _hull(node: dict, parser: _Parser) -> tuple[float, float]:
    """Smallest and largest points a score node can give (validation of 'max')."""
    k = node["k"]
    if k == "const":
        return float(node["v"]), float(node["v"])
    if k == "lookup":
        vals = [t for _, t in node["rows"]] + [node["else"]]
        return min(v[0] for v in vals), max(v[1] for v in vals)
    if k == "expert":
        d = _hull(node["default"], parser)
        return min(node["range"][0], d[0]), max(node["range"][1], d[1])
    if k == "given":
        a, b = _hull(node["then"], parser), _hull(node["else"], parser)
        return min(a[0], b[0]), max(a[1], b[1])
    if k == "points":
        c = parser.criteria_so_far[node["code"]]
        return _hull(c.points, parser)
    if k in ("add", "min", "max"):
        parts = [_hull(a, parser) for a in node["args"]]
        f = {"add": sum, "min": min, "max": max}[k]
        return f(p[0] for p in parts), f(p[1] for p in parts)
    parser.fail("a score is built from tables, expert inputs, points and sums of them")


def _extra_spec(name: str, s: dict) -> InputSpec:
    if name in STANDARD_INPUTS or not re.match(r"^[a-z][a-z0-9_]*$", name):
        raise RuleSetError(f"extra input {name!r}: not a new lower-case name")
    if s.get("type") not in EXTRA_TYPES or not s.get("zh") or not s.get("en"):
        raise RuleSetError(f"extra input {name!r}: needs type in {EXTRA_TYPES}, zh and en")
    rng = tuple(s["range"]) if "range" in s else None
    return InputSpec(name, s["type"], s["zh"], s["en"], per_year=True, negative_ok=bool(s.get("negative_ok")), range=rng)


def _month_day(text: str) -> tuple[int, int]:
    m = re.match(r"^(\d\d)-(\d\d)$", str(text))
    if not m:
        raise RuleSetError(f"application_window: {text!r} is not MM-DD")
    return int(m.group(1)), int(m.group(2))


def parse_ruleset(raw: dict, params: dict | None = None) -> RuleSet:
    """Validate a rule set given as a dict (a shipped file, or one configured in the UI)."""
    raw = copy.deepcopy(raw)
    declared = raw.get("parameters", {})
    for name, p in declared.items():
        if "value" not in p or p.get("tag") not in TAGS or not (p.get("note") or p.get("cite")):
            raise RuleSetError(f"{raw.get('name')}: parameter {name}: needs value, tag in {TAGS} and a note or cite")
    for name, value in (params or {}).items():
        if name not in declared:
            raise RuleSetError(f"{raw.get('name')}: no parameter {name!r} to override")
        if type(value) is not type(declared[name]["value"]) and not (
            isinstance(value, (int, float)) and isinstance(declared[name]["value"], (int, float))
        ):
            raise RuleSetError(f"{raw.get('name')}: parameter {name} must stay a {type(declared[name]['value']).__name__}")
        declared[name]["value"] = value
    for key in ("name", "version", "title_zh", "title_en", "documents", "criteria", "result"):
        if key not in raw:
            raise RuleSetError(f"{raw.get('name', '?')}: missing {key}")
    p = _Parser(raw, declared)
    criteria = []
    for c in raw["criteria"]:
        crit = p.criterion(c)
        p.criteria_so_far[crit.code] = crit
        criteria.append(crit)
    p.where, p.tag = "result", "C"
    result = p.cond(raw["result"])
    total = raw.get("total")
    if total is not None and p.codes.get(total) != "score":
        raise RuleSetError(f"{raw['name']}: total {total!r} is not a score criterion")
    window = declared.get("application_window", {}).get("value")
    decl = declared.get("declarations_if_missing", {}).get("value", "undetermined")
    if decl not in ("assume_met", "undetermined"):
        raise RuleSetError(f"{raw['name']}: declarations_if_missing is assume_met or undetermined")
    offs = sorted({o for c in criteria for r in c.reads if (o := r.partition("@")[2])}, key=int)
    rs = RuleSet(
        name=raw["name"],
        version=raw["version"],
        title_zh=raw["title_zh"],
        title_en=raw["title_en"],
        documents=raw["documents"],
        parameters=declared,
        extra_inputs=p.extra,
        criteria=tuple(criteria),
        result=result,
        total=total,
        years=tuple(int(o) for o in offs),
        application_window=(_month_day(window[0]), _month_day(window[1])) if window else None,
        declarations_assume_met=decl == "assume_met",
        notes_zh=raw.get("notes_zh", ""),
        notes_en=raw.get("notes_en", ""),
    )
    rs.by_code.update({c.code: c for c in criteria})
    return rs


def ruleset_names() -> list[str]:
    return sorted(p.stem for p in RULESET_DIR.glob("*.json") if not p.stem.startswith("_"))


@cache
def extra_input_catalogue() -> dict[str, InputSpec]:
    """Optional inputs beyond the CSV columns of issue 4 (``rulesets/_extra_inputs.json``): expert scores
    and facts the 63号/2026 rule sets need. A rule set names the ones it reads."""
    raw = json.loads((RULESET_DIR / "_extra_inputs.json").read_text(encoding="utf-8"))
    return {n: _extra_spec(n, s) for n, s in raw["inputs"].items()}


def _extras(declared) -> dict[str, InputSpec]:
    """A list of catalogue names, or {name: spec} for a rule set configured elsewhere (e.g. in the UI)."""
    if isinstance(declared, dict):
        return {n: _extra_spec(n, s) for n, s in declared.items()}
    cat = extra_input_catalogue()
    unknown = [n for n in declared if n not in cat]
    if unknown:
        raise RuleSetError(f"extra inputs not in the catalogue: {unknown}")
    return {n: cat[n] for n in declared}


@cache
def _raw(name: str) -> str:
    path = RULESET_DIR / f"{name}.json"
    if not re.match(r"^[a-z0-9-]+$", name) or not path.exists():
        raise RuleSetError(f"unknown rule set {name!r}; shipped: {', '.join(ruleset_names())}")
    return path.read_text(encoding="utf-8")


def load_ruleset(name: str, params: dict | None = None) -> RuleSet:
    """A shipped rule set, with parameters optionally overridden."""
    return parse_ruleset(json.loads(_raw(name)), params)
