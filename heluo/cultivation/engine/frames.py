"""The vectorised path: all enterprises of a year through one or several rule sets in one Polars pass.

It walks the same rule tree as ``evaluation.evaluate`` with the same arithmetic in the same order, so both
paths agree exactly (the tests check it on random inputs).
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from heluo.cultivation.engine.evaluation import (
    GROWTH_ROUNDING,
    CriterionResult,
    Evaluation,
    check_window,
    criterion_detail,
    evaluation_detail,
    state_word,
)
from heluo.cultivation.engine.rules import Criterion, RuleSet


def _div(a: pl.Expr, b: pl.Expr | float) -> pl.Expr:
    """a / b as true IEEE division. Polars divides by a scalar (a literal, or a literal column) through the
    reciprocal, which can differ from Python's a / b in the last bit; a materialised column of ones
    (``__one``, made in ``_wide``) turns the divisor into a real column."""
    return a / (b * pl.col("__one"))


_DTYPES = {
    "count": pl.Float64,
    "money": pl.Float64,
    "field": pl.Float64,
    "ratio": pl.Float64,
    "score": pl.Float64,
    "number": pl.Float64,
    "bool": pl.Boolean,
    "date": pl.Date,
}
_NULL = pl.lit(None, dtype=pl.Float64)


def _wide(rulesets: list[RuleSet], lf: pl.LazyFrame, codes: pl.DataFrame, year: int) -> pl.LazyFrame:
    """Long (credit_code, year, …) → one row per enterprise with columns ``col@off`` for every input the
    rule sets read (and ``registered_on@off`` for each year read)."""
    names = lf.collect_schema().names()
    specs = {k: v for rs in rulesets for k, v in rs.inputs.items()}
    by_off: dict[int, set[str]] = {}
    for rs in rulesets:
        for off in rs.years:
            by_off.setdefault(off, {"registered_on"})
        for col, off in rs.reads:
            if off is not None:
                by_off[off].add(col)
    wide = codes.lazy()
    for off, cols in sorted(by_off.items()):
        exprs = [(pl.col(c) if c in names else pl.lit(None)).cast(_DTYPES[specs[c].type]).alias(f"{c}@{off}") for c in sorted(cols)]
        sub = lf.filter(pl.col("year") == year + off).select("credit_code", *exprs)
        wide = wide.join(sub, on="credit_code", how="left", maintain_order="left")
    return wide.with_columns((pl.int_range(pl.len()) * 0 + 1).cast(pl.Float64).alias("__one"))


_MEMO = ("sum", "mean", "ratio", "sub", "growth")  # measured values worth computing once


class _Many:
    def __init__(self, rs: RuleSet, year: int, as_of: dt.date | None):
        self.rs, self.year = rs, year
        self.window = check_window(rs, year, as_of)
        self.reg = pl.col("registered_on")
        self.memo: dict[str, str] = {}
        self.pending: list[tuple[str, pl.Expr]] = []  # temporary columns, each after those it reads

    def val(self, n):
        """A band table compares one value row by row: each measured value becomes a column once."""
        if n["k"] not in _MEMO:
            return self._val(n)
        key = json.dumps(n, sort_keys=True, default=str)
        if key not in self.memo:
            expr = self._val(n)[0]
            self.memo[key] = name = f"__t{len(self.memo)}"
            self.pending.append((name, expr))
        col = pl.col(self.memo[key])
        return col, col

    def col(self, col, off):
        return pl.col(f"{col}@{off}") if off is not None else pl.col(col)

    def op_flags(self, offs):
        return [self.reg.is_null() | (self.reg.dt.year() <= self.year + o) for o in offs]

    def by_operating(self, offs, build):
        """when(first year operating) build(all offs) … when(last operating) build(last) otherwise null."""
        flags = self.op_flags(offs)
        expr = pl.when(flags[0]).then(build(offs))
        for i in range(1, len(offs)):
            expr = expr.when(flags[i]).then(build(offs[i:]))
        return expr.otherwise(None)

    def _val(self, n):
        k = n["k"]
        if k == "const":
            v = pl.lit(n["v"]) if isinstance(n["v"], bool) else pl.lit(float(n["v"]))
            return v, v
        if k == "col":
            v = self.col(n["col"], n["off"])
            return v, v
        if k in ("sum", "mean"):

            def build(offs):
                s = self.col(n["col"], offs[0])
                for o in offs[1:]:
                    s = s + self.col(n["col"], o)
                if k == "mean":
                    s = _div(s, float(len(offs) if n["divisor"] == "operating" else n["divisor"]))
                return s

            v = self.by_operating(n["offs"], build)
            return v, v
        if k in ("ratio", "sub"):
            a, b = (self.val(x)[0] for x in n["args"])
            v = pl.when(b != 0).then(_div(a, b)) if k == "ratio" else a - b
            return v, v
        if k == "add":
            parts = [self.val(x) for x in n["args"]]
            lo, hi = pl.lit(0.0), pl.lit(0.0)
            for plo, phi in parts:
                lo, hi = lo + plo, hi + phi
            return lo, hi
        if k in ("min", "max"):
            parts = [self.val(x) for x in n["args"]]
            f = pl.min_horizontal if k == "min" else pl.max_horizontal
            strict, loose = (0, 1) if k == "min" else (1, 0)
            out = [None, None]
            out[strict] = (
                pl.when(pl.any_horizontal([p[strict].is_null() for p in parts])).then(None).otherwise(f([p[strict] for p in parts]))
            )
            out[loose] = f([p[loose] for p in parts])
            return out[0], out[1]
        if k == "age_days":
            days = [(pl.lit(d) - self.reg).dt.total_days().cast(pl.Float64) for d in self.window]
            return days[0], days[1]
        if k == "growth":
            g = _div((self.growth(n) * GROWTH_ROUNDING + 0.5).floor(), GROWTH_ROUNDING)
            return g, g
        if k == "lookup":  # the hull of every row that may be the first to hold
            los, his, reached = [], [], pl.lit(True)
            for cond, (plo, phi) in n["rows"] + [(None, n["else"])]:
                c = self.cond(cond) if cond is not None else pl.lit(True)
                possible = reached & c.fill_null(True)
                los.append(pl.when(possible).then(pl.lit(plo)))
                his.append(pl.when(possible).then(pl.lit(phi)))
                reached = reached & c.fill_null(False).not_()
            return pl.min_horizontal(los), pl.max_horizontal(his)
        if k == "expert":
            v = self.val(n["ref"])[0]
            dlo, dhi = self.val(n["default"])
            return (pl.when(v.is_not_null()).then(v).otherwise(dlo), pl.when(v.is_not_null()).then(v).otherwise(dhi))
        if k == "given":
            known = self.val(n["ref"])[0].is_not_null()
            (tlo, thi), (elo, ehi) = self.val(n["then"]), self.val(n["else"])
            return pl.when(known).then(tlo).otherwise(elo), pl.when(known).then(thi).otherwise(ehi)
        if k == "points":
            return pl.col(f"{n['code']}:plo"), pl.col(f"{n['code']}:phi")
        raise ValueError(k)

    def growth(self, n):
        offs = n["offs"]
        cols = [self.col(n["col"], o) for o in offs]
        if n["negative_as_zero"]:
            cols = [pl.when(c < 0).then(0.0).otherwise(c) for c in cols]
        zero = pl.lit(0.0) if n["second_zero"] == "zero" else _NULL
        flags = self.op_flags(offs)
        nops = flags[0].cast(pl.Int8) + flags[1].cast(pl.Int8) + flags[2].cast(pl.Int8)
        v1, v2, v3 = cols

        def two(a, b):
            return pl.when(a == 0).then(zero).otherwise(_div(b, a) - 1)

        if n["method"] == "cagr":
            r = _div(v3, v1)
            three_rest = pl.when(r < 0).then(None).otherwise(r.sqrt() - 1)
        else:
            three_rest = pl.when(v2 == 0).then(zero).otherwise((_div(v2, v1) + _div(v3, v2)) * 0.5 - 1)
        first_zero = two(v2, v3) if n["first_zero"] == "last_two" else _NULL
        three = pl.when(v1 == 0).then(first_zero).otherwise(three_rest)
        missing3 = v1.is_null() | v2.is_null() | v3.is_null()
        missing2 = v2.is_null() | v3.is_null()
        return (
            pl.when(nops == 1)
            .then(pl.lit(0.0) if n["one_year"] == "zero" else _NULL)
            .when(nops == 2)
            .then(pl.when(missing2).then(None).otherwise(two(v2, v3)) if n["two_years"] == "single_ratio" else _NULL)
            .when(nops == 3)
            .then(pl.when(missing3).then(None).otherwise(three))
            .otherwise(None)
        )

    def cmp(self, a, op, b):
        alo, ahi = a
        blo, bhi = b
        if op == "==":
            return alo == blo
        if op == "!=":
            return alo != blo
        if alo is ahi and blo is bhi:  # two exact values: Polars orders floats totally, so one comparison decides
            return {">=": alo >= blo, ">": alo > blo, "<=": alo <= blo, "<": alo < blo}[op]
        t, f = {">=": (alo >= bhi, ahi < blo), ">": (alo > bhi, ahi <= blo), "<=": (ahi <= blo, alo > bhi), "<": (ahi < blo, alo >= bhi)}[
            op
        ]
        return pl.when(t).then(True).when(f).then(False).otherwise(None)

    def cond(self, c):
        k = c["k"]
        if k == "cmp":
            return self.cmp(self.val(c["a"]), c["op"], self.val(c["b"]))
        if k == "state":
            s = pl.col(f"{c['code']}:state")
            crit = self.rs.by_code[c["code"]]
            return s.fill_null(True) if crit.declaration and self.rs.declarations_assume_met else s
        if k == "all":
            return pl.all_horizontal([self.cond(a) for a in c["args"]])
        if k == "any":
            return pl.any_horizontal([self.cond(a) for a in c["args"]])
        if k == "not":
            return self.cond(c["arg"]).not_()
        raise ValueError(k)

    def check(self, crit: Criterion) -> list[pl.Expr]:
        c = crit.code
        if crit.kind == "score":
            lo, hi = self.val(crit.points)
            return [lo.cast(pl.Float64).alias(f"{c}:plo"), hi.cast(pl.Float64).alias(f"{c}:phi")]
        if crit.cond is not None:
            return [self.cond(crit.cond).alias(f"{c}:state")]
        value, thr = self.val(crit.value), self.val(crit.threshold)
        state = self.cmp(value, crit.op, thr)
        out = [
            state.alias(f"{c}:state"),
            value[0].alias(f"{c}:vlo"),
            value[1].alias(f"{c}:vhi"),
            thr[0].alias(f"{c}:tlo"),
            thr[1].alias(f"{c}:thi"),
        ]
        gap = self.gap(crit, value, thr)
        if gap is not None:
            out.append(pl.when(state.not_()).then(gap).otherwise(None).cast(pl.Float64).alias(f"{c}:gap"))
        return out

    def gap(self, crit, value, thr):
        g = crit.gap
        if g is None or g.unit == "none":
            return None
        up = crit.op in (">=", ">")
        if g.solve:
            num, den = (self.val(g.solve[x])[0] for x in ("num", "den"))
            t = self.val(g.solve["target"])[0] if g.solve["target"] is not None else thr[0 if up else 1]
            k = (1 - t) if g.solve["num_in_den"] else pl.lit(1.0)
            return pl.when(k != 0).then(_div(t * den - num, k).abs())
        if crit.op in ("==", "!="):
            return None
        a, b = (thr[0], value[1]) if up else (value[0], thr[1])
        return (a - b) * 100 if g.unit == "pp" else a - b

    def blockers(self, c, active) -> list[tuple[str, pl.Expr]]:
        k = c["k"]
        if k == "state":
            return [(c["code"], active & self.cond(c).not_())]
        if k == "all":
            return [x for a in c["args"] for x in self.blockers(a, active)]
        if k == "any":
            none_pass = ~pl.any_horizontal([self.cond(a).fill_null(False) for a in c["args"]])
            return [x for a in c["args"] for x in self.blockers(a, active & none_pass)]
        return []


def evaluate_frame(rs: RuleSet, df: pl.DataFrame | pl.LazyFrame, year: int, as_of: dt.date | None = None) -> pl.DataFrame:
    """All enterprises of ``df`` (long: credit_code, year, input columns; one row per enterprise and year)
    in one pass.

    Returns one row per enterprise, in order of first appearance: the inputs read (``col@off``,
    ``registered_on``), per check ``code:state`` (true / false / null = undetermined),
    ``code:vlo/vhi/tlo/thi`` and ``code:gap``, per score ``code:plo/phi``, and ``result`` (true / false /
    null), ``score_lo``, ``score_hi`` and ``failed``.
    """
    return evaluate_frames([rs], df, year, as_of)[rs.name]


def evaluate_frames(
    rulesets: list[RuleSet], df: pl.DataFrame | pl.LazyFrame, year: int, as_of: dt.date | None = None
) -> dict[str, pl.DataFrame]:
    """Several rule sets over the same enterprises, turning the long table wide only once."""
    lf = df.lazy()
    codes = lf.select("credit_code").unique(maintain_order=True).collect()
    # Materialised once, even for a single rule set: measured faster than one lazy plan (bench/qualify.py)
    wide = _wide(rulesets, lf, codes, year).collect(**_IN_MEMORY).lazy()
    out = {rs.name: _evaluate_wide(rs, wide, year, as_of).collect() for rs in rulesets}
    if any(frame.height != codes.height for frame in out.values()):
        raise ValueError("each (credit_code, year) must appear once / 每家企业每个年度只能有一行")
    return out


# Polars 2 runs queries on the streaming engine by default; the pivot (a few left joins carrying many columns)
# runs 2–2.5× faster on the in-memory engine, which was the default before (bench/qualify.py, 1M enterprises).
_IN_MEMORY = {"engine": "in-memory"} if int(pl.__version__.split(".")[0]) >= 2 else {}


def _evaluate_wide(rs: RuleSet, lf: pl.LazyFrame, year: int, as_of: dt.date | None) -> pl.LazyFrame:
    m = _Many(rs, year, as_of)
    # registered_on: from the latest year read that gives it, as in the scalar path
    regs = [pl.col(f"registered_on@{o}") for o in sorted(rs.years, reverse=True)]
    lf = lf.with_columns((pl.coalesce(regs) if regs else pl.lit(None, dtype=pl.Date)).alias("registered_on"))
    for crit in rs.criteria:
        exprs = m.check(crit)
        for name, expr in m.pending:
            lf = lf.with_columns(expr.alias(name))
        m.pending.clear()
        lf = lf.with_columns(exprs)
    blocks = {}
    for code, expr in m.blockers(rs.result, pl.lit(True)):
        blocks[code] = blocks[code] | expr if code in blocks else expr
    failed = (
        pl.concat_str([pl.when(e.fill_null(False)).then(pl.lit(code)) for code, e in blocks.items()], separator=";", ignore_nulls=True)
        if blocks
        else pl.lit("")
    )
    total = (
        [pl.col(f"{rs.total}:plo").alias("score_lo"), pl.col(f"{rs.total}:phi").alias("score_hi")]
        if rs.total
        else [_NULL.alias("score_lo"), _NULL.alias("score_hi")]
    )
    lf = lf.with_columns(m.cond(rs.result).alias("result"), failed.fill_null("").alias("failed"), *total)
    return lf.select(pl.exclude("^__.*$"))  # a plan: evaluate_frames collects it


def frame_evaluations(rs: RuleSet, frame: pl.DataFrame, year: int) -> list[Evaluation]:
    """The rows of ``evaluate_frame`` as Evaluation objects (the same shape as ``evaluate`` gives)."""
    out = []
    cols = set(frame.columns)
    for row in frame.iter_rows(named=True):
        results = {}
        for crit in rs.criteria:
            c = crit.code
            inputs = {ref: row.get(ref) for ref in crit.reads}
            if crit.kind == "score":
                pts = (row[f"{c}:plo"], row[f"{c}:phi"])
                results[c] = CriterionResult(c, "score", "scored" if pts[0] == pts[1] else "undetermined", points=pts, inputs=inputs)
                continue
            state = row[f"{c}:state"]
            value = thr = None
            if crit.cond is None:
                value, thr = (row[f"{c}:vlo"], row[f"{c}:vhi"]), (row[f"{c}:tlo"], row[f"{c}:thi"])
            gap = row[f"{c}:gap"] if f"{c}:gap" in cols else None
            results[c] = CriterionResult(
                c, "check", state_word(state, crit.declaration), value=value, threshold=thr, gap=gap, inputs=inputs
            )
        score = (row["score_lo"], row["score_hi"]) if rs.total else None
        failed = row["failed"].split(";") if row["failed"] else []
        out.append(Evaluation(rs.name, rs.version, year, row["credit_code"], state_word(row["result"]), score, failed, results))
    return out


def frame_details(rs: RuleSet, frame: pl.DataFrame, year: int) -> list[tuple]:
    """(credit_code, result, score, failed, detail) for each row of ``evaluate_frame``: what ``frame_evaluations``
    and ``Evaluation.detail`` give, without the objects in between (a stored run makes one per criterion and
    enterprise)."""
    at = {c: i for i, c in enumerate(frame.columns)}
    plans = []
    for crit in rs.criteria:
        c = crit.code
        reads = tuple((ref, at.get(ref)) for ref in crit.reads)
        if crit.kind == "score":
            plans.append((crit, None, (at[f"{c}:plo"], at[f"{c}:phi"]), None, reads))
        else:
            cols = None if crit.cond is not None else tuple(at[f"{c}:{k}"] for k in ("vlo", "vhi", "tlo", "thi"))
            plans.append((crit, at[f"{c}:state"], cols, at.get(f"{c}:gap"), reads))
    code_at, result_at, failed_at = at["credit_code"], at["result"], at["failed"]
    score_at = (at["score_lo"], at["score_hi"]) if rs.total else None
    out = []
    for row in frame.iter_rows():
        criteria = {}
        for crit, state_at, cols, gap_at, reads in plans:
            inputs = {ref: None if i is None else row[i] for ref, i in reads}
            if state_at is None:
                pts = (row[cols[0]], row[cols[1]])
                state = "scored" if pts[0] == pts[1] else "undetermined"
                criteria[crit.code] = criterion_detail(crit, state, None, None, pts, None, inputs)
            else:
                value, threshold = ((row[cols[0]], row[cols[1]]), (row[cols[2]], row[cols[3]])) if cols else (None, None)
                gap = None if gap_at is None else row[gap_at]
                state = state_word(row[state_at], crit.declaration)
                criteria[crit.code] = criterion_detail(crit, state, value, threshold, None, gap, inputs)
        result = state_word(row[result_at])
        score = (row[score_at[0]], row[score_at[1]]) if score_at else None
        failed = row[failed_at].split(";") if row[failed_at] else []
        out.append((row[code_at], result, score, failed, evaluation_detail(rs.name, rs.version, year, result, score, criteria)))
    return out
