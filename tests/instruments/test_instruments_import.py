"""An owner's list of instruments imported: whole-file checks with every bad cell named in both languages, all rows or
none, the same file again changes nothing, an owner imports only its own."""

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest

from heluo.core.imports import load_kinds, run_import
from heluo.core.permissions import SYSTEM
from heluo.instruments.models import Instrument, ServiceItem

pytestmark = pytest.mark.django_db


def headers():
    return [c.header() for c in load_kinds()["instruments"].columns]


def row(world, **cells):
    base = {
        "管理单位统一社会信用代码": world.ent_b.uscc,
        "资产编号": "ZC-1001",
        "仪器名称": "激光共聚焦显微镜",
        "仪器类别": "分析仪器",
        "规格型号": "LSM 900",
        "原值": 210,
        "购置日期": "2021-06-01",
        "运行状态": "在用",
        "开放日": "12345",
        "开放开始时间": "08:30",
        "开放结束时间": "17:30",
        "服务项目及收费标准": "机时费:300元/小时；荧光成像:150元/样品",
    }
    base.update(cells)
    return base


def xlsx(tmp_path, rows, name="instruments.xlsx", header_row=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    hs = header_row or headers()  # the value's header states its unit: 原值（万元）
    ws.append(hs)
    for r in rows:
        ws.append([r.get(h.replace("（万元）", "")) for h in hs])
    path = tmp_path / name
    wb.save(path)
    return path


def test_a_good_list_imports_and_reimports_unchanged(world, tmp_path):
    path = xlsx(
        tmp_path,
        [
            row(world),
            row(world, 资产编号="ZC-1002", 仪器名称="原子力显微镜", 服务项目及收费标准=None, 开放开始时间=None, 开放结束时间=None),
        ],
    )
    result = run_import("instruments", path, SYSTEM)
    assert result.ok, result.errors
    assert result.summary == {"created": 2, "updated": 0, "unchanged": 0}
    i = Instrument.objects.get(asset_number="ZC-1001")
    assert (i.owner, i.value, i.opens, i.closes, i.category) == (
        world.ent_b,
        Decimal("2100000.00"),
        dt.time(8, 30),
        dt.time(17, 30),
        "analysis",
    )
    assert sorted(ServiceItem.objects.filter(instrument=i).values_list("name", "unit", "price")) == [
        ("机时费", "hour", Decimal("300.00")),
        ("荧光成像", "sample", Decimal("150.00")),
    ]
    assert run_import("instruments", path, SYSTEM).summary == {"created": 0, "updated": 0, "unchanged": 2}
    changed = xlsx(tmp_path, [row(world, 原值=250, 服务项目及收费标准="机时费:320元/小时")], "changed.xlsx")
    assert run_import("instruments", changed, SYSTEM).summary == {"created": 0, "updated": 1, "unchanged": 0}
    assert ServiceItem.objects.get(instrument=i, name="机时费").price == Decimal("320.00")


def test_bad_cells_are_all_reported_and_nothing_is_written(world, tmp_path):
    path = xlsx(
        tmp_path,
        [
            row(world),
            row(world, 资产编号="ZC-2", 仪器类别="望远镜类"),
            row(world, 资产编号="ZC-3", 开放开始时间="25:00", 服务项目及收费标准="机时费300"),
            row(world, 资产编号="ZC-4", 管理单位统一社会信用代码="91410305MA0000011Y"),
            row(world, 资产编号="ZC-5", 开放结束时间="08:00"),
            row(world),  # the first row again
        ],
    )
    result = run_import("instruments", path, SYSTEM)
    assert not result.ok
    found = {(e["row"], e["column"].split(" ", 1)[-1]) for e in result.errors}
    assert {
        (3, "仪器类别"),
        (4, "开放开始时间"),
        (4, "服务项目及收费标准"),
        (5, "管理单位统一社会信用代码"),
        (7, "管理单位统一社会信用代码"),
    } <= found
    assert any(e["row"] == 6 for e in result.errors)
    assert all(e["message_zh"] and e["message_en"] and e["message_zh"] != e["message_en"] for e in result.errors)
    assert Instrument.objects.count() == 0 and ServiceItem.objects.count() == 0


def test_an_owner_imports_only_its_own(world, tmp_path, iw):
    path = xlsx(tmp_path, [row(world, 资产编号="ZC-9"), row(world, 资产编号="ZC-10", 管理单位统一社会信用代码=world.ent_a.uscc)])
    result = run_import("instruments", path, iw.owner)
    assert not result.ok and [e["row"] for e in result.errors] == [3]
    assert not Instrument.objects.filter(asset_number__in=["ZC-9", "ZC-10"]).exists()
    ok = run_import("instruments", xlsx(tmp_path, [row(world, 资产编号="ZC-9")], "own.xlsx"), iw.owner)
    assert ok.ok and Instrument.objects.get(asset_number="ZC-9").owner == world.ent_b
