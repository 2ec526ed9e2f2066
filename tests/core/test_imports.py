"""Imports: whole-file validation, every error located and bilingual, all or nothing, idempotent, scoped."""

import io
import re
import sys
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from heluo.core.audit import history_for
from heluo.core.codes import make_id_number, make_uscc
from heluo.core.exports import export_xlsx
from heluo.core.imports import run_import, template_xlsx
from heluo.core.models import ObjectChange
from heluo.core.permissions import SYSTEM
from heluo.orgs.models import EnterpriseAnnual, Organization, Qualification
from heluo.people.models import Expert, Person, TalentMembership, TalentProgramme
from heluo.platforms.models import Platform

U1 = make_uscc("9", "1", "410305", "MA7A0001")
U2 = make_uscc("9", "1", "410311", "MA7A0002")


def workbook(kind, rows, title_row=None):
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx(kind)))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    if title_row:
        ws.insert_rows(1)
        ws["A1"] = title_row
    for row in rows:
        ws.append([row.get(h) for h in headers])
    return wb


def save(wb, tmp_path, name="in.xlsx"):
    path = tmp_path / name
    wb.save(path)
    return path


def orgs_file(tmp_path, rows=None, **kw):
    rows = (
        rows
        if rows is not None
        else [
            {"机构名称": "导入企业一", "统一社会信用代码": U1, "所在区划": "涧西区", "成立日期": "2018/5/6"},
            {"机构名称": "导入企业二", "统一社会信用代码": U2, "所在区划": "410311", "成立日期": 43530},
        ]
    )
    return save(workbook("organizations", rows, **kw), tmp_path)


def annual_file(tmp_path, rows):
    return save(workbook("annual", rows), tmp_path, "annual.xlsx")


def messages(result):
    return [f"{e['row']}|{e['column']}|{e['message_zh']}|{e['message_en']}" for e in result.errors]


def test_organizations_import_is_idempotent_and_audited(world, tmp_path):
    path = orgs_file(tmp_path, title_row="2024年科技企业名单")
    first = run_import("organizations", path, SYSTEM)
    assert first.ok, messages(first)
    assert first.summary == {"created": 2, "updated": 0, "unchanged": 0}
    org = Organization.objects.get(uscc=U2)
    assert org.founded_on.isoformat() == "2019-03-06"  # Excel serial date
    assert history_for(org).filter(action="create", via="import").exists()
    changes = ObjectChange.objects.count()
    again = run_import("organizations", path, SYSTEM)
    assert again.summary == {"created": 0, "updated": 0, "unchanged": 2}
    assert ObjectChange.objects.count() == changes


def test_every_bad_cell_is_reported_and_nothing_written(world, tmp_path):
    bad = U1[:-1] + ("0" if U1[-1] != "0" else "1")
    path = orgs_file(
        tmp_path,
        rows=[
            {"机构名称": "好企业", "统一社会信用代码": U2, "所在区划": "洛龙区"},
            {"机构名称": "坏企业", "统一社会信用代码": bad, "所在区划": "火星区", "成立日期": "2019-02-30", "机构类型": "公司"},
            {"机构名称": None, "统一社会信用代码": make_uscc("9", "1", "410305", "MA7A0009"), "所在区划": "涧西区", "是否公开": "也许"},
        ],
    )
    result = run_import("organizations", path, SYSTEM)
    assert not result.ok
    text = "\n".join(messages(result))
    assert re.search(r"3\|B 统一社会信用代码\|.*第18位校验码错误：应为“" + U1[-1], text)
    assert "3|D 所在区划|找不到区划“火星区”" in text
    assert "3|H 成立日期|" in text and "not a valid date" in text
    assert "3|C 机构类型|" in text
    assert "4|A 机构名称|“机构名称”为必填项" in text
    assert "4|N 是否公开|" in text
    assert all(e["sheet"] for e in result.errors)
    assert not Organization.objects.filter(name="好企业").exists()


