"""The ``detail`` JSON of ``heluo qualify --detail``, built column by column from ``frames.evaluate_frame``: the same
text, byte for byte, as ``json.dumps(evaluation.detail(rs), ensure_ascii=False, separators=(",", ":"))`` for the
``Evaluation`` that ``frame_evaluations`` makes of each row.

Numbers are written the way ``json.dumps`` writes what ``evaluation._plain`` gives: whole floats below 2⁵³ as
integers, others as ``repr``. Polars writes a float as ``repr`` does from 1e-4 up (checked on random floats in
the tests); smaller ones, ±inf and NaN, dates and gap wordings are few distinct values, each written once by
Python itself.
"""

from __future__ import annotations

import json

import polars as pl

from heluo.cultivation.engine.evaluation import CriterionResult, _plain, gap_text
from heluo.cultivation.engine.rules import Criterion, RuleSet

_NULL = pl.lit("null")


def detail_column(rs: RuleSet, evaluated: pl.DataFrame, year: int) -> pl.Series:
    """One JSON text per row of ``evaluated`` (a slice of ``evaluate_frame``'s result is fine)."""
    texts = {}  # column name → its JSON text (null where the value is null)

    def text(name: str, plain: bool = True) -> pl.Expr:
        key = f"{name}\x00{plain}"
        if key not in texts:
            texts[key] = (
                json_text(evaluated[name], plain)
                if name in evaluated.columns
                else pl.repeat(None, evaluated.height, dtype=pl.String, eager=True)
            )
        return pl.col(key)

    criteria = [_criterion(crit, evaluated, text) for crit in rs.criteria]
    result = pl.col("result")
    word = pl.when(result).then(pl.lit('"pass"')).when(result.not_()).then(pl.lit('"fail"')).otherwise(pl.lit('"undetermined"'))
    score = _interval(evaluated, "score_lo", "score_hi", text) if rs.total else None
    pieces = [
        pl.lit(f'{{"ruleset":{_dumps(rs.name)},"version":{_dumps(rs.version)},"year":{_dumps(year)},"result":'),
        word,
        pl.lit(',"score":'),
        _NULL if score is None else score.fill_null(_NULL),
        pl.lit(',"criteria":{'),
    ]
    for i, piece in enumerate(criteria):
        pieces += [pl.lit(","), *piece] if i else piece
    pieces.append(pl.lit("}}"))
    frame = evaluated.with_columns(**texts)
    return frame.select(pl.concat_str(pieces, ignore_nulls=True).alias("detail")).to_series()


def _criterion(crit: Criterion, evaluated: pl.DataFrame, text) -> list[pl.Expr]:
    """The pieces of ``"code":{…}``; a null piece is a key left out (its value is None)."""
    c = crit.code
    open_ = pl.lit(f'{_dumps(c)}:{{"state":')
    inputs = None
    if crit.reads:
        parts = [pl.lit(',"inputs":{')]
        for i, ref in enumerate(crit.reads):
            parts += [pl.lit(("," if i else "") + f"{_dumps(ref)}:"), text(ref).fill_null(_NULL)]
        inputs = pl.concat_str([*parts, pl.lit("}")])
    if crit.kind == "score":
        lo, hi = pl.col(f"{c}:plo"), pl.col(f"{c}:phi")
        scored = (lo.is_null() & hi.is_null()) | ((lo == hi) & ~_nan(evaluated, f"{c}:plo"))
        state = pl.when(scored).then(pl.lit('"scored"')).otherwise(pl.lit('"undetermined"'))
        points = _interval(evaluated, f"{c}:plo", f"{c}:phi", text)
        return [p for p in (open_, state, _key("points", points), inputs, pl.lit("}")) if p is not None]
    s = pl.col(f"{c}:state")
    unknown = '"unchecked"' if crit.declaration else '"undetermined"'
    state = pl.when(s).then(pl.lit('"pass"')).when(s.not_()).then(pl.lit('"fail"')).otherwise(pl.lit(unknown))
    failed = s.not_().fill_null(False)
    pieces = [open_, state]
    if crit.cond is None:
        pieces.append(_key("value", _interval(evaluated, f"{c}:vlo", f"{c}:vhi", text)))
        pieces.append(_key("threshold", _interval(evaluated, f"{c}:tlo", f"{c}:thi", text)))
    gap = f"{c}:gap" if f"{c}:gap" in evaluated.columns else None
    if gap:
        pieces.append(_key("gap", text(gap, plain=False)))
    pieces += [_gap_words(crit, evaluated, failed, gap), inputs, pl.lit("}")]
    return [p for p in pieces if p is not None]


