"""Importing the national system's export of registered contracts: every kind of bad row reported in both languages,
all or nothing, idempotent by registration number."""

import io

import openpyxl
import pytest

from heluo.core.imports import run_import, template_xlsx
from heluo.core.permissions import SYSTEM
from heluo.market.models import ContractEvent, TechnologyContract

from .contracts_world import OUTSIDE_BUYER, make_contract, register


def row(world, number="2025410305000101", **cells):
    base = {
        "登记号": number,
        "合同名称": "高端轴承设计技术开发",
        "合同类型": "技术开发",
        "合同子类": "委托开发",
        "卖方名称": world.ent_a.name,
        "卖方统一社会信用代码": world.ent_a.uscc,
        "买方名称": "北京某公司",
        "买方统一社会信用代码": OUTSIDE_BUYER,
        "合同金额（万元）": 100,
        "非技术性费用（万元）": 20,
        "技术交易额（万元）": 80,
        "签订日期": "2025-03-01",
        "登记日期": "2025-03-20",
        "登记机构": "涧西区",
    }
    base.update(cells)
    return base


def xlsx(tmp_path, rows, name="contracts.xlsx"):
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx("tech_contracts")))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    for r in rows:
        ws.append([r.get(h) for h in headers])
    path = tmp_path / name
    wb.save(path)
    return path


def test_a_good_file_imports_registered_contracts_and_reimports_unchanged(world, tmp_path):
    path = xlsx(
        tmp_path,
        [
            row(world),
            row(world, "2025410305000102", **{"合同类型": "技术服务", "合同子类": None, "买方统一社会信用代码": world.ent_b.uscc}),
        ],
    )
    result = run_import("tech_contracts", path, SYSTEM)
    assert result.ok, result.errors
    assert result.summary == {"created": 2, "updated": 0, "unchanged": 0}
    c = TechnologyContract.objects.get(registration_number="2025410305000101")
    assert (c.state, c.contract_amount, c.transaction_amount, c.seller, c.buyer_location, c.source) == (
        "registered",
        1000000,
        800000,
        world.ent_a,
        "elsewhere",
        "imported",
    )
    assert TechnologyContract.objects.get(registration_number="2025410305000102").buyer == world.ent_b
    assert run_import("tech_contracts", path, SYSTEM).summary == {"created": 0, "updated": 0, "unchanged": 2}
    assert ContractEvent.objects.filter(kind="imported").count() == 2
    changed = xlsx(tmp_path, [row(world, **{"合同金额（万元）": 120, "技术交易额（万元）": 100})], "changed.xlsx")
    assert run_import("tech_contracts", changed, SYSTEM).summary == {"created": 0, "updated": 1, "unchanged": 0}
    assert TechnologyContract.objects.get(registration_number="2025410305000101").transaction_amount == 1000000


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"卖方统一社会信用代码": "91410305MA0000011Y"}, "卖方统一社会信用代码"),
        ({"买方统一社会信用代码": "ABC"}, "买方统一社会信用代码"),
        ({"合同类型": "设备买卖"}, "合同类型"),
        ({"合同金额（万元）": "一百"}, "合同金额"),
        ({"合同金额（万元）": 0, "技术交易额（万元）": None, "非技术性费用（万元）": None}, "合同金额"),
        ({"非技术性费用（万元）": 120, "技术交易额（万元）": None}, "非技术性费用"),
        ({"技术交易额（万元）": 90}, "技术交易额"),  # 100 − 20 is not 90
        ({"签订日期": "2025-13-01"}, "签订日期"),
        ({"登记日期": None}, "登记日期"),
        ({"登记机构": "火星区"}, "登记机构"),
        ({"技术领域": "99.9"}, "技术领域"),
        ({"合同名称": None}, "合同名称"),
        ({"合同子类": "技术培训"}, "合同子类"),  # a service sub-type on a development contract
        ({"买方统一社会信用代码": None}, "买方所在地"),  # no code: the location must be entered
        ({"签订日期": "2025-04-01"}, "受理日期"),  # accepted (= registered) before it was signed
    ],
)
def test_each_kind_of_bad_row_is_reported_and_nothing_is_written(world, tmp_path, cells, column):
    path = xlsx(tmp_path, [row(world, "2025410305000201"), row(world, **cells)])
    result = run_import("tech_contracts", path, SYSTEM)
    assert not result.ok
    assert any(e["row"] == 3 for e in result.errors), result.errors
    bad = [e for e in result.errors if e["row"] == 3]
    assert all(e["message_zh"] and e["message_en"] for e in bad)
    if column == "受理日期":  # the column is not in the file: the error names the row
        assert bad[0]["column"] == "" or "受理日期" in bad[0]["column"] or "签订日期" in bad[0]["column"]
    else:
        assert any(column in e["column"] for e in bad), bad
    assert not TechnologyContract.objects.exists()  # the good row is not written either


def test_duplicate_numbers_and_unknown_columns_are_refused(world, tmp_path):
    result = run_import("tech_contracts", xlsx(tmp_path, [row(world), row(world)]), SYSTEM)
    assert not result.ok and "重复" in result.errors[0]["message_zh"]
    wb = openpyxl.Workbook()
    wb.active.append(["登记号", "合同名称", "神秘列"])
    wb.save(tmp_path / "odd.xlsx")
    result = run_import("tech_contracts", tmp_path / "odd.xlsx", SYSTEM)
    assert not result.ok and any("神秘列" in e["column"] for e in result.errors)


def test_only_the_bureau_imports_and_entered_registrations_are_not_overwritten(world, tmp_path):
    path = xlsx(tmp_path, [row(world)])
    result = run_import("tech_contracts", path, world.users.district_a)
    assert not result.ok and "科技局" in result.errors[0]["message_zh"]
    entered = register(world, make_contract(world))
    result = run_import("tech_contracts", xlsx(tmp_path, [row(world, entered.registration_number)], "again.xlsx"), SYSTEM)
    assert not result.ok and "录入" in result.errors[0]["message_zh"]


def test_the_import_is_audited_and_exported(world, tmp_path):
    from heluo.core.audit import history_for
    from heluo.core.exports import export_xlsx

    assert run_import("tech_contracts", xlsx(tmp_path, [row(world)]), SYSTEM).ok
    c = TechnologyContract.objects.get()
    assert history_for(c)
    from heluo.core.imports import load_kinds

    data = export_xlsx("tech_contracts", load_kinds()["tech_contracts"].export_queryset(SYSTEM))
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert [cell.value for cell in ws[2]][:3] == ["2025410305000101", None, "高端轴承设计技术开发"]
