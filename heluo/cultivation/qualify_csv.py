"""The ``heluo qualify`` command: a CSV of enterprises through one rule set, with no Django and no database
(``heluo/cli.py`` calls ``main`` before any Django set-up). The work is ``engine.qualify``; see its docstring
for the input and output columns."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from heluo.cultivation.engine.qualify import qualify_file
from heluo.cultivation.engine.rules import RuleSetError, load_ruleset, ruleset_names

MAX_SHOWN_ERRORS = 200


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
    parser.add_argument("input", help="CSV: one row per enterprise per accounting year")
    parser.add_argument("output", help="CSV: one row per enterprise")
    args = parser.parse_args(argv)
    try:
        rs = load_ruleset(args.ruleset, dict(args.param) or None)
    except RuleSetError as exc:
        print(f"规则集错误 / rule set error: {exc}", file=sys.stderr)
        return 2
    errors, warnings = qualify_file(rs, args.year, args.input, args.output, args.as_of)
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
