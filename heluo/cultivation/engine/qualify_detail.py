"""Placeholder: the detail JSON column (to be written)."""

from __future__ import annotations

import polars as pl

from heluo.cultivation.engine.rules import RuleSet


def detail_column(rs: RuleSet, evaluated: pl.DataFrame, year: int) -> pl.Series:
    import json

    from heluo.cultivation.engine.frames import frame_evaluations

    return pl.Series(
        [json.dumps(ev.detail(rs), ensure_ascii=False, separators=(",", ":")) for ev in frame_evaluations(rs, evaluated, year)],
        dtype=pl.String,
    )
