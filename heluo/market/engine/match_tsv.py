"""Stateless matching of two TSV files: `heluo market match CORPUS.tsv QUERIES.tsv OUT.tsv [--top 10]`.

CORPUS has the columns ``doc_id``, ``title``, ``abstract``; QUERIES has ``qid`` and ``query`` (other columns are
ignored). Both are tab-separated, UTF-8 (with or without BOM), with a header row and no quoting. OUT gets
``qid``, ``rank``, ``doc_id``, ``score``, best first, for every query that shares anything with the corpus. The engine
and its settings are the platform's (heluo/market/data/matching.json).

Every file is checked whole before anything is computed: each problem is reported with its row (the header is row 1)
and column, in Chinese and English, and nothing is written. The sizes are bounded by the settings' limits.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from heluo.core.cells import RowError, replacing

from .matching import MatchIndex, Record
from .settings import MatchSettings

CORPUS_COLUMNS = ("doc_id", "title", "abstract")
QUERY_COLUMNS = ("qid", "query")
OUTPUT_COLUMNS = ("qid", "rank", "doc_id", "score")
MAX_ERRORS = 20


class MatchInputError(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__("\n".join(map(str, errors)))
        self.errors = errors


def read_tsv(path: str | Path, required: tuple[str, ...], max_rows: int, max_chars: int, max_bytes: int) -> list[dict]:
    """The file's records as dicts of the required columns; MatchInputError with every problem found."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise MatchInputError([RowError(0, "", f"找不到文件 {path}", f"file not found: {path}")])
    try:
        if path.stat().st_size > max_bytes:
            raise MatchInputError([RowError(0, "", f"{name} 超过 {max_bytes:,} 字节", f"{name} is larger than {max_bytes:,} bytes")])
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise MatchInputError([RowError(0, "", f"无法读取 {path}：{exc.strerror}", f"cannot read {path}: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        raise MatchInputError(
            [RowError(0, "", f"{name} 不是 UTF-8 编码（第 {exc.start} 字节）", f"{name} is not UTF-8 (byte {exc.start})")]
        ) from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line.removesuffix("\r") for line in lines]
    if not lines or not lines[0].strip():
        raise MatchInputError([RowError(1, "", f"{name} 为空或没有表头", f"{name} is empty or has no header")])
    header = [c.strip() for c in lines[0].split("\t")]
    errors = [RowError(1, c, f"{name} 缺少必需的列", f"{name}: required column is missing") for c in required if c not in header]
    errors += [RowError(1, c, "列名重复", "duplicate column name") for c in sorted({c for c in header if c and header.count(c) > 1})]
    if errors:
        raise MatchInputError(errors)
    if len(lines) - 1 > max_rows:
        raise MatchInputError(
            [RowError(0, "", f"{name} 超过 {max_rows:,} 行", f"{name} has more than {max_rows:,} rows ({len(lines) - 1:,})")]
        )
    columns = {c: header.index(c) for c in required}
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue  # a blank line at the end of a spreadsheet export
        cells = line.split("\t")
        if len(cells) != len(header):
            errors.append(
                RowError(
                    number, "", f"有 {len(cells)} 个字段，表头有 {len(header)} 个", f"{len(cells)} fields, the header has {len(header)}"
                )
            )
        else:
            row = {c: cells[i].strip() for c, i in columns.items()}
            errors += [
                RowError(number, c, f"超过 {max_chars:,} 个字符", f"longer than {max_chars:,} characters")
                for c, v in row.items()
                if len(v) > max_chars
            ]
            if not row[required[0]]:
                errors.append(RowError(number, required[0], "为空", "is empty"))
            rows.append(row)
        if len(errors) >= MAX_ERRORS:
            break
    if not rows and not errors:
        errors.append(RowError(0, "", f"{name} 没有数据行", f"{name} has no data rows"))
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        key = row[required[0]]
        if key in seen and len(errors) < MAX_ERRORS:
            errors.append(RowError(number, required[0], "重复", "duplicate", key))
        seen.add(key)
    if errors:
        raise MatchInputError(errors[:MAX_ERRORS])
    return rows


def match_files(
    corpus: str | Path,
    queries: str | Path,
    output: str | Path,
    top: int = 10,
    words: Iterable[str] = (),
    settings: MatchSettings | None = None,
) -> tuple[int, int, int]:
    """Match every query against the corpus and write OUT. Returns (records, queries, rows written)."""
    settings = settings or MatchSettings.load()
    limits = settings.limits
    if not 1 <= top <= limits["top"]:
        raise MatchInputError(
            [RowError(0, "--top", f"必须在 1 到 {limits['top']} 之间", f"must be between 1 and {limits['top']}", str(top))]
        )
    docs = read_tsv(corpus, CORPUS_COLUMNS, limits["corpus_rows"], limits["field_chars"], limits["file_bytes"])
    asked = read_tsv(queries, QUERY_COLUMNS, limits["query_rows"], limits["query_chars"], limits["file_bytes"])
    index = MatchIndex([Record(d["doc_id"], {"title": d["title"], "abstract": d["abstract"]}) for d in docs], settings, words)
    written = 0
    with replacing(output) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write("\t".join(OUTPUT_COLUMNS) + "\n")
        for q in asked:
            for match in index.search(q["query"], top):
                fh.write(f"{q['qid']}\t{match.rank}\t{match.id}\t{match.score:.6f}\n")
                written += 1
    return len(docs), len(asked), written
