"""The Polars reader of ``heluo qualify`` against the per-row reader it replaced (``qualify_oracle``): the same
errors in the same order, the same typed frame, the same output file — on random files, every rule set."""

import csv
import datetime as dt
import importlib.util
import itertools
import json
import math
import os
import random
import struct
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heluo.core.codes import USCC_ALPHABET, check_uscc, make_uscc, normalize_code, uscc_check_char
from heluo.core.codes_frame import uscc_check_chars, uscc_valid
from heluo.cultivation.engine.evaluation import _plain
from heluo.cultivation.engine.qualify import to_frame
from heluo.cultivation.engine.qualify_detail import json_text
from heluo.cultivation.engine.qualify_read import ASCII_WHITESPACE, WHITESPACE, read_frame
from heluo.cultivation.engine.rules import load_ruleset, ruleset_names
from heluo.cultivation.qualify_csv import qualify_file
from tests.cultivation import qualify_oracle as oracle

BENCH = Path(__file__).resolve().parents[2] / "bench" / "qualify.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_qualify", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = load_bench()


def test_whitespace_is_what_str_strip_removes():
    assert WHITESPACE == "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    assert set(ASCII_WHITESPACE) == set(" \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f")


def test_credit_codes_column_wise_agree_with_check_uscc():
    rng = random.Random(7)
    noise = USCC_ALPHABET + "IOSVZaz +-_/\u3000１Ａ"
    codes = ["", "9", "91410300M00000000G", "91410300m00000000g", " 91410300M00000000G"]
    for _ in range(20_000):
        code = make_uscc(rng.choice("123456789ANYB"), rng.choice("123"), f"{rng.randrange(10**6):06d}", f"{rng.randrange(10**8):08d}")
        for _ in range(rng.choice([0, 0, 1, 2])):
            i = rng.randrange(19)
            code = code[:i] + rng.choice(noise) + code[i + 1 :]
        codes.append(code)
    fast = uscc_valid(pl.Series(codes)).to_list()
    for code, ok in zip(codes, fast):
        check = check_uscc(code)
        # valid column-wise ⇒ valid, as written; a valid code as written is valid column-wise
        assert ok == (check.valid and normalize_code(code) == code), code
    prefixes = [c[:17] for c in codes]
    chars = uscc_check_chars(pl.Series(prefixes)).to_list()
    for prefix, char in zip(prefixes, chars):
        plain = len(prefix) == 17 and all(c in USCC_ALPHABET for c in prefix)
        assert char == (uscc_check_char(prefix) if plain else None), prefix


# ---------------------------------------------------------------------------------------------------
# Random files: the bench's synthetic enterprises written as CSV, then spoilt
# ---------------------------------------------------------------------------------------------------
def records(n: int, seed: int, extras: bool = True) -> list[list[str]]:
    df = bench.generate(n, 2025, extras=extras, seed=seed)
    text = df.select(pl.all().cast(pl.String).fill_null(""))
    return [text.columns, *map(list, text.iter_rows())]


CELLS = [
    "",
    " ",
    "0",
    "-0",
    "1",
    "8",
    "9",
    "-1",
    "1.5",
    "2.0",
    "1e3",
    "1E-2",
    ".5",
    "5.",
    "+7",
    "1_000",
    "1,234",
    "1,234.5",
    "12,34",
    "inf",
    "-inf",
    "nan",
    "1e400",
    "１２",
    "\u3000３",
    " 42 ",
    "\t7",
    "x",
    "是",
    "否",
    "true",
    "TRUE",
    "False",
    "yes",
    "N",
    "t",
    "2024-02-29",
    "2023-02-29",
    "2024-2-9",
    "0000-01-01",
    "２０２４-01-01",
    "2024/01/01",
    "1899",
    "2101",
    "2024",
    "2024.0",
    "31",
    "-5",
    "0.333",
    "100",
    "1e-300",
    "91410300M00000000G",
    "91410300m00000000g",
    "9141 0300M00000000G",
]
# texts that change how the file is split: a line end or a comma in a cell, a carriage return, the separators
# the csv module's path hands its records over with
SPLITTING = ["1\n2", "2024\r", "a,b", 'x""y', "\x1e", "\x1f"]
TEXT = st.text(alphabet="0123456789.,-+eE _\tx\u3000１是true", max_size=6)