def test_dry_run_writes_nothing(world, tmp_path):
    result = run_import("organizations", orgs_file(tmp_path), SYSTEM, dry_run=True)
    assert result.ok and result.summary["created"] == 2
    assert not Organization.objects.filter(uscc=U1).exists()


def test_annual_units_full_width_digits_thousands_separators(world, tmp_path):
    row = {
        "统一社会信用代码": world.ent_a.uscc,
        "年度": 2022,
        "营业收入（万元）": "1,234.5",
        "研发费用总额（万元）": "１２３",
        "职工总数": "１００",
        "科技人员数": 30.0,
    }
    result = run_import("annual", annual_file(tmp_path, [row]), SYSTEM)
    assert result.ok, messages(result)
    saved = EnterpriseAnnual.objects.get(organization=world.ent_a, year=2022)
    assert saved.operating_revenue == Decimal("12345000") and saved.rd_expense == Decimal("1230000")
    assert saved.total_staff == 100 and saved.st_staff == 30
    assert run_import("annual", annual_file(tmp_path, [row]), SYSTEM).summary["unchanged"] == 1


def test_header_in_yuan_is_converted_and_missing_unit_rejected(world, tmp_path):
    wb = workbook("annual", [])
    ws = wb.worksheets[0]
    ws["D1"] = "营业收入（元）"
    ws.append([world.ent_a.uscc, None, 2021, 5000])
    result = run_import("annual", save(wb, tmp_path), SYSTEM)
    assert result.ok, messages(result)
    assert EnterpriseAnnual.objects.get(organization=world.ent_a, year=2021).operating_revenue == 5000
    ws["D1"] = "营业收入"
    result = run_import("annual", save(wb, tmp_path, "b.xlsx"), SYSTEM)
    assert not result.ok and "须在表头注明单位" in messages(result)[0]


def test_wrong_headers_are_named(world, tmp_path):
    wb = workbook("annual", [])
    ws = wb.worksheets[0]
    ws["C1"] = "年份"  # not our name for 年度
    ws["E1"] = "莫名其妙"
    result = run_import("annual", save(wb, tmp_path), SYSTEM)
    text = "\n".join(messages(result))
    assert "未知的列“年份”" in text and "未知的列“莫名其妙”" in text and "缺少必填列“年度”" in text


def test_inconsistent_figures_and_duplicate_rows(world, tmp_path):
    rows = [
        {"统一社会信用代码": world.ent_a.uscc, "年度": 2022, "职工总数": 10, "科技人员数": 20},
        {"统一社会信用代码": world.ent_a.uscc, "年度": 2022},
    ]
    text = "\n".join(messages(run_import("annual", annual_file(tmp_path, rows), SYSTEM)))
    assert "科技人员数不能大于职工总数" in text
    assert "3|A 统一社会信用代码|与第2行重复" in text


def test_scope_district_cannot_import_for_another_district(world, tmp_path):
    rows = [
        {"统一社会信用代码": world.ent_a.uscc, "年度": 2022, "职工总数": 5},
        {"统一社会信用代码": world.ent_b.uscc, "年度": 2022, "职工总数": 5},
    ]
    result = run_import("annual", annual_file(tmp_path, rows), world.users.district_a)
    assert not result.ok
    assert [e["row"] for e in result.errors] == [3]
    assert "不在您的权限范围内" in result.errors[0]["message_zh"]
    assert not EnterpriseAnnual.objects.filter(year=2022).exists()


def test_enterprise_cannot_change_verified_or_verify(world, tmp_path):
    verified = [{"统一社会信用代码": world.ent_a.uscc, "年度": 2023, "职工总数": 999}]
    result = run_import("annual", annual_file(tmp_path, verified), world.users.org_a)
    assert not result.ok and "已核实" in result.errors[0]["message_zh"]
    self_verify = [{"统一社会信用代码": world.ent_a.uscc, "年度": 2024, "状态": "已核实"}]
    assert not run_import("annual", annual_file(tmp_path, self_verify), world.users.org_a).ok
    own = [{"统一社会信用代码": world.ent_a.uscc, "年度": 2024, "职工总数": 120}]
    assert run_import("annual", annual_file(tmp_path, own), world.users.org_a).ok
    assert EnterpriseAnnual.objects.get(organization=world.ent_a, year=2024).total_staff == 120


