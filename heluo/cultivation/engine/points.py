"""Innovation points: scores, ranks and bank lists from a validated ``PointsConfig`` (see ``points_config``
for the configuration, the value and scoring language, and how points and ranks are defined)."""

from __future__ import annotations

import polars as pl

from heluo.cultivation.engine.points_config import Indicator, PointsConfig, is_number

# --------------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------------

_F = pl.Float64


def _null(dtype=_F) -> pl.Expr:
    return pl.lit(None, dtype=dtype)


def _wide(frame: pl.DataFrame, year: int, cfg: PointsConfig) -> pl.DataFrame:
    """One row per enterprise with a column ``col@off`` for every (column, offset) the config reads."""
    if "organization_id" not in frame.columns or "year" not in frame.columns:
        raise ValueError("输入表须有 organization_id 和 year 列 / the input frame needs organization_id and year")
    dup = frame.group_by("organization_id", "year").len().filter(pl.col("len") > 1)
    if dup.height:
        raise ValueError(f"同一企业同一年度有多行 / several rows for one enterprise and year: {dup.head(5).rows()}")
    wide = frame.select("organization_id").unique().sort("organization_id")
    by_off: dict[int, list[str]] = {}
    for col, off in sorted(cfg.reads, key=lambda r: (r[1] is None, r[1] or 0, r[0])):
        if off is not None:
            by_off.setdefault(off, []).append(col)
    for off, cols in by_off.items():
        exprs = []
        for col in cols:
            kind = cfg.inputs[col][0]
            if col not in frame.columns:
                e = _null()
            elif kind == "bool":
                e = pl.col(col).cast(pl.Boolean).cast(_F)  # true → 1, false → 0
            else:
                e = pl.col(col).cast(_F).fill_nan(None)
            exprs.append(e.alias(f"{col}@{off}"))
        sub = frame.filter(pl.col("year") == year + off).select("organization_id", *exprs)
        wide = wide.join(sub, on="organization_id", how="left")
    if ("registered_on", None) in cfg.reads:
        if "registered_on" not in frame.columns:
            reg = frame.select("organization_id").unique().with_columns(registered_on=_null(pl.Date))
        else:
            col = pl.col("registered_on")
            col = col.str.to_date("%Y-%m-%d") if frame.schema["registered_on"] == pl.String else col.cast(pl.Date)
            reg = frame.group_by("organization_id").agg(col.drop_nulls().first().alias("registered_on"))
        wide = wide.join(reg, on="organization_id", how="left")
    return wide


def _value(n: dict, year: int) -> pl.Expr:
    k = n["k"]
    if k == "const":
        return pl.lit(n["v"], dtype=_F)
    if k == "col":
        return pl.col(f"{n['col']}@{n['off']}")
    if k == "ratio":
        a, b = (_value(x, year) for x in n["args"])
        return pl.when(b > 0).then(a / b).otherwise(None)
    if k == "sum":
        parts = [_value(x, year) for x in n["args"]]
        return pl.when(pl.any_horizontal([x.is_null() for x in parts])).then(None).otherwise(pl.sum_horizontal(parts))
    if k == "growth":
        a, b = pl.col(f"{n['col']}@{n['from']}"), pl.col(f"{n['col']}@{n['to']}")
        if n["annualised"]:
            span = n["to"] - n["from"]
            return pl.when((a > 0) & (b >= 0)).then((b / a).pow(1.0 / span) - 1).otherwise(None)
        return pl.when(a != 0).then((b - a) / a.abs()).otherwise(None)
    # age: whole years completed on the reference day (a 29 Feb registration completes a year on 1 Mar)
    ref_year, ref_md = year + n["off"], n["month"] * 100 + n["day"]
    reg = pl.col("registered_on")
    before = (reg.dt.month().cast(pl.Int32) * 100 + reg.dt.day().cast(pl.Int32)) > ref_md
    return (pl.lit(ref_year) - reg.dt.year().cast(pl.Int32) - before.cast(pl.Int32)).cast(_F)


def _cond(n: dict, year: int) -> pl.Expr:
    """A Boolean expression, null when undecided (Polars' & | follow Kleene logic)."""
    k = n["k"]
    if k == "cmp":
        a, b = _value(n["a"], year), _value(n["b"], year)
        return {">=": a >= b, ">": a > b, "<=": a <= b, "<": a < b, "==": a == b, "!=": a != b}[n["op"]]
    if k == "not":
        return ~_cond(n["arg"], year)
    parts = [_cond(x, year) for x in n["args"]]
    out = parts[0] if parts else pl.lit(k == "all")
    for x in parts[1:]:
        out = (out & x) if k == "all" else (out | x)
    return out


