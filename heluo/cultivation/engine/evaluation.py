"""Evaluate a rule set: one enterprise at a time (``evaluate``, here) or all enterprises of a year in one Polars
pass (``frames.evaluate_frame``). Both walk the same normalised rule tree (``engine.rules``) with the
same arithmetic in the same order, so they agree exactly; tests check it on random inputs.

Every value is an interval ``(lo, hi)``: a measured input is exact (lo == hi) or unknown (None, None —
read as −∞..+∞); points from a band whose key is unknown, or from a missing expert judgement, span the
range still possible. A comparison is pass when every point of the interval passes, fail when none does,
otherwise undetermined — so a missing expert score gives "undetermined, 41–91 points still possible".
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from typing import Any

from heluo.cultivation.engine.rules import Criterion, RuleSet

Interval = tuple[Any, Any]
UNKNOWN: Interval = (None, None)
# Growth rates chain several divisions; rounding them to 1e-9 (the same float operations in both paths)
# keeps a rate that is exactly 35% on paper from landing at 0.34999999999999998, below its band edge.
GROWTH_ROUNDING = 1e9


# ---------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------
@dataclass
class CriterionResult:
    code: str
    kind: str  # check | score
    state: str  # pass fail undetermined unchecked (checks); scored undetermined (scores)
    value: Interval | None = None
    threshold: Interval | None = None
    points: Interval | None = None
    gap: float | None = None  # in the gap's unit (元, persons, percentage points, days, points)
    inputs: dict = field(default_factory=dict)


@dataclass
class Evaluation:
    ruleset: str
    version: str
    year: int
    credit_code: str | None
    result: str  # pass fail undetermined
    score: Interval | None
    failed: list[str]
    criteria: dict[str, CriterionResult]

    def detail(self, rs: RuleSet) -> dict:
        """JSON-ready: each criterion's state, value, threshold, points, gap (with its text) and inputs."""
        criteria = {
            code: criterion_detail(rs.by_code[code], r.state, r.value, r.threshold, r.points, r.gap, r.inputs)
            for code, r in self.criteria.items()
        }
        return evaluation_detail(self.ruleset, self.version, self.year, self.result, self.score, criteria)


def evaluation_detail(ruleset: str, version: str, year: int, result: str, score: Interval | None, criteria: dict) -> dict:
    return {"ruleset": ruleset, "version": version, "year": year, "result": result, "score": _jsonable(score), "criteria": criteria}


def criterion_detail(crit: Criterion, state: str, value, threshold, points, gap, inputs: dict) -> dict:
    """One criterion of ``Evaluation.detail`` (``frames.frame_details`` builds it from a frame's row directly);
    what is unknown is left out."""
    d = {"state": state}
    for key, iv in (("value", value), ("threshold", threshold), ("points", points)):
        if (shown := _jsonable(iv)) is not None:
            d[key] = shown
    if gap is not None:
        d["gap"] = gap
    texts = gap_words(crit, gap) if state == "fail" else None
    if texts:
        d["gap_unit"], d["gap_zh"], d["gap_en"] = crit.gap.unit, texts[0], texts[1]
    if inputs:
        d["inputs"] = {k: _measured(v) for k, v in inputs.items()}
    return d


def _jsonable(iv: Interval | None):
    if iv is None or iv == UNKNOWN:
        return None
    lo, hi = _plain(iv[0]), _plain(iv[1])
    return lo if lo == hi else [lo, hi]


def _measured(v):
    """``_jsonable((v, v))`` for one measured input, converting it once."""
    if v is None:
        return None
    p = _plain(v)
    return p if p == p else [p, p]  # NaN differs from itself


def _plain(v):
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


# ---------------------------------------------------------------------------------------------------
# Gap wording, shared by both paths
# ---------------------------------------------------------------------------------------------------
def gap_text(crit: Criterion, r: CriterionResult) -> tuple[str, str] | None:
    """("研发费用还差 150.00 万元", "R&D expense short by 1,500,000 yuan …") for a failed criterion."""
    return gap_words(crit, r.gap)