def test_a_refused_field_is_named_in_the_row_error(world, tmp_path):
    """The role's field rule (here: an enterprise may not rename itself) reaches the import as a reason naming it."""
    rows = [{"机构名称": "乙企业", "统一社会信用代码": world.ent_a.uscc, "所在区划": world.a.code}]
    result = run_import("organizations", orgs_file(tmp_path, rows), world.users.org_a)
    assert not result.ok
    assert [(e["message_zh"], e["message_en"]) for e in result.errors] == [("您不能修改：名称", "You may not change: name")]
    assert Organization.objects.get(pk=world.ent_a.pk).name == "甲企业"


def test_enterprises_do_not_enrol_their_people_as_experts_or_talents(world, tmp_path):
    """Imports write experts and talent memberships through the services, so the scope the API applies holds."""
    person = world.person_a
    experts = workbook("experts", [{"姓名": person.name, "身份证号码": person.id_number, "研究方向": "轴承"}])
    assert not run_import("experts", save(experts, tmp_path, "e.xlsx"), world.users.org_a).ok
    TalentProgramme.objects.create(code="P1", name_zh="河洛英才计划", name_en="Heluo Talents")
    talents = workbook("talents", [{"姓名": person.name, "身份证号码": person.id_number, "人才计划": "P1", "入选年度": 2024}])
    assert not run_import("talents", save(talents, tmp_path, "t.xlsx"), world.users.org_a).ok
    assert not Expert.objects.filter(person=person).exists() and not TalentMembership.objects.filter(person=person).exists()
    assert run_import("talents", save(talents, tmp_path, "t.xlsx"), world.users.district_a).ok  # district staff record them


def test_district_cannot_create_organization_outside_its_area(world, tmp_path):
    result = run_import("organizations", orgs_file(tmp_path), world.users.district_a)
    assert not result.ok
    assert {e["row"] for e in result.errors} == {3}
    assert not Organization.objects.filter(uscc=U1).exists()


def test_merged_cells_rejected(world, tmp_path):
    wb = workbook(
        "organizations",
        [
            {"机构名称": "甲", "统一社会信用代码": U1, "所在区划": "涧西区"},
            {"机构名称": "乙", "统一社会信用代码": U2, "所在区划": "涧西区"},
        ],
    )
    wb.worksheets[0].merge_cells("C2:C3")
    result = run_import("organizations", save(wb, tmp_path), SYSTEM)
    assert not result.ok and "合并单元格" in result.errors[0]["message_zh"] and "C2:C3" in result.errors[0]["message_zh"]