def _stage_expr(cfg: PointsConfig, year: int) -> pl.Expr:
    unknown = pl.lit(cfg.stage_if_unknown, dtype=pl.String)
    chain = None
    for s in cfg.stages:
        if s.when is None:
            return (chain.otherwise(pl.lit(s.code)) if chain is not None else pl.lit(s.code)).alias("stage")
        c = _cond(s.when, year)
        chain = (pl.when(c.is_null()) if chain is None else chain.when(c.is_null())).then(unknown)
        chain = chain.when(c).then(pl.lit(s.code))
    raise AssertionError("the last stage is a catch-all")  # guaranteed by parse_points_config


def _band_hit(v: pl.Expr, op: str, bound: float) -> pl.Expr:
    return {">=": v >= bound, ">": v > bound, "<=": v <= bound, "<": v < bound, "==": v == bound, "!=": v != bound}[op]


def _score(ind: Indicator, v: pl.Expr) -> pl.Expr:
    """s in [0, 1]; 0 when the value is unknown."""
    sc = ind.scoring
    if sc["fn"] == "linear":
        lo, hi = sc["min"], sc["max"]
        raw = (v - lo) / (hi - lo) if ind.higher_is_better else (hi - v) / (hi - lo)
        s = raw.clip(0.0, 1.0)
    elif sc["fn"] == "bands":
        chain = None
        for op, bound, pct in sc["rows"]:
            hit = _band_hit(v, op, bound)
            chain = (pl.when(hit) if chain is None else chain.when(hit)).then(pl.lit(pct / 100))
        s = chain.otherwise(pl.lit(sc["else"] / 100))
    else:
        eligible = v.is_not_null() & pl.col("stage").is_not_null()
        if sc["nonpositive_zero"]:
            eligible = eligible & (v > 0)
        keyed = pl.when(eligible).then(v).otherwise(None)
        # rank("max") ascending counts cohort values ≤ v (or ≥ v when lower is better): CUME_DIST
        rank = keyed.rank("max", descending=not ind.higher_is_better).over("stage").cast(_F)
        s = rank / keyed.count().over("stage").cast(_F)
    return pl.when(v.is_null()).then(0.0).otherwise(s).fill_null(0.0)


def _weight(ind: Indicator, cfg: PointsConfig) -> pl.Expr:
    chain = None
    for s in cfg.stages:
        hit = pl.col("stage") == s.code
        chain = (pl.when(hit) if chain is None else chain.when(hit)).then(pl.lit(ind.weights[s.code]))
    return chain.otherwise(None)


def _round2(e: pl.Expr) -> pl.Expr:
    return e.round(2, mode="half_away_from_zero")


def _cutoff(share: float | pl.Expr, n: pl.Expr, rounding: str) -> pl.Expr:
    x = n.cast(_F) * share
    return x.floor() if rounding == "floor" else x.ceil()