def gap_words(crit: Criterion, gap: float | None) -> tuple[str, str] | None:
    """``gap_text`` from the gap alone."""
    g = crit.gap
    if g is None:
        return None
    if g.unit == "none":
        return g.zh, g.en
    if gap is None:
        return None
    x = round(gap, 6)
    if g.unit == "yuan":  # shown in 万元, rounded up to the next 100 元 so that the amount is enough
        wan = math.ceil(round(gap, 2) / 100) / 100
        zh, en = f"{wan:.2f}", f"{round(wan * 10000):,}"
    elif g.unit == "pp":
        pp = math.ceil(x * 100) / 100
        zh = en = f"{pp:.2f}"
    else:  # whole persons, items, days or points; a strict comparison needs one more
        n = math.floor(x) + 1 if crit.op in (">", "<") else math.ceil(x)
        zh = en = str(n)
    return g.zh.format(gap=zh), g.en.format(gap=en)


# ---------------------------------------------------------------------------------------------------
# Scalar path: one enterprise
# ---------------------------------------------------------------------------------------------------
def _cmp(a: Interval, op: str, b: Interval):
    alo, ahi = a
    blo, bhi = b
    if op in ("==", "!="):
        if alo is None or blo is None:
            return None
        return (alo == blo) if op == "==" else (alo != blo)
    if op in (">=", ">"):
        ge = op == ">="
        if alo is not None and bhi is not None and (alo >= bhi if ge else alo > bhi):
            return True
        if ahi is not None and blo is not None and (ahi < blo if ge else ahi <= blo):
            return False
        return None
    le = op == "<="
    if ahi is not None and blo is not None and (ahi <= blo if le else ahi < blo):
        return True
    if alo is not None and bhi is not None and (alo > bhi if le else alo >= bhi):
        return False
    return None


def _all3(vals):
    vals = list(vals)
    return False if any(v is False for v in vals) else True if all(v is True for v in vals) else None


def _any3(vals):
    vals = list(vals)
    return True if any(v is True for v in vals) else False if all(v is False for v in vals) else None