@st.composite
def spoilt_files(draw):
    rows = records(draw(st.integers(1, 4)), draw(st.integers(0, 10**6)), extras=draw(st.booleans()))
    header, body = rows[0], rows[1:]
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["cell", "cell", "cell", "copy", "blank", "short", "long", "code", "date"]))
        i = draw(st.integers(0, len(body) - 1))
        if len(body[i]) < 3:
            continue  # a blank or short record already
        if kind == "cell":
            j = draw(st.integers(0, len(body[i]) - 1))
            body[i][j] = draw(st.sampled_from(CELLS) | TEXT)
        elif kind == "copy":
            body.insert(draw(st.integers(0, len(body))), list(body[i]))
        elif kind == "blank":
            body.insert(i, draw(st.sampled_from([[], [""], [" ", ""], [","] * 3, [""] * (len(header) + 2)])))
        elif kind == "short":
            body[i] = body[i][: draw(st.integers(1, len(header) - 1))]
        elif kind == "long":
            body[i] = body[i] + draw(st.lists(st.sampled_from(["", "x"]), min_size=1, max_size=3))
        elif kind == "code":
            body[i][0] = body[i][0][:-1] + draw(st.sampled_from(list(USCC_ALPHABET) + ["I", "a"]))
        else:
            body[i][2] = draw(st.sampled_from(["2001-01-01", "2015-03-01", ""]))
    quote = draw(st.sampled_from(["never", "never", "some"]))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    lines = []
    for record in [header, *body]:
        cells = [f'"{c}"' if quote == "some" and draw(st.booleans()) and "," not in c else c for c in record]
        lines.append(",".join(cells))
    text = eol.join(lines) + draw(st.sampled_from(["", eol, eol + eol]))
    return (draw(st.sampled_from(["", "\ufeff"])) + text).encode()


def same_reading(path, rs):
    frame, errors, warnings = read_frame(path, rs)
    rows, old_errors, old_warnings = oracle.read_rows(path, rs)
    assert [str(e) for e in errors] == [str(e) for e in old_errors]
    assert errors == old_errors and warnings == old_warnings
    if not errors:
        assert frame.equals(to_frame(rows, rs)) if rows else frame.is_empty()
    return errors