def _with_cached_value(path, cell, value):
    """openpyxl writes formulas without results; add the result Excel would have saved."""
    data = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            data[name] = zf.read(name)
    xml = data["xl/worksheets/sheet1.xml"].decode()
    xml = re.sub(
        rf'(<c r="{cell}"[^>]*>\s*<f>[^<]*</f>)\s*<v\s*/>|(<c r="{cell}"[^>]*>\s*<f>[^<]*</f>)(\s*<v>\s*</v>)?',
        lambda m: (m.group(1) or m.group(2)) + f"<v>{value}</v>",
        xml,
    )
    data["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in data.items():
            zf.writestr(name, content)


def test_formulas_use_saved_results_or_are_rejected(world, tmp_path):
    wb = workbook("annual", [{"统一社会信用代码": world.ent_a.uscc, "年度": 2022, "职工总数": "=50+50"}])
    path = save(wb, tmp_path)
    result = run_import("annual", path, SYSTEM)
    assert not result.ok and "公式" in result.errors[0]["message_zh"]
    letter = next(c.column_letter for c in wb.worksheets[0][1] if c.value == "职工总数")
    _with_cached_value(path, f"{letter}2", 100)
    result = run_import("annual", path, SYSTEM)
    assert result.ok, messages(result)
    assert result.warnings and EnterpriseAnnual.objects.get(organization=world.ent_a, year=2022).total_staff == 100


def test_not_a_spreadsheet(world, tmp_path):
    for name, content, expected in [
        ("x.xlsx", b"PK\x03\x04garbage", "不是有效的 Excel"),
        ("x.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        ("x.bin", b"\x00\x01\x02\x03" * 50, "不是电子表格"),
        ("x.csv", "随便写点什么\n没有表头".encode(), "找不到表头"),
    ]:
        path = tmp_path / name
        path.write_bytes(content)
        result = run_import("organizations", path, SYSTEM)
        assert not result.ok and expected in result.errors[0]["message_zh"], (name, result.errors)


def test_csv_in_gbk_with_title_row(world, tmp_path):
    text = f"科技企业名单\n机构名称,统一社会信用代码,所在区划,成立日期\n导入企业一,{U1},涧西区,2018年5月6日\n"
    path = tmp_path / "orgs.csv"
    path.write_bytes(text.encode("gbk"))
    result = run_import("organizations", path, SYSTEM)
    assert result.ok, messages(result)
    assert Organization.objects.get(uscc=U1).founded_on.isoformat() == "2018-05-06"


def test_export_round_trip_changes_nothing(world, tmp_path):
    data = export_xlsx("annual", EnterpriseAnnual.objects.all(), SYSTEM)
    path = tmp_path / "export.xlsx"
    path.write_bytes(data)
    result = run_import("annual", path, SYSTEM)
    assert result.ok, messages(result)
    assert result.summary == {"created": 0, "updated": 0, "unchanged": EnterpriseAnnual.objects.count()}


def test_listing_stage_is_stored_as_a_code_and_exported_in_chinese(world, tmp_path):
    row = {"统一社会信用代码": world.ent_a.uscc, "资质类型": "上市后备企业", "有效期起": "2025-01-01", "上市阶段": "改制"}
    wb = workbook("qualifications", [row])
    headers = [c.value for c in wb.worksheets[0][1]]
    assert all(h in headers for h in row), headers
    result = run_import("qualifications", save(wb, tmp_path), SYSTEM)
    assert result.ok, messages(result)
    qual = Qualification.objects.get(organization=world.ent_a, kind="listing_reserve")
    assert qual.stage == "restructuring"
    exported = openpyxl.load_workbook(io.BytesIO(export_xlsx("qualifications", Qualification.objects.filter(pk=qual.pk), SYSTEM)))
    ws = exported.worksheets[0]
    assert dict(zip([c.value for c in ws[1]], [c.value for c in ws[2]]))["上市阶段"] == "改制"
    bad = run_import("qualifications", save(workbook("qualifications", [{**row, "上市阶段": "敲钟"}]), tmp_path, "bad.xlsx"), SYSTEM)
    assert not bad.ok and "敲钟" in messages(bad)[0]


def test_exported_annual_data_imports_into_a_database_without_those_rows(world, tmp_path):
    """Was a TypeError ("status" given twice): the exported file carries its own status column."""
    data = export_xlsx("annual", EnterpriseAnnual.objects.all(), SYSTEM)
    rows = {(r.organization_id, r.year): r.status for r in EnterpriseAnnual.objects.all()}
    EnterpriseAnnual.objects.all().delete()
    path = tmp_path / "export.xlsx"
    path.write_bytes(data)
    result = run_import("annual", path, SYSTEM)
    assert result.ok, messages(result)
    assert result.summary["created"] == len(rows)
    assert {(r.organization_id, r.year): r.status for r in EnterpriseAnnual.objects.all()} == rows


def test_platform_export_of_many_hosted_platforms(world):
    """Was a server error on SQLite past a thousand host organizations (the nested prefetch's OR-chain of ids)."""
    from heluo.platforms.models import PlatformHost

    n = 1100
    orgs = Organization.objects.bulk_create(Organization(name=f"依托单位{i}", area=world.a) for i in range(n))
    platforms = Platform.objects.bulk_create(Platform(name=f"平台{i}", kind="key_lab", level="municipal", area=world.a) for i in range(n))
    PlatformHost.objects.bulk_create(PlatformHost(platform=p, organization=o) for p, o in zip(platforms, orgs))
    ws = openpyxl.load_workbook(io.BytesIO(export_xlsx("platforms", Platform.objects.all(), SYSTEM))).worksheets[0]
    assert ws.max_row == Platform.objects.count() + 1


def test_platforms_talents_experts(world, tmp_path):
    programme = TalentProgramme.objects.create(code="heluo", name_zh="河洛英才计划", name_en="Heluo talent programme")
    plat = workbook(
        "platforms",
        [
            {
                "平台名称": "新中试基地",
                "平台类型": "中试基地",
                "级别": "市级",
                "所在区划": "涧西区",
                "依托单位": world.ent_a.uscc,
                "状态": "认定",
                "状态日期": "2023-06-01",
                "批准文号": "洛科〔2023〕1号",
            }
        ],
    )
    assert run_import("platforms", save(plat, tmp_path, "p.xlsx"), SYSTEM).ok
    platform = Platform.objects.get(name="新中试基地")
    assert platform.status == "approved" and list(platform.hosts.all()) == [world.ent_a]
    assert run_import("platforms", save(plat, tmp_path, "p.xlsx"), SYSTEM).summary["unchanged"] == 1
    idn = make_id_number("410305", __import__("datetime").date(1988, 8, 8), 5)
    talents = workbook(
        "talents",
        [
            {
                "姓名": "赵六",
                "身份证号码": idn,
                "工作单位": world.ent_a.uscc,
                "人才计划": "河洛英才计划",
                "入选年度": 2023,
                "入选类别": "青年拔尖人才",
            }
        ],
    )
    assert run_import("talents", save(talents, tmp_path, "t.xlsx"), SYSTEM).ok
    assert TalentMembership.objects.get(person__id_number=idn).programme == programme
    assert run_import("talents", save(talents, tmp_path, "t.xlsx"), SYSTEM).summary["unchanged"] == 1
    experts = workbook("experts", [{"姓名": "赵六", "身份证号码": idn, "研究方向": "轴承", "是否在库": "是"}])
    assert run_import("experts", save(experts, tmp_path, "e.xlsx"), SYSTEM).ok
    assert Expert.objects.get(person__id_number=idn).specialty == "轴承"
    assert Person.objects.filter(id_number=idn).count() == 1
    bad_id = workbook("experts", [{"姓名": "钱七", "身份证号码": idn[:-1] + ("0" if idn[-1] != "0" else "1")}])
    result = run_import("experts", save(bad_id, tmp_path, "e2.xlsx"), SYSTEM)
    assert not result.ok and "第18位" in result.errors[0]["message_zh"]


def test_cli_exit_codes_and_stderr(world, tmp_path, settings):
    """The command line reports errors on stderr with a non-zero exit and leaves the database untouched."""
    from django.core.management import call_command

    bad = orgs_file(tmp_path, rows=[{"机构名称": "坏", "统一社会信用代码": "123", "所在区划": "涧西区"}])
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        sys_stderr, sys.stderr = sys.stderr, err
        try:
            call_command("import_data", "organizations", str(bad))
        finally:
            sys.stderr = sys_stderr
    assert exit_info.value.code == 1
    assert "长度应为18位" in err.getvalue() and "database untouched" in err.getvalue()
    out = io.StringIO()
    call_command("import_data", "organizations", str(orgs_file(tmp_path)), "--dry-run", stdout=out)
    assert "dry run" in out.getvalue() and not Organization.objects.filter(uscc=U1).exists()