def _gap_words(crit: Criterion, evaluated: pl.DataFrame, failed: pl.Expr, gap: str | None) -> pl.Expr | None:
    """``,"gap_unit":…,"gap_zh":…,"gap_en":…`` where ``gap_text`` gives words: a failed check, with a gap."""
    g = crit.gap
    if g is None:
        return None
    head = f',"gap_unit":{_dumps(g.unit)},"gap_zh":'
    if g.unit == "none":
        zh, en = gap_text(crit, CriterionResult(crit.code, "check", "fail"))
        return pl.when(failed).then(pl.lit(f'{head}{_dumps(zh)},"gap_en":{_dumps(en)}'))
    if gap is None:
        return None
    values = evaluated.filter(evaluated.select(failed).to_series())[gap].drop_nulls().unique()
    words, result = [], CriterionResult(crit.code, "check", "fail")
    for result.gap in values.to_list():  # one distinct gap at a time: gap_text reads only crit and the gap
        zh, en = gap_text(crit, result)
        words.append(f'{head}{_string(zh)},"gap_en":{_string(en)}')
    mapped = pl.col(gap).replace_strict(values, pl.Series(words, dtype=pl.String), default=None, return_dtype=pl.String)
    return pl.when(failed).then(mapped)


def _interval(evaluated: pl.DataFrame, lo_name: str, hi_name: str, text) -> pl.Expr:
    """``_jsonable((lo, hi))``: null when both are unknown, one value when they are equal, else ``[lo,hi]``."""
    lo, hi = pl.col(lo_name), pl.col(hi_name)
    same = (lo == hi) & ~_nan(evaluated, lo_name)
    pair = pl.concat_str([pl.lit("["), text(lo_name).fill_null(_NULL), pl.lit(","), text(hi_name).fill_null(_NULL), pl.lit("]")])
    return pl.when(lo.is_null() & hi.is_null()).then(None).when(same.fill_null(False)).then(text(lo_name)).otherwise(pair)


def _nan(evaluated: pl.DataFrame, name: str) -> pl.Expr:
    return pl.col(name).is_nan() if evaluated.schema[name].is_float() else pl.lit(False)


def _key(name: str, value: pl.Expr) -> pl.Expr:
    return pl.concat_str([pl.lit(f',"{name}":'), value])


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


_string = json.encoder.encode_basestring  # what json.dumps(text, ensure_ascii=False) does with a str, less its set-up


def json_text(values: pl.Series, plain: bool) -> pl.Series:
    """The JSON text of each value (``_plain`` first when ``plain``); null stays null."""
    if values.dtype == pl.Boolean:
        return pl.select(pl.when(pl.lit(values)).then(pl.lit("true")).when(pl.lit(values).not_()).then(pl.lit("false"))).to_series()
    out = pl.repeat(None, values.len(), dtype=pl.String, eager=True)
    rest = values.is_not_null()
    if values.dtype.is_float():
        v = pl.lit(values)
        whole = v.is_finite() & (v.floor() == v) & (v.abs() < 2.0**53) if plain else pl.lit(False)
        decimal = v.is_finite() & (v.abs() >= 1e-4)  # Polars writes these as repr does
        # zeros apart: Polars' unique() below would take -0.0 and 0.0 for one value
        zero = pl.when((1.0 / v) < 0).then(pl.lit("-0.0")).otherwise(pl.lit("0.0"))
        written = pl.when(whole).then(v.cast(pl.Int64, strict=False).cast(pl.String)).when(decimal).then(v.cast(pl.String))
        written = pl.select(written.when(v == 0).then(zero)).to_series()
        out = written
        rest = rest & written.is_null()
    if rest.any():
        few = values.filter(rest).unique()
        words = pl.Series([_dumps(_plain(x) if plain else x) for x in few.to_list()], dtype=pl.String)
        out = out.zip_with(~rest, values.replace_strict(few, words, default=None, return_dtype=pl.String))
    return out
