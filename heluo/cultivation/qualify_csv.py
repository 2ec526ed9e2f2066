"""Stateless qualification of a CSV file: ``heluo qualify --ruleset NAME --year Y [--detail] INPUT.csv OUTPUT.csv``,
with no Django and no database (``heluo/cli.py`` calls ``main`` before any Django set-up).

INPUT has one row per enterprise per accounting year with the columns of issue 4 (``credit_code, year,
registered_on, total_staff, …, led_standard_5y``): money in 元, counts as whole numbers, booleans as
true/false, dates as YYYY-MM-DD, ``hitech_field`` 1–8 or empty for none; any other empty cell is unknown.
Optional columns named in ``rulesets/_extra_inputs.json`` (expert scores, main-business revenue, …) are
used by the rule sets that read them. Y is the year of application/evaluation (HTE reads Y−3…Y−1,
科技型中小企业 reads Y−1).

OUTPUT has one row per enterprise: ``credit_code, ruleset, result`` (pass / fail / undetermined),
``score`` (a number, or ``lo-hi`` while expert inputs are missing; empty for rule sets without a score),
``failed`` (criterion codes joined by ``;``) and ``detail``: empty unless ``--detail`` is given, then JSON with
each criterion's state, value, threshold, points, gap with its Chinese and English wording, and the inputs it
read. The JSON is several times the size of everything else (≈2.6 kB an enterprise), so it is made only on request.

The whole file is checked first (``engine.qualify_read``). Every error is reported with its row (the header is
row 1, as in a spreadsheet), column and reason in Chinese and English; if there is any, nothing is written and
the exit code is 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from heluo.core.cells import RowError, replacing
from heluo.cultivation.engine.qualify_output import qualify_batches
from heluo.cultivation.engine.qualify_read import read_frame
from heluo.cultivation.engine.rules import RuleSet, RuleSetError, load_ruleset, ruleset_names

MAX_SHOWN_ERRORS = 200


def qualify_file(
    rs: RuleSet, year: int, input_path: str | Path, output_path: str | Path, as_of: dt.date | None = None, detail: bool = False
) -> tuple[list[RowError], list[str]]:
    """(errors, warnings). Writes ``output_path`` only when there is no error."""
    frame, errors, warnings = read_frame(input_path, rs)
    if errors:
        return errors, warnings
    with replacing(output_path) as tmp, open(tmp, "wb") as fh:
        for i, batch in enumerate(qualify_batches(rs, frame, year, as_of, detail)):
            batch.write_csv(fh, include_header=i == 0)
    return [], warnings


def _param(text: str):
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError("NAME=VALUE")
    try:
        return name.strip(), json.loads(value)
    except json.JSONDecodeError:
        return name.strip(), value


def main(argv: list[str] | None = None) -> int:
    """0 on success, 1 on data errors, 2 on usage errors (unknown rule set, bad parameter)."""
    parser = argparse.ArgumentParser(
        prog="heluo qualify",
        description="Pre-assess every enterprise of a CSV file against a qualification rule set "
        "(按认定规则逐家企业预评估：结果、得分、未满足的条件与差距)",
    )
    parser.add_argument("--ruleset", required=True, help=f"one of: {', '.join(ruleset_names())}")
    parser.add_argument("--year", required=True, type=int, help="year of application/evaluation (申请/评价年度)")
    parser.add_argument(
        "--as-of", type=dt.date.fromisoformat, default=None, help="application date YYYY-MM-DD (default: any day of the year)"
    )
    parser.add_argument(
        "--param",
        type=_param,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a rule-set parameter, e.g. --param transform_divisor=3",
    )
    parser.add_argument(
        "--detail", action="store_true", help="fill the detail column: JSON of every criterion (输出每项条件的明细 JSON，文件大数倍)"
    )
    parser.add_argument("input", help="CSV: one row per enterprise per accounting year")
    parser.add_argument("output", help="CSV: one row per enterprise")
    args = parser.parse_args(argv)
    try:
        rs = load_ruleset(args.ruleset, dict(args.param) or None)
    except RuleSetError as exc:
        print(f"规则集错误 / rule set error: {exc}", file=sys.stderr)
        return 2
    errors, warnings = qualify_file(rs, args.year, args.input, args.output, args.as_of, args.detail)
    for w in warnings:
        print(w, file=sys.stderr)
    if errors:
        for e in errors[:MAX_SHOWN_ERRORS]:
            print(e, file=sys.stderr)
        if len(errors) > MAX_SHOWN_ERRORS:
            print(f"……另有 {len(errors) - MAX_SHOWN_ERRORS} 处错误 / … and {len(errors) - MAX_SHOWN_ERRORS} more errors", file=sys.stderr)
        print(f"共 {len(errors)} 处错误，未写入输出文件 / {len(errors)} errors, nothing written", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
