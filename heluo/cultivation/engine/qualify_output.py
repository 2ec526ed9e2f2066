"""The output of ``heluo qualify``, one row per enterprise, built from ``frames.evaluate_frame`` column by column:
the words, scores and texts are those ``frame_evaluations`` and ``Evaluation.detail`` give, written the way the
csv module wrote them (empty cells are nulls, as Polars quotes an empty string)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import polars as pl

from heluo.cultivation.engine.frames import evaluate_frame
from heluo.cultivation.engine.qualify import format_score
from heluo.cultivation.engine.qualify_detail import detail_column, json_text
from heluo.cultivation.engine.rules import RuleSet

OUTPUT_COLUMNS = ("credit_code", "ruleset", "result", "score", "failed", "detail")
BATCH = 50_000


def qualify_batches(
    rs: RuleSet, frame: pl.DataFrame, year: int, as_of: dt.date | None = None, detail: bool = False
) -> Iterator[pl.DataFrame]:
    """The output rows for the typed input ``frame`` (``qualify_read.read_frame``), in batches of ``BATCH``
    enterprises when ``detail`` adds the JSON (a few kB each), else in one."""
    if frame.is_empty():
        yield pl.DataFrame(schema=dict.fromkeys(OUTPUT_COLUMNS, pl.String))
        return
    evaluated = evaluate_frame(rs, frame, year, as_of)
    result = pl.col("result")
    words = pl.when(result).then(pl.lit("pass")).when(result.not_()).then(pl.lit("fail")).otherwise(pl.lit("undetermined"))
    out = evaluated.select(
        "credit_code",
        pl.lit(rs.name).alias("ruleset"),
        words.alias("result"),
        pl.lit(_score(rs, evaluated)).alias("score"),
        pl.when(pl.col("failed") != "").then(pl.col("failed")).alias("failed"),
    )
    if not detail:
        yield out.with_columns(pl.lit(None, dtype=pl.String).alias("detail"))
        return
    for start in range(0, out.height, BATCH):
        yield out.slice(start, BATCH).with_columns(detail_column(rs, evaluated.slice(start, BATCH), year))


def _score(rs: RuleSet, evaluated: pl.DataFrame) -> pl.Series:
    """``format_score`` of each (lo, hi): a finite bound is written as ``_plain`` writes it (``qualify_detail.json_text``),
    anything else by ``format_score`` itself, once per distinct pair."""
    if not rs.total:
        return pl.repeat(None, evaluated.height, dtype=pl.String, eager=True)
    lo, hi = evaluated["score_lo"], evaluated["score_hi"]
    texts = pl.DataFrame([json_text(lo, True).alias("lo"), json_text(hi, True).alias("hi")])
    score = texts.select(
        pl.when(pl.col("lo") == pl.col("hi")).then(pl.col("lo")).otherwise(pl.concat_str("lo", pl.lit("-"), "hi"))
    ).to_series()
    odd = ~(lo.is_finite() & hi.is_finite()).fill_null(False)
    if odd.any():
        pairs = evaluated.filter(odd).select("score_lo", "score_hi").unique()
        words = pl.Series([format_score(pair) or None for pair in pairs.iter_rows()], dtype=pl.String)
        key = evaluated.select(pl.struct("score_lo", "score_hi")).to_series()
        score = score.zip_with(~odd, key.replace_strict(pairs.select(pl.struct(pl.all())).to_series(), words, default=None))
    return score