def score_enterprises(frame: pl.DataFrame, year: int, cfg: PointsConfig) -> pl.DataFrame:
    """One row per enterprise of ``frame`` scored for year Y (it reads the accounting years the config names).

    Columns: organization_id, year, stage, stage_zh, stage_en, total_points, points_<category>…,
    indicators (struct: per indicator code {value, score, weight, points}), missing_indicators (list),
    rank_stage, rank_overall, stage_size, overall_size, label, label_zh, label_en, config_name,
    config_version. Unscored enterprises (stage unknown with ``if_unknown: null``) have nulls from
    total_points on, and come last.
    """
    df = _wide(frame, year, cfg).with_columns(_stage_expr(cfg, year))
    vals, details = [], []
    for ind in cfg.indicators:
        vals.append(_value(ind.input, year).alias(f"v:{ind.code}"))
    df = df.with_columns(vals)
    score_cols = []
    for ind in cfg.indicators:
        v = pl.col(f"v:{ind.code}")
        s = pl.when(pl.col("stage").is_null()).then(None).otherwise(_score(ind, v))
        score_cols += [s.alias(f"s:{ind.code}"), _weight(ind, cfg).alias(f"w:{ind.code}")]
    df = df.with_columns(score_cols)
    df = df.with_columns([(pl.col(f"s:{i.code}") * pl.col(f"w:{i.code}")).alias(f"p:{i.code}") for i in cfg.indicators])

    scored = pl.col("stage").is_not_null()
    cat_cols = []
    for c in cfg.categories:
        parts = [pl.col(f"p:{i.code}") for i in cfg.indicators if i.category == c.code]
        total = pl.sum_horizontal(parts) if parts else pl.lit(0.0)
        cat_cols.append(pl.when(scored).then(_round2(total)).otherwise(None).alias(f"points_{c.code}"))
    total = pl.sum_horizontal([pl.col(f"p:{i.code}") for i in cfg.indicators])
    for ind in cfg.indicators:
        details.append(
            pl.struct(
                value=pl.col(f"v:{ind.code}"), score=pl.col(f"s:{ind.code}"), weight=pl.col(f"w:{ind.code}"), points=pl.col(f"p:{ind.code}")
            ).alias(ind.code)
        )
    missing = pl.concat_list(
        [pl.when(pl.col(f"v:{i.code}").is_null()).then(pl.lit(i.code)).otherwise(None) for i in cfg.indicators]
    ).list.drop_nulls()
    df = df.with_columns(
        pl.when(scored).then(_round2(total)).otherwise(None).alias("total_points"),
        *cat_cols,
        pl.struct(details).alias("indicators"),
        missing.alias("missing_indicators"),
    )

    # Ranks on the rounded total: equal published totals share the best rank.
    tp = pl.col("total_points")
    df = df.with_columns(
        tp.rank("min", descending=True).over("stage").cast(pl.Int64).alias("rank_stage"),
        tp.rank("min", descending=True).cast(pl.Int64).alias("rank_overall"),
        pl.when(scored).then(tp.count().over("stage")).otherwise(None).cast(pl.Int64).alias("stage_size"),
        pl.when(scored).then(tp.count()).otherwise(None).cast(pl.Int64).alias("overall_size"),
    )
    rank, size = ("rank_stage", "stage_size") if cfg.rank_scope == "stage" else ("rank_overall", "overall_size")
    label = None
    for rl in cfg.rank_lists:
        hit = pl.col(rank).cast(_F) <= _cutoff(rl.top_share, pl.col(size), cfg.count_rounding)
        if rl.min_points is not None:
            hit = hit & (tp >= rl.min_points)
        label = (pl.when(hit) if label is None else label.when(hit)).then(pl.lit(rl.code))
    label = label.otherwise(None) if label is not None else _null(pl.String)
    df = df.with_columns(label.alias("label"))

    def lookup(col: str, mapping: dict) -> pl.Expr:
        return pl.col(col).replace_strict(mapping, default=None, return_dtype=pl.String)

    df = df.with_columns(
        pl.lit(year).cast(pl.Int64).alias("year"),
        lookup("stage", {s.code: s.zh for s in cfg.stages}).alias("stage_zh"),
        lookup("stage", {s.code: s.en for s in cfg.stages}).alias("stage_en"),
        lookup("label", {x.code: x.zh for x in cfg.rank_lists}).alias("label_zh"),
        lookup("label", {x.code: x.en for x in cfg.rank_lists}).alias("label_en"),
        pl.lit(cfg.name).alias("config_name"),
        pl.lit(cfg.version).alias("config_version"),
    )
    cols = [
        "organization_id",
        "year",
        "stage",
        "stage_zh",
        "stage_en",
        "total_points",
        *[f"points_{c.code}" for c in cfg.categories],
        "indicators",
        "missing_indicators",
        "rank_stage",
        "rank_overall",
        "stage_size",
        "overall_size",
        "label",
        "label_zh",
        "label_en",
        "config_name",
        "config_version",
    ]
    return df.select(cols).sort(["rank_overall", "organization_id"], nulls_last=True)


def bank_list(
    scored: pl.DataFrame,
    cfg: PointsConfig,
    *,
    min_points: float | None = None,
    top_share: float | None = None,
    stages: list[str] | tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """The rows a partner bank receives for 积分贷: scored enterprises passing the filters, with only the
    config's ``bank.shared_fields`` (data minimisation: the bank gets the points and ranks, not the
    enterprise's raw figures, unless the bureau lists ``value:<indicator>`` explicitly).

    ``min_points`` / ``top_share`` default to the config's ``bank`` values (null = no filter);
    ``top_share`` keeps rank ≤ round(share × cohort size) on ``bank.rank_basis`` (stage or overall), with
    the config's ``count_rounding``; ``stages`` keeps those stage codes. Sorted by overall rank.
    """
    if scored.height and set(scored["config_version"].unique().to_list()) != {cfg.version}:
        raise ValueError("积分结果与配置版本不一致 / the scores were computed with another config version")
    min_points = cfg.bank.min_points if min_points is None else min_points
    top_share = cfg.bank.top_share if top_share is None else top_share
    if top_share is not None and not (is_number(top_share) and 0 < top_share <= 1):
        raise ValueError("top_share 须在 (0, 1] 内 / top_share must be within (0, 1]")
    keep = pl.col("total_points").is_not_null()
    if min_points is not None:
        keep = keep & (pl.col("total_points") >= min_points)
    if top_share is not None:
        rank, size = ("rank_stage", "stage_size") if cfg.bank.rank_basis == "stage" else ("rank_overall", "overall_size")
        keep = keep & (pl.col(rank).cast(_F) <= _cutoff(top_share, pl.col(size), cfg.count_rounding))
    if stages is not None:
        unknown = set(stages) - {s.code for s in cfg.stages}
        if unknown:
            raise ValueError(f"未知阶段 / unknown stages: {sorted(unknown)}")
        keep = keep & pl.col("stage").is_in(list(stages))
    out = []
    for f in cfg.bank.shared_fields:
        kind, _, code = f.partition(":")
        if code:  # an indicator's value or points, shared only because the config says so
            out.append(pl.col("indicators").struct.field(code).struct.field(kind).alias(f"{kind}_{code}"))
        else:
            out.append(pl.col(f))
    return scored.filter(keep).sort(["rank_overall", "organization_id"], nulls_last=True).select(out)