@settings(
    max_examples=int(os.environ.get("HELUO_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=spoilt_files(), ruleset=st.sampled_from(["hte-2016", "tech-sme-2022", "little-giant-2026"]))
def test_random_files_read_as_before(tmp_path, data, ruleset):
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    same_reading(path, load_ruleset(ruleset))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xef\xbb\xbf",
        b"\n",
        b"credit_code,year\n",
        b"credit_code,year\n\xff\n",
        b'credit_code,"year\n',
        b"a\rb\n",
        b"credit_code\r\n" + b"x\r\n",
        b"x" * 200_000 + b"\n1\n",
    ],
)
def test_odd_files_read_as_before(tmp_path, data):
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    same_reading(path, load_ruleset("hte-2016"))


def test_a_file_that_does_not_exist(tmp_path):
    assert same_reading(tmp_path / "none.csv", load_ruleset("hte-2016"))[0].reason_en.startswith("file not found")


@pytest.mark.parametrize("cells", [CELLS, CELLS[:20] + SPLITTING, SPLITTING[:3]])
def test_cells_of_every_kind_read_as_before(tmp_path, cells):
    """Every listed text in every column, once on the Polars path and once (quoted) on the csv module's."""
    header, *body = records(len(cells), 3)
    for i, row in enumerate(body):
        for j in range(1, len(header)):
            row[j] = cells[(i + j) % len(cells)]
    for quote in ("", '"'):
        path = tmp_path / "in.csv"
        path.write_text("\n".join(",".join(f"{quote}{c}{quote}" for c in r) for r in [header, *body]) + "\n", encoding="utf-8")
        assert len(same_reading(path, load_ruleset("hte-2016"))) > 100


# ---------------------------------------------------------------------------------------------------
# Output, on every shipped rule set
# ---------------------------------------------------------------------------------------------------
def write_rows(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


@pytest.mark.parametrize("ruleset", ruleset_names())
def test_output_is_the_same_file_on_every_rule_set(tmp_path, ruleset):
    rs = load_ruleset(ruleset)
    src = tmp_path / "in.csv"
    write_rows(src, records(150, 11))
    assert oracle.qualify_file(rs, 2025, src, tmp_path / "old.csv") == ([], [])
    assert qualify_file(rs, 2025, src, tmp_path / "new.csv", detail=True) == ([], [])
    assert (tmp_path / "new.csv").read_bytes() == (tmp_path / "old.csv").read_bytes()
    assert qualify_file(rs, 2025, src, tmp_path / "brief.csv") == ([], [])
    with open(tmp_path / "old.csv", encoding="utf-8") as old, open(tmp_path / "brief.csv", encoding="utf-8") as brief:
        assert [dict(r, detail="") for r in csv.DictReader(old)] == list(csv.DictReader(brief))


def test_output_with_an_application_date(tmp_path):
    rs, as_of = load_ruleset("hte-2016"), dt.date(2025, 2, 28)
    src = tmp_path / "in.csv"
    write_rows(src, records(60, 5))
    oracle.qualify_file(rs, 2025, src, tmp_path / "old.csv", as_of)
    qualify_file(rs, 2025, src, tmp_path / "new.csv", as_of, detail=True)
    assert (tmp_path / "new.csv").read_bytes() == (tmp_path / "old.csv").read_bytes()


def test_errors_stop_the_output(tmp_path):
    rows = records(20, 2)
    rows[3][0] = rows[3][0][:-1] + ("0" if rows[3][0][-1] != "0" else "1")
    rows.append(list(rows[5]))
    src = tmp_path / "in.csv"
    write_rows(src, rows)
    rs = load_ruleset("srdi-sme-2026")
    errors, _ = qualify_file(rs, 2025, src, tmp_path / "new.csv")
    assert errors == oracle.qualify_file(rs, 2025, src, tmp_path / "old.csv")[0] and len(errors) == 2
    assert not (tmp_path / "new.csv").exists()


def test_numbers_in_the_detail_are_written_as_json_dumps_writes_them():
    rng = random.Random(9)
    floats = [
        0.0,
        -0.0,
        1e-4,
        9.999e-5,
        1e-5,
        2.0**53,
        2.0**53 + 2,
        -(2.0**60),
        1e16,
        1e22,
        0.1 + 0.2,
        float("inf"),
        float("-inf"),
        float("nan"),
    ]
    for _ in range(20_000):
        floats.append(struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0])
        floats.append(rng.uniform(-1, 1) * 10 ** rng.randint(-8, 20))
        floats.append(rng.randint(-(10**7), 10**7) / rng.choice([1, 3, 100, 1e4]))
    values = pl.Series(floats + [None], dtype=pl.Float64)
    for plain in (True, False):
        expected = [None if v is None else json.dumps(_plain(v) if plain else v) for v in values.to_list()]
        assert json_text(values, plain).to_list() == expected
    days = pl.Series([dt.date(2020, 2, 29), None, dt.date(1, 1, 1)])
    assert json_text(days, True).to_list() == ['"2020-02-29"', None, '"0001-01-01"']
    assert json_text(pl.Series([True, None, False]), True).to_list() == ["true", None, "false"]


def test_polars_reads_a_subset_of_what_python_reads_as_numbers_to_the_same_value():
    """What the Polars paths rest on: a text Polars reads as a number (in a CSV, or cast from a string) is one
    that ``float`` reads after ``str.strip()``, to the same value; empty or blank reads as null, i.e. unknown."""
    alphabet = "09.eE+-_ ,xnaif\t\x0b\x1c"
    texts = sorted(
        {"".join(t) for k in range(1, 4) for t in itertools.product(alphabet, repeat=k)}
        | {"inf", "-Infinity", "nan", "1e400", "1e-400", "4.9e-324", "1_000", "１２", "0x10", "9007199254740993", " 7", "7 ", "  "}
    )
    texts = [t for t in texts if "," not in t]
    data = ("h\n" + "\n".join(texts) + "\n").encode()
    read = pl.read_csv(data, has_header=False, skip_rows=1, quote_char=None, schema={"v": pl.Float64}, ignore_errors=True)["v"]
    cast = pl.Series(texts).cast(pl.Float64, strict=False)
    for text, by_read, by_cast in zip(texts, read.to_list(), cast.to_list()):
        for value in (by_read, by_cast):
            if value is None:
                continue
            expected = float(text.strip())
            assert value == expected or (math.isnan(value) and math.isnan(expected)), text
            assert math.copysign(1, value) == math.copysign(1, expected), text
    for text in ["", " ", "\t", " \t ", "NA", "null", "None", "-", "\x0b", "\x1c", "\xa0", "\u3000", "x"]:
        try:  # as the reader reads: a text it cannot read as a number stops it
            value = pl.read_csv(
                f"h,g\n{text},a\n".encode(), has_header=False, skip_rows=1, quote_char=None, schema={"v": pl.Float64, "w": pl.String}
            )
        except pl.exceptions.PolarsError:
            continue
        assert value["v"][0] is None and not text.strip(), repr(text)  # null only for blank: unknown, as parse_cell has it


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_columns_in_any_order_read_as_before(tmp_path, eol):
    header, *body = records(30, 4)
    order = list(range(len(header)))
    random.Random(1).shuffle(order)
    rows = [[r[i] for i in order] for r in [header, *body]]
    path = tmp_path / "in.csv"
    for spoil in [None, ("total_staff", "-3"), ("year", ""), ("hitech_field", " "), ("credit_code", "")]:
        if spoil:
            rows[5][rows[0].index(spoil[0])] = spoil[1]
        path.write_text(eol.join(",".join(r) for r in rows) + eol, encoding="utf-8")
        same_reading(path, load_ruleset("innovative-sme-2022"))


def test_a_file_with_only_its_header_gives_only_the_header(tmp_path):
    rs = load_ruleset("tech-sme-2022")
    src = tmp_path / "in.csv"
    write_rows(src, records(1, 1)[:1])
    assert oracle.qualify_file(rs, 2025, src, tmp_path / "old.csv") == qualify_file(rs, 2025, src, tmp_path / "new.csv") == ([], [])
    assert (tmp_path / "new.csv").read_bytes() == (tmp_path / "old.csv").read_bytes() == b"credit_code,ruleset,result,score,failed,detail\n"
