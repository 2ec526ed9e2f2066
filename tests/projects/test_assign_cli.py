"""`heluo assign SCORES.csv OUT.csv --k K --min-load A --max-load B [--conflicts C.csv] [--groups G.csv]`: stateless;
exit 0 with the file written, 1 when no assignment exists, 2 for bad input (each bad line named), never a traceback."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from heluo.projects.engine.assign_csv import read_scores
from heluo.projects.engine.assignment import settings

ROOT = Path(__file__).resolve().parents[2]
SCORES = "p1,a,0.9\np1,b,0.5\np1,c,0.1\np2,a,0.8\np2,b,0.7\np2,c,0.2\n"
EXPECTED = "proposal,reviewer,score\np1,b,0.5\np1,c,0.1\np2,a,0.8\np2,b,0.7\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def run(tmp_path, scores, *options, k=2, lo=1, hi=2):
    """(exit code, stdout, stderr) of the command through Django."""
    out, err = io.StringIO(), io.StringIO()
    args = ["assign", str(scores), str(tmp_path / "out.csv"), "--k", str(k), "--min-load", str(lo), "--max-load", str(hi)]
    try:
        call_command(*args, *map(str, options), stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


def test_happy_path_through_the_command_line_needs_no_database(tmp_path):
    scores, conflicts = write(tmp_path, "s.csv", SCORES), write(tmp_path, "c.csv", "p1,a,-1\n")
    out = tmp_path / "out.csv"
    env = {n: v for n, v in os.environ.items() if n != "DATABASE_URL"} | {
        "PYTHONPATH": str(ROOT),
        "HELUO_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'none.sqlite3'}",
    }
    command = [sys.executable, "-m", "heluo.cli", "assign", scores, out, "--k", "2", "--min-load", "1", "--max-load", "2"]
    done = subprocess.run([*command, "--conflicts", conflicts], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == EXPECTED
    assert done.stdout.startswith(
        f"2 proposals × 3 reviewers, 6 scored pairs (1 conflicts left out) → {out}: 4 assignments, total score 2.100000"
    )
    assert not (tmp_path / "var" / "none.sqlite3").exists()  # stateless: no database was created


def test_the_header_is_optional(tmp_path):
    conflicts = write(tmp_path, "c.csv", "proposal,reviewer,constraint\np1,a,-1\np2,c,0\n")
    assert run(tmp_path, write(tmp_path, "s.csv", SCORES), "--conflicts", conflicts)[0] == 0
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == EXPECTED
    with_header = write(tmp_path, "h.csv", "\ufeffpaper,reviewer,score\r\n" + SCORES.replace("\n", "\r\n"))
    assert run(tmp_path, with_header, "--conflicts", conflicts)[0] == 0
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == EXPECTED


def test_ids_are_strings_quoted_when_they_must_be(tmp_path):
    scores = write(tmp_path, "s.csv", '"P-1, part 2",~Ada_Lovelace1,1\n"P-1, part 2", 007 ,0.25\n')
    assert run(tmp_path, scores, k=2, lo=0, hi=1)[0] == 0
    assert (tmp_path / "out.csv").read_text(
        encoding="utf-8"
    ) == 'proposal,reviewer,score\n"P-1, part 2",~Ada_Lovelace1,1.0\n"P-1, part 2",007,0.25\n'


def test_one_reviewer_per_employer(tmp_path):
    groups = write(tmp_path, "g.csv", "reviewer,employer\na,U1\nb,U1\n")
    code, _, err = run(tmp_path, write(tmp_path, "s.csv", SCORES), "--groups", groups, k=2, lo=0, hi=2)
    assert code == 0, err
    rows = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert rows == ["p1,a,0.9", "p1,c,0.1", "p2,a,0.8", "p2,c,0.2"]  # not a and b, both of U1


def test_bad_lines_are_named_and_nothing_is_written(tmp_path):
    scores = write(tmp_path, "s.csv", "p1,a,0.9\np1,b\n\np2,,0.5\np2,c,abc\np2,d,nan\np3,e,2e9\np1,a,0.3\n")
    code, out, err = run(tmp_path, scores)
    assert code == 2 and out == "" and not (tmp_path / "out.csv").exists()
    assert "第2行：应有 3 个字段，实有 2 个 / row 2: 3 fields expected, 2 found" in err
    assert "第4行：编号为空 / row 4: an id is empty" in err
    assert "第5行（'abc'）：最后一个字段不是有限的数 / row 5: the last field is not a finite number" in err
    assert "row 6: the last field is not a finite number" in err
    assert "4 处错误，未写出文件 / 4 error(s), nothing written" in err  # line 8's duplicate pair: only once the lines are good
    code, _, err = run(tmp_path, write(tmp_path, "t.csv", "p1,a,0.9\np3,e,2e9\np1,a,0.3\n"))
    assert code == 2 and "row 2: |score| is above 1,000,000" in err and "row 3: the same pair as line 1" in err


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("c.csv", "p1,a,1\n", "row 1: a constraint is -1 (conflict) or 0 (none)"),
        ("c.csv", 'p1,"a,-1\n', "row 1: bad quoting"),
        ("g.csv", "a,U1\na,U2\n", "row 2: another group than on line 1"),
    ],
)
def test_bad_constraint_and_group_files(tmp_path, name, text, message):
    option = "--conflicts" if name == "c.csv" else "--groups"
    code, _, err = run(tmp_path, write(tmp_path, "s.csv", SCORES), option, write(tmp_path, name, text))
    assert code == 2 and message in err and not (tmp_path / "out.csv").exists()


def test_bad_files(tmp_path):
    code, _, err = run(tmp_path, tmp_path / "missing.csv")
    assert code == 2 and "file not found" in err
    code, _, err = run(tmp_path, write(tmp_path, "gbk.csv", "项目,专家,0.5\n".encode("gb18030")))
    assert code == 2 and "is not UTF-8" in err
    code, _, err = run(tmp_path, write(tmp_path, "empty.csv", "proposal,reviewer,score\n"))
    assert code == 2 and "empty.csv has no data lines" in err


def test_bad_numbers(tmp_path):
    code, _, err = run(tmp_path, write(tmp_path, "s.csv", SCORES), k=0)
    assert code == 2 and "k must be between 1 and 100" in err and "k 必须在 1 到 100 之间" in err


def test_infeasible_exits_1_with_the_reason(tmp_path):
    scores = write(tmp_path, "s.csv", SCORES)
    code, out, err = run(tmp_path, scores, k=3, lo=0, hi=1)
    assert code == 1 and out == "" and not (tmp_path / "out.csv").exists()
    assert err.strip() == (
        "无法分配：需要 3 × 2 = 6 人次，3 位专家每人 0–1 项只能承担 0–3 人次。未写出文件 / "
        "No assignment: 3 × 2 = 6 reviews are needed, 3 reviewers at 0–1 each give 0–3. Nothing written."
    )
    code, _, err = run(tmp_path, scores, "--conflicts", write(tmp_path, "c.csv", "p2,a,-1\np2,b,-1\n"))
    assert code == 1 and "1 proposal(s) have fewer than 2 eligible reviewers: p2" in err


def test_a_bad_first_line_is_not_taken_for_a_header(tmp_path):
    for first in ("p0,a,0.5x", "proposal,reviewer,score,note"):
        code, _, err = run(tmp_path, write(tmp_path, "s.csv", f"{first}\n{SCORES}"))
        assert code == 2 and "row 1: " in err, first


def test_the_quick_reading_and_the_careful_one_agree(tmp_path):
    limits = settings()["limits"]
    plain = read_scores(write(tmp_path, "plain.csv", "proposal,reviewer,score\n" + SCORES + "p3,a,-1e-3\n"), limits)
    careful = read_scores(write(tmp_path, "careful.csv", "proposal,reviewer,score\n" + SCORES + '"p3",a,-1e-3\n\n'), limits)
    assert plain == careful and list(plain) == list(careful) and plain["p3", "a"] == -0.001 and len(plain) == 7
