"""``codes.check_uscc`` and the check character over a whole column in Polars, with no Python per row.

``uscc_valid`` says only valid or not: the reason for an invalid code comes from ``check_uscc`` itself, called
for those few. The alphabet, weights and authority codes are the ones in ``codes``.
"""

from __future__ import annotations

import polars as pl

from heluo.core.codes import USCC_ALPHABET, USCC_AUTHORITIES, USCC_WEIGHTS

# byte → index in USCC_ALPHABET (−1 for any other byte), and whether the byte may come first
_INDEX = pl.Series([USCC_ALPHABET.find(chr(b)) if b < 128 else -1 for b in range(256)], dtype=pl.Int32)
_AUTHORITY = pl.Series([chr(b) in USCC_AUTHORITIES for b in range(256)])
_SYMBOLS = pl.Series(list(USCC_ALPHABET))


def _indices(codes: pl.Series, length: int) -> pl.DataFrame:
    """``shape`` (the text is ``length`` bytes), ``bytes`` and ``index`` (each byte's index in the alphabet) as
    arrays; the codes are flattened to map every byte in one gather."""
    as_bytes = pl.col("code").cast(pl.Binary).bin.reinterpret(dtype=pl.Array(pl.UInt8, length))
    frame = pl.DataFrame({"code": codes}).select(as_bytes.is_not_null().alias("shape"), as_bytes.alias("bytes"))
    filler = pl.lit(bytes(length)).cast(pl.Binary).bin.reinterpret(dtype=pl.Array(pl.UInt8, length))
    flat = frame.select(pl.col("bytes").fill_null(filler).reshape((-1,))).to_series()
    return frame.with_columns(index=pl.select(pl.lit(_INDEX).gather(flat).reshape((-1, length))).to_series())


def _check_index(index: pl.Expr) -> pl.Expr:
    """The index of the check character for arrays of 17 indices."""
    weights = pl.lit(pl.Series([USCC_WEIGHTS], dtype=pl.Array(pl.Int32, 17))).first()
    return (31 - index.arr.dot(weights) % 31) % 31


def uscc_check_chars(first17: pl.Series) -> pl.Series:
    """The 18th character for each 17-character prefix (null where the prefix has a character not in the alphabet)."""
    frame = _indices(first17, 17)
    idx = pl.col("index")
    known = pl.col("shape") & (idx.arr.min() >= 0)
    return frame.select(pl.when(known).then(pl.lit(_SYMBOLS).gather(_check_index(idx).fill_null(0)))).to_series().alias(first17.name)


def uscc_valid(codes: pl.Series) -> pl.Series:
    """True where a code passes every test of ``check_uscc`` as it stands, else false (also for null). A code
    that ``codes.normalize_code`` would change (lower case, spaces, full-width characters) is false here."""
    idx = pl.col("index")
    checks = [
        pl.col("shape"),
        idx.arr.min() >= 0,
        pl.lit(_AUTHORITY).gather(pl.col("bytes").arr.first().fill_null(0)),
        idx.arr.slice(2, 6, as_array=True).arr.max() < 10,
        idx.arr.last() == _check_index(idx.arr.slice(0, 17, as_array=True)),
    ]
    return _indices(codes, 18).select(pl.all_horizontal(checks).alias(codes.name)).to_series()


def usccs_valid_as_written(values: list) -> list[bool]:
    """``uscc_valid`` for a list of cells (an import's column): True where check_uscc would pass the cell and give it
    back unchanged; False where check_uscc itself must look (and then names what is wrong)."""
    return uscc_valid(pl.Series([v if v.__class__ is str else None for v in values], dtype=pl.String)).to_list()
