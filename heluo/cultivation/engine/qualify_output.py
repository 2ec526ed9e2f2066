"""The output of ``heluo qualify``, one row per enterprise, built from ``frames.evaluate_frame`` column by column:
the words, scores and texts are those ``frame_evaluations`` and ``Evaluation.detail`` give, written the way the
csv module wrote them (empty cells are nulls, as Polars quotes an empty string)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import polars as pl

from heluo.cultivation.engine.frames import evaluate_frame
from heluo.cultivation.engine.qualify import format_score
from heluo.cultivation.engine.qualify_detail import detail_column
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
        _score(rs, evaluated).alias("score"),
        pl.when(pl.col("failed") != "").then(pl.col("failed")).alias("failed"),
    )
    if not detail:
        yield out.with_columns(pl.lit(None, dtype=pl.String).alias("detail"))
        return
    for start in range(0, out.height, BATCH):
        yield out.slice(start, BATCH).with_columns(detail_column(rs, evaluated.slice(start, BATCH), year))


def _score(rs: RuleSet, evaluated: pl.DataFrame) -> pl.Expr:
    """``format_score`` of each (lo, hi): there are few distinct ones, each formatted once in Python."""
    if not rs.total:
        return pl.lit(None, dtype=pl.String)
    pairs = evaluated.select("score_lo", "score_hi").unique()
    texts = [format_score(pair) or None for pair in pairs.iter_rows()]
    key = pl.struct("score_lo", "score_hi")
    return key.replace_strict(pairs.select(key).to_series(), pl.Series(texts, dtype=pl.String), return_dtype=pl.String)
