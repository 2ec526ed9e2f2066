"""Importing a round's figures from XLSX: a good file, again (nothing changes), every kind of bad row (bilingual,
located, nothing written), another host's platform, a closed round."""

import io

import openpyxl
import pytest

from heluo.carriers.models import Evaluation
from heluo.carriers.services import evaluation as services
from heluo.core.imports import run_import, template_xlsx

from .carriers_world import PILOT, round_of

pytestmark = pytest.mark.django_db
KIND = "carriers_figures"


def write(tmp_path, rows, name="figures.xlsx"):
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx(KIND)))
    ws = wb.worksheets[0]
    for row in rows:
        ws.append(list(row))
    path = tmp_path / name
    wb.save(path)
    return path


def rows_for(r, platform, figures):
    return [(r.title, platform.name, code, value) for code, value in figures.items()]


def test_a_good_file_imports_and_again_changes_nothing(carriers, tmp_path):
    c = carriers
    r = round_of(c)
    path = write(
        tmp_path,
        rows_for(r, c.pilot_a, PILOT) + rows_for(r, c.key_lab, {"patents": 5, "papers": 10, "researchers": 25, "open_projects": 5}),
    )
    result = run_import(KIND, path, c.users.org_a)
    assert result.ok, result.errors
    assert result.summary == {"platforms_reported": 2, "unchanged": 0}
    e = Evaluation.objects.get(round=r, platform=c.pilot_a)
    assert e.figures == {"pilot_runs": "40", "service_income": "600", "firms_served": "30"} and e.figures_score == 70
    again = run_import(KIND, path, c.users.org_a)
    assert again.ok and again.summary == {"platforms_reported": 0, "unchanged": 2}


def test_bad_rows_are_all_reported_and_nothing_is_written(carriers, tmp_path):
    c = carriers
    r = round_of(c)
    rows = [
        *rows_for(r, c.pilot_a, {"pilot_runs": 40, "service_income": 600}),  # firms_served missing
        (r.title, c.pilot_b.name, "pilot_runs", 3),  # another host's
        (r.title, c.key_lab.name, "bogus", 1),
        (r.title, c.key_lab.name, "patents", -2),
        ("没有这个评价", c.key_lab.name, "patents", 1),
        (r.title, c.key_lab.name, "papers", "很多"),
    ]
    result = run_import(KIND, write(tmp_path, rows), c.users.org_a)
    assert not result.ok
    found = [(e["row"], e["message_zh"], e["message_en"]) for e in result.errors]
    assert all(zh and en for _, zh, en in found)
    text = " ".join(zh for _, zh, _ in found)
    for piece in ("缺少", "不由您的单位依托", "没有此指标", "不能为负", "找不到该年度评价"):
        assert piece in text, (piece, found)
    assert {row for row, _, _ in found} >= {2, 4, 5, 6, 7, 8}
    assert not Evaluation.objects.filter(round=r, submitted_at__isnull=False).exists()


def test_a_closed_round_takes_no_figures(carriers, tmp_path):
    c = carriers
    r = round_of(c)
    services.round_step(c.users.admin, r, "start_scoring")
    result = run_import(KIND, write(tmp_path, rows_for(r, c.pilot_a, PILOT)), c.users.admin)
    assert not result.ok and "截止" in result.errors[0]["message_zh"]
