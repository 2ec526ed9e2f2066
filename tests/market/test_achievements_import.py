"""Importing achievements through the one import mechanism: whole-file checks with bilingual reasons, all or
nothing, idempotent, and the same scope and field rules as the pages."""

import pytest

from heluo.core.imports import run_import
from heluo.core.spreadsheets import Sheet, workbook_bytes
from heluo.market.models import Achievement

from .achievement_rows import achievements

HEADERS = [
    "成果名称",
    "所属单位",
    "成果简介",
    "关键词",
    "技术领域",
    "技术成熟度",
    "转化方式",
    "参考价格（万元）",
    "面议",
    "联系人",
    "联系电话",
    "知识产权",
]


@pytest.fixture
def lib(world):
    return achievements(world)


def workbook(tmp_path, rows, name="a.xlsx"):
    path = tmp_path / name
    path.write_bytes(workbook_bytes([Sheet("成果", HEADERS, rows)]))
    return path


def row(world, title="导入的成果", **kw):
    values = {
        "成果名称": title,
        "所属单位": world.ent_a.uscc,
        "成果简介": "一种新工艺",
        "关键词": "工艺、材料",
        "技术领域": "8.4",
        "技术成熟度": "5",
        "转化方式": "转让、许可",
        "参考价格（万元）": "50",
        "面议": "否",
        "联系人": "孙工",
        "联系电话": "0379-1",
        "知识产权": "发明专利:ZL2024000009；软件著作权：2024SR0001",
    }
    values.update(kw)
    return [values[h] for h in HEADERS]


def test_import_creates_then_changes_nothing(world, lib, tmp_path):
    path = workbook(tmp_path, [row(world), row(world, "第二项", 面议="是", **{"参考价格（万元）": ""})])
    result = run_import("achievements", path, user=world.users.org_a)
    assert result.ok, result.errors
    assert result.summary == {"created": 2, "updated": 0, "unchanged": 0}
    a = Achievement.objects.get(title="导入的成果")
    assert a.organization == world.ent_a and a.status == "draft" and a.trl == 5 and a.transfer_modes == "transfer,license"
    assert a.price == 50 and sorted(a.ip_rights.values_list("kind", flat=True)) == ["invention", "software_copyright"]
    again = run_import("achievements", path, user=world.users.org_a)
    assert again.ok and again.summary == {"created": 0, "updated": 0, "unchanged": 2}


def test_bad_cells_refuse_the_whole_file(world, lib, tmp_path):
    path = workbook(tmp_path, [row(world), row(world, "坏行", 技术成熟度="12", 转化方式="赠送", 知识产权="ZL1")])
    result = run_import("achievements", path, user=world.users.org_a)
    assert not result.ok and not Achievement.objects.filter(title="导入的成果").exists()
    messages = " ".join(e["message_zh"] for e in result.errors)
    assert "技术成熟度" in messages and "不是可选值" in messages and "类型:编号" in messages
    assert all(e["row"] == 3 for e in result.errors)


def test_scope_and_workflow_hold_in_imports(world, lib, tmp_path):
    other = workbook(tmp_path, [row(world, 所属单位=world.ent_b.uscc)], "b.xlsx")
    result = run_import("achievements", other, user=world.users.org_a)
    assert not result.ok and "权限" in result.errors[0]["message_zh"]
    submitted = workbook(tmp_path, [row(world, lib.submitted.title, 成果简介="改过的")], "s.xlsx")
    result = run_import("achievements", submitted, user=world.users.org_a)
    assert not result.ok
    lib.submitted.refresh_from_db()
    assert lib.submitted.abstract != "改过的"
