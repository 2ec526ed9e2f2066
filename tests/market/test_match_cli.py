"""`heluo market match CORPUS.tsv QUERIES.tsv OUT.tsv [--top N]`: stateless, and every bad input is a bilingual
error with exit code 2, never a traceback, and no output file."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from heluo.market.engine.match_tsv import MatchInputError, match_files
from heluo.market.engine.settings import SETTINGS_FILE, MatchSettings

ROOT = Path(__file__).resolve().parents[2]
CORPUS = "doc_id\ttitle\tabstract\nd1\t锂电池正极材料回收\t从废旧锂电池中回收钴和镍。\nd2\t轴承钢热处理\t高碳铬轴承钢的淬火工艺。\nd3\t储能电池管理\t储能电站的锂电池管理系统。\n"
QUERIES = "qid\tquery\tnote\nq1\t锂电池 回收\tignored\nq2\t轴承\t\nq3\t区块链\t\n"


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def run_cli(*args, cwd):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"PYTHONPATH": str(ROOT), "TMPDIR": str(cwd)}
    return subprocess.run(
        [sys.executable, "-m", "heluo.cli", "market", "match", *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd
    )


def test_happy_path_through_the_command_line(tmp_path):
    corpus, queries, out = write(tmp_path, "c.tsv", CORPUS), write(tmp_path, "q.tsv", QUERIES), tmp_path / "out.tsv"
    done = run_cli(corpus, queries, out, "--top", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"3 queries × 3 records → {out}: 3 rows (top 2)" and done.stderr == ""
    lines = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines[0] == ["qid", "rank", "doc_id", "score"]
    assert [row[:3] for row in lines[1:]] == [["q1", "1", "d1"], ["q1", "2", "d3"], ["q2", "1", "d2"]]
    assert float(lines[1][3]) > float(lines[2][3]) > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.tsv", "out.tsv", "q.tsv"]  # no jieba cache, no database


def test_a_bad_file_through_the_command_line(tmp_path):
    corpus, out = write(tmp_path, "c.tsv", CORPUS), tmp_path / "out.tsv"
    queries = write(tmp_path, "q.tsv", "qid\tquery\nq1\t锂电池\n", encoding="gb18030")
    done = run_cli(corpus, queries, out, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "不是 UTF-8 编码" in done.stderr and "is not UTF-8" in done.stderr and "nothing written" in done.stderr
    assert not out.exists()


def test_the_same_through_django(tmp_path):
    corpus, queries, out = write(tmp_path, "c.tsv", CORPUS), write(tmp_path, "q.tsv", QUERIES), tmp_path / "out.tsv"
    call_command("market", "match", str(corpus), str(queries), str(out))
    assert out.read_text(encoding="utf-8").count("\n") == 4  # the header and three suggestions
    with pytest.raises(SystemExit) as exit:
        call_command("market", "match", str(corpus), str(tmp_path / "missing.tsv"), str(out), "--top", "3")
    assert exit.value.code == 2


def small_limits(**limits) -> MatchSettings:
    data = json.loads(SETTINGS_FILE.read_text(encoding="utf-8"))
    data["limits"].update(limits)
    return MatchSettings.from_dict(data)


BAD = {
    "missing columns": (CORPUS.replace("abstract", "summary"), QUERIES, {}, "缺少必需的列", "column 'abstract'"),
    "missing query column": (CORPUS, "qid\tquestion\nq1\t锂电池\n", {}, "缺少必需的列", "column 'query'"),
    "not UTF-8": (CORPUS.encode("gbk"), QUERIES, {}, "不是 UTF-8 编码", "is not UTF-8"),
    "empty": ("", QUERIES, {}, "为空或没有表头", "is empty or has no header"),
    "header only": ("doc_id\ttitle\tabstract\n", QUERIES, {}, "没有数据行", "has no data rows"),
    "huge field": (CORPUS.replace("高碳铬", "高" * 60), QUERIES, {"field_chars": 50}, "超过 50 个字符", "row 3, column 'abstract'"),
    "long query": (CORPUS, "qid\tquery\nq1\t" + "锂" * 30 + "\n", {"query_chars": 20}, "超过 20 个字符", "column 'query'"),
    "too many rows": (CORPUS, QUERIES, {"corpus_rows": 2}, "超过 2 行", "more than 2 rows (3)"),
    "too many bytes": (CORPUS, QUERIES, {"file_bytes": 100}, "超过 100 字节", "larger than 100 bytes"),
    "ragged row": (CORPUS + "d4\t只有标题\n", QUERIES, {}, "有 2 个字段，表头有 3 个", "row 5"),
    "duplicate id": (CORPUS + "d1\t重复\t重复\n", QUERIES, {}, "重复", "row 5, column 'doc_id'"),
    "empty id": (CORPUS + "\t标题\t摘要\n", QUERIES, {}, "为空", "row 5, column 'doc_id'"),
    "duplicate column": ("doc_id\ttitle\ttitle\tabstract\nd1\ta\tb\tc\n", QUERIES, {}, "列名重复", "duplicate column name"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_a_bilingual_error_and_nothing_is_written(tmp_path, case):
    corpus_text, queries_text, limits, zh, en = BAD[case]
    corpus, queries, out = write(tmp_path, "c.tsv", corpus_text), write(tmp_path, "q.tsv", queries_text), tmp_path / "out.tsv"
    with pytest.raises(MatchInputError) as error:
        match_files(corpus, queries, out, settings=small_limits(**limits))
    message = str(error.value)
    assert zh in message and en in message, message
    assert not out.exists()


def test_bad_arguments(tmp_path):
    corpus, queries, out = write(tmp_path, "c.tsv", CORPUS), write(tmp_path, "q.tsv", QUERIES), tmp_path / "out.tsv"
    with pytest.raises(MatchInputError, match="必须在 1 到 100 之间"):
        match_files(corpus, queries, out, top=0)
    with pytest.raises(MatchInputError, match="file not found"):
        match_files(tmp_path / "nope.tsv", queries, out)
    with pytest.raises(MatchInputError, match="file not found"):
        match_files(tmp_path, queries, out)  # a folder
    with pytest.raises(SystemExit) as exit:
        call_command("market", "match", str(corpus), str(queries), str(tmp_path / "no-such-folder" / "out.tsv"))
    assert exit.value.code == 2


def test_bom_crlf_and_blank_lines_are_accepted(tmp_path):
    corpus = write(tmp_path, "c.tsv", "\ufeff" + CORPUS.replace("\n", "\r\n") + "\r\n")
    queries, out = write(tmp_path, "q.tsv", QUERIES), tmp_path / "out.tsv"
    assert match_files(corpus, queries, out, top=1) == (3, 3, 2)