class _One:
    def __init__(self, rs: RuleSet, rows: dict[int, dict], year: int, as_of: dt.date | None):
        self.rs, self.year = rs, year
        self.rows = {int(y): {k: _norm(v) for k, v in r.items()} for y, r in rows.items()}
        # registered_on: from the latest year read that gives it (the CSV check makes all years agree)
        regs = [self.rows.get(year + o, {}).get("registered_on") for o in sorted(rs.years, reverse=True)]
        self.reg = next((r for r in regs if r is not None), None)
        self.window = check_window(rs, year, as_of)
        self.points: dict[str, Interval] = {}
        self.states: dict[str, bool | None] = {}

    def get(self, col, off):
        if off is None:
            return self.reg if col == "registered_on" else None
        return self.rows.get(self.year + off, {}).get(col)

    def operating(self, offs):
        """The offsets (a suffix of the sorted list) of years the firm had been registered by."""
        return [o for o in offs if self.reg is None or self.reg.year <= self.year + o]

    def val(self, n) -> Interval:
        k = n["k"]
        if k == "const":
            return n["v"], n["v"]
        if k == "col":
            v = self.get(n["col"], n["off"])
            return v, v
        if k in ("sum", "mean"):
            ops = self.operating(n["offs"])
            vals = [self.get(n["col"], o) for o in ops]
            if not ops or any(v is None for v in vals):
                return UNKNOWN
            s = vals[0]
            for v in vals[1:]:
                s = s + v
            if k == "mean":
                s = s / (len(ops) if n["divisor"] == "operating" else n["divisor"])
            return s, s
        if k in ("ratio", "sub"):
            a, b = (self.val(x)[0] for x in n["args"])
            if a is None or b is None or (k == "ratio" and b == 0):
                return UNKNOWN
            v = a / b if k == "ratio" else a - b
            return v, v
        if k == "add":
            parts = [self.val(x) for x in n["args"]]
            lo = hi = 0.0
            for plo, phi in parts:
                lo = None if lo is None or plo is None else lo + plo
                hi = None if hi is None or phi is None else hi + phi
            return lo, hi
        if k in ("min", "max"):
            parts = [self.val(x) for x in n["args"]]
            f = min if k == "min" else max
            strict, loose = (0, 1) if k == "min" else (1, 0)  # min: any unknown lo → unknown lo
            known = [p[loose] for p in parts if p[loose] is not None]
            out = [None, None]
            out[strict] = None if any(p[strict] is None for p in parts) else f(p[strict] for p in parts)
            out[loose] = f(known) if known else None
            return out[0], out[1]
        if k == "age_days":
            if self.reg is None:
                return UNKNOWN
            return float((self.window[0] - self.reg).days), float((self.window[1] - self.reg).days)
        if k == "growth":
            g = self.growth(n)
            g = None if g is None else math.floor(g * GROWTH_ROUNDING + 0.5) / GROWTH_ROUNDING
            return g, g
        if k == "lookup":  # the hull of every row that may be the first to hold
            possible, reached = [], True
            for cond, then in n["rows"]:
                c = self.cond(cond)
                if reached and c is not False:
                    possible.append(then)
                reached = reached and c is not True
            if reached:
                possible.append(n["else"])
            return min(p[0] for p in possible), max(p[1] for p in possible)
        if k == "expert":
            v = self.val(n["ref"])[0]
            return (v, v) if v is not None else self.val(n["default"])
        if k == "given":
            return self.val(n["then"] if self.val(n["ref"])[0] is not None else n["else"])
        if k == "points":
            return self.points[n["code"]]
        raise ValueError(k)

    def growth(self, n):
        """高新技术企业认定管理工作指引 (国科发火〔2016〕195号) 企业成长性, with the edge rules as options."""
        ops = self.operating(n["offs"])
        if len(ops) == 1:
            return 0.0 if n["one_year"] == "zero" else None
        if len(ops) < 2:
            return None
        vals = [self.get(n["col"], o) for o in n["offs"][-len(ops) :]]
        if any(v is None for v in vals):
            return None
        if n["negative_as_zero"]:
            vals = [0.0 if v < 0 else v for v in vals]
        zero = 0.0 if n["second_zero"] == "zero" else None

        def two(a, b):
            return zero if a == 0 else b / a - 1

        if len(ops) == 2:
            return two(*vals) if n["two_years"] == "single_ratio" else None
        v1, v2, v3 = vals
        if v1 == 0:
            return two(v2, v3) if n["first_zero"] == "last_two" else None
        if n["method"] == "cagr":
            r = v3 / v1
            return None if r < 0 else math.sqrt(r) - 1
        if v2 == 0:
            return zero
        return 0.5 * (v2 / v1 + v3 / v2) - 1

    def cond(self, c):
        k = c["k"]
        if k == "cmp":
            return _cmp(self.val(c["a"]), c["op"], self.val(c["b"]))
        if k == "state":
            s = self.states[c["code"]]
            return True if s is None and self.rs.declarations_assume_met and self.rs.by_code[c["code"]].declaration else s
        if k == "all":
            return _all3(self.cond(a) for a in c["args"])
        if k == "any":
            return _any3(self.cond(a) for a in c["args"])
        if k == "not":
            v = self.cond(c["arg"])
            return None if v is None else not v
        raise ValueError(k)

    def check(self, crit: Criterion) -> CriterionResult:
        inputs = {ref: self.get(*_split(ref)) for ref in crit.reads}
        if crit.kind == "score":
            pts = self.val(crit.points)
            self.points[crit.code] = pts
            return CriterionResult(crit.code, "score", "scored" if pts[0] == pts[1] else "undetermined", points=pts, inputs=inputs)
        if crit.cond is not None:
            state, value, thr = self.cond(crit.cond), None, None
        else:
            value, thr = self.val(crit.value), self.val(crit.threshold)
            state = _cmp(value, crit.op, thr)
        self.states[crit.code] = state
        gap = self.gap(crit, value, thr) if state is False else None
        return CriterionResult(crit.code, "check", state_word(state, crit.declaration), value=value, threshold=thr, gap=gap, inputs=inputs)

    def gap(self, crit, value, thr):
        g = crit.gap
        if g is None or g.unit == "none" or value is None:
            return None
        up = crit.op in (">=", ">")
        if g.solve:
            num, den = (self.val(g.solve[x])[0] for x in ("num", "den"))
            t = self.val(g.solve["target"])[0] if g.solve["target"] is not None else thr[0 if up else 1]
            return _solve(num, den, t, g.solve["num_in_den"])
        a, b = (thr[0], value[1]) if up else (value[0], thr[1])
        if a is None or b is None or crit.op in ("==", "!="):
            return None
        return (a - b) * 100 if g.unit == "pp" else a - b


