"""Stateless reviewer assignment of CSV files:
`heluo assign SCORES.csv OUT.csv --k K --min-load A --max-load B [--conflicts C.csv] [--groups G.csv]`.

SCORES has lines ``proposal,reviewer,score`` (openreview-matcher's format); C has ``proposal,reviewer,-1`` for a
conflict (openreview's constraints; a 0 there is no constraint and is skipped); G has ``reviewer,group`` (an
employer: at most one reviewer of a group on a proposal). Each file may start with a header line: in SCORES and C a
first line whose last field is not a number (and holds no digit), in G one whose first field is "reviewer". UTF-8, with or without BOM; ids are strings; fields may be quoted.
A pair absent from SCORES is never assigned. OUT gets the header ``proposal,reviewer,score`` and one line per
assignment, by proposal in the order of SCORES, best score first.

Every file is checked whole before anything is solved: each bad line is reported with its number, in Chinese and
English, and nothing is written. Sizes and numbers are bounded (heluo/projects/data/assignment.json).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from heluo.core.cells import RowError, replacing

from .assignment import Assignment, assign, settings

OUTPUT_COLUMNS = ("proposal", "reviewer", "score")
MAX_ERRORS = 20


class AssignInputError(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__("\n".join(map(str, errors)))
        self.errors = errors


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _is_header(last: str) -> bool:
    """A first line is a header when its last field is not a number and holds no digit (else it is a bad line)."""
    return _number(last) is None and not any(c.isdigit() for c in last)


def _lines(path: Path, limits: dict) -> list[str]:
    name, problem = path.name, None
    try:
        if not path.is_file():
            problem = (f"找不到文件 {path}", f"file not found: {path}")
        elif path.stat().st_size > limits["file_bytes"]:
            problem = (f"{name} 超过 {limits['file_bytes']:,} 字节", f"{name} is larger than {limits['file_bytes']:,} bytes")
        else:
            text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        problem = (f"无法读取 {path}：{exc.strerror}", f"cannot read {path}: {exc.strerror}")
    except UnicodeDecodeError as exc:
        problem = (f"{name} 不是 UTF-8 编码（第 {exc.start} 字节）", f"{name} is not UTF-8 (byte {exc.start})")
    if problem:
        raise AssignInputError([RowError(0, "", *problem)])
    lines = text.replace("\r\n", "\n").split("\n")
    if len(lines) > limits["rows"] + 1:
        raise AssignInputError([RowError(0, "", f"{name} 超过 {limits['rows']:,} 行", f"{name} has more than {limits['rows']:,} lines")])
    return lines


def read_rows(lines: list[str], width: int, numeric_last: bool, limits: dict) -> list[tuple[int, list[str], float | None]]:
    """(line number, fields, the last field as a number) of every data line; AssignInputError with every problem."""
    rows, errors = [], []
    ids, id_chars = width - numeric_last, limits["id_chars"]
    for number, line in enumerate(lines, start=1):
        if '"' in line:
            try:
                cells = next(csv.reader([line], strict=True))
            except csv.Error as exc:
                errors.append(RowError(number, "", f"引号有误（{exc}）", f"bad quoting ({exc})"))
                continue
        else:
            cells = line.split(",")
        if not line.isascii() or " " in line or "\t" in line or "\r" in line:  # str.split is fast, str.strip is not
            cells = [c.strip() for c in cells]
        value = None
        if len(cells) != width:
            if len(cells) == 1 and not cells[0]:
                continue  # a blank line
            errors.append(
                RowError(number, "", f"应有 {width} 个字段，实有 {len(cells)} 个", f"{width} fields expected, {len(cells)} found")
            )
        elif numeric_last and (value := _number(cells[-1])) is None:
            if number == 1 and _is_header(cells[-1]):
                continue
            errors.append(RowError(number, "", "最后一个字段不是有限的数", "the last field is not a finite number", cells[-1][:40]))
        elif number == 1 and not numeric_last and cells[0].lower() == "reviewer":
            continue  # the groups' header
        elif not all(cells[:ids]):
            errors.append(RowError(number, "", "编号为空", "an id is empty"))
        elif max(map(len, cells[:ids])) > id_chars:
            errors.append(RowError(number, "", f"编号超过 {id_chars} 个字符", f"an id is longer than {id_chars} characters"))
        else:
            rows.append((number, cells, value))
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise AssignInputError(errors)
    return rows


def _plain_scores(lines: list[str], limits: dict) -> dict[tuple[str, str], float] | None:
    """The common file in a few passes of C-level calls: ASCII, no quotes or spaces, three fields on every line, good
    ids and numbers, no pair twice. None when anything is off: the line by line reading then names the bad lines."""
    if lines and not lines[-1]:
        lines = lines[:-1]
    first = lines[0].split(",") if lines else []
    if len(first) == 3 and _is_header(first[2]):
        lines = lines[1:]
    body = "\n".join(lines)
    if not lines or not body.isascii() or any(c in body for c in '" \t\r') or set(map(str.count, lines, [","] * len(lines))) != {2}:
        return None
    flat = body.replace("\n", ",").split(",")
    proposals, reviewers = flat[0::3], flat[1::3]
    try:
        values = list(map(float, flat[2::3]))
    except ValueError:
        return None
    if not all(proposals) or not all(reviewers) or max(map(len, flat)) > limits["id_chars"]:
        return None
    if not all(map(math.isfinite, values)) or max(map(abs, values)) > limits["abs_score"]:
        return None
    scores = dict(zip(zip(proposals, reviewers), values))
    return scores if len(scores) == len(values) else None


def read_scores(path, limits) -> dict[tuple[str, str], float]:
    lines = _lines(Path(path), limits)
    if (scores := _plain_scores(lines, limits)) is not None:
        return scores
    scores, errors = {}, []
    rows = read_rows(lines, 3, True, limits)
    for number, (p, r, _), value in rows:
        if abs(value) > limits["abs_score"]:
            errors.append(
                RowError(number, "", f"分数的绝对值超过 {limits['abs_score']:,}", f"|score| is above {limits['abs_score']:,}", str(value))
            )
        elif (p, r) in scores:
            first = next(n for n, (q, s, _), _ in rows if (q, s) == (p, r))
            errors.append(RowError(number, "", f"与第 {first} 行重复", f"the same pair as line {first}"))
        else:
            scores[p, r] = value
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise AssignInputError(errors)
    if not scores:
        raise AssignInputError([RowError(0, "", f"{Path(path).name} 没有数据行", f"{Path(path).name} has no data lines")])
    return scores


def read_conflicts(path, limits) -> set[tuple[str, str]]:
    conflicts, errors = set(), []
    for number, (p, r, _), value in read_rows(_lines(Path(path), limits), 3, True, limits):
        if value == -1:
            conflicts.add((p, r))
        elif value != 0:
            errors.append(RowError(number, "", "约束只能是 -1（回避）或 0（无）", "a constraint is -1 (conflict) or 0 (none)", str(value)))
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise AssignInputError(errors)
    return conflicts


def read_groups(path, limits) -> dict[str, str]:
    groups, lines, errors = {}, {}, []
    for number, (r, g), _ in read_rows(_lines(Path(path), limits), 2, False, limits):
        if r in groups and groups[r] != g:
            errors.append(RowError(number, "", f"与第 {lines[r]} 行的单位不同", f"another group than on line {lines[r]}", r))
        groups[r], lines[r] = g, lines.get(r, number)
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise AssignInputError(errors)
    return groups


def assign_files(scores, output, k, min_load, max_load, conflicts=None, groups=None) -> tuple[Assignment, int, int]:
    """Read, solve, write OUT. Returns (the assignment, scored pairs, conflicts among them). Raises AssignInputError,
    or the engine's Infeasible / AssignmentError; nothing is written then."""
    limits = settings()["limits"]
    scored = read_scores(scores, limits)
    banned = read_conflicts(conflicts, limits) if conflicts else set()
    employers = read_groups(groups, limits) if groups else None
    result = assign(scored, k, min_load, max_load, conflicts=banned, one_per_group=employers)
    with replacing(output) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(OUTPUT_COLUMNS)
        writer.writerows((pair.proposal, pair.reviewer, repr(pair.score)) for pair in result.pairs)
    return result, len(scored), len(banned & scored.keys())