def _solve(num, den, t, num_in_den):
    """How much the numerator must change for num/den to reach t (the numerator may be part of den)."""
    if num is None or den is None or t is None:
        return None
    k = 1 - t if num_in_den else 1
    if k == 0:
        return None
    return abs((t * den - num) / k)


def _split(ref: str):
    col, _, off = ref.partition("@")
    return col, (int(off) if off else None)


def _norm(v):
    if isinstance(v, bool) or v is None or isinstance(v, (dt.date, str)):
        return v
    return float(v)


def state_word(s, declaration: bool = False) -> str:
    """True / False / None → pass / fail / undetermined (a declaration nobody made is 'unchecked')."""
    if s is None:
        return "unchecked" if declaration else "undetermined"
    return "pass" if s else "fail"


def check_window(rs: RuleSet, year: int, as_of: dt.date | None):
    if as_of is not None:
        return as_of, as_of
    if rs.application_window is None:
        return None
    (m1, d1), (m2, d2) = rs.application_window
    return dt.date(year, m1, d1), dt.date(year, m2, d2)


def _blockers3(c, cond_of) -> list[str]:
    """Criterion codes in the result expression that stop it from passing (an 'any' that holds blocks nothing)."""
    k = c["k"]
    if k == "state":
        return [c["code"]] if cond_of(c) is False else []
    if k == "all":
        return [x for a in c["args"] for x in _blockers3(a, cond_of)]
    if k == "any":
        if any(cond_of(a) is True for a in c["args"]):
            return []
        return [x for a in c["args"] for x in _blockers3(a, cond_of)]
    return []


def evaluate(rs: RuleSet, inputs: dict[int, dict], year: int, as_of: dt.date | None = None, credit_code: str | None = None) -> Evaluation:
    """Evaluate one enterprise. ``inputs`` maps accounting year → {column: value} (None = unknown)."""
    one = _One(rs, inputs, year, as_of)
    results = {c.code: one.check(c) for c in rs.criteria}
    res = one.cond(rs.result)
    failed = list(dict.fromkeys(_blockers3(rs.result, one.cond)))
    score = results[rs.total].points if rs.total else None
    return Evaluation(rs.name, rs.version, year, credit_code, state_word(res), score, failed, results)


@dataclass
class WhatIf:
    before: Evaluation
    after: Evaluation
    changed: list[str]  # criteria whose state, points or value changed


def what_if(rs: RuleSet, inputs: dict[int, dict], year: int, changes: dict, as_of: dt.date | None = None) -> WhatIf:
    """Re-evaluate with changed inputs. ``changes``: {"rd_expense@-1": 3_000_000} or {2024: {"rd_expense": …}}."""
    after_inputs = {int(y): dict(r) for y, r in inputs.items()}
    for key, value in changes.items():
        if isinstance(key, str):
            col, off = _split(key)
            years = [year + off] if off is not None else (list(after_inputs) or [year - 1])
            for y in years:
                after_inputs.setdefault(y, {})[col] = value
        else:
            after_inputs.setdefault(int(key), {}).update(value)
    before = evaluate(rs, inputs, year, as_of)
    after = evaluate(rs, after_inputs, year, as_of)
    changed = [c for c, r in after.criteria.items() if replace(r, inputs={}) != replace(before.criteria[c], inputs={})]
    return WhatIf(before, after, changed)
