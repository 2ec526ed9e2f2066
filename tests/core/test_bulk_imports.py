"""The fast import path gives the answers of the cell-by-cell one: the calamine reader against openpyxl's, whole-column
parsing against each parser, the column-wise change records against serialize(), the bulk field-rule check against
check_writable, and the change records written sealed verify as a chain."""

import datetime as dt
import io
import random
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from heluo.core import audit_chain
from heluo.core.audit import _dumps, serialize, serialized_json
from heluo.core.cells import CellError, money_many, parse_bool, parse_date, parse_decimal, parse_int, parse_many, parse_text, parse_year
from heluo.core.codes import check_uscc, make_uscc
from heluo.core.codes_frame import usccs_valid_as_written
from heluo.core.imports import run_import, template_xlsx
from heluo.core.models import ObjectChange
from heluo.core.permissions import SYSTEM, FieldsRefused, check_writable, check_writable_many
from heluo.core.sheets import FileRejected, Limits, read_table
from heluo.orgs.imports import parse_uscc
from heluo.orgs.models import EnterpriseAnnual, Organization

CENT = Decimal("0.01")


def openpyxl_like(value):
    """What openpyxl read for a cell calamine reads so: a whole number as an int, a date as a datetime, nothing as None."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if type(value) is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    return None if value == "" else value


def test_calamine_reads_the_cells_openpyxl_read(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["年度报表"])
    ws.append(["name", "n", "x", "when", "at", "flag", "text", "neg", "big", "err"])
    ws.append(["甲", 5, 5.5, dt.date(2024, 3, 4), dt.datetime(2024, 1, 2, 3, 4, 5), True, "  空格 ", -5, 1e20, "=1/0"])
    ws.append(["乙", 0, None, None, None, False, "", -0.25, 123456789012, None])
    wb.save(tmp_path / "t.xlsx")
    with zipfile.ZipFile(tmp_path / "t.xlsx") as zf:  # an error cell as Excel saves one
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b"<f>1/0</f><v></v>", b"<f>1/0</f><v>#DIV/0!</v>")
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b'<c r="J3"', b'<c r="J3" t="e"')
    with zipfile.ZipFile(tmp_path / "t.xlsx", "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    table = read_table(tmp_path / "t.xlsx", {"name"}, limits=Limits())
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx", read_only=True, data_only=True).worksheets[0]
    expected = [(n, [v for v in row]) for n, row in enumerate(ws.iter_rows(values_only=True), start=1) if any(v is not None for v in row)]
    assert table.header_row == 2 and table.headers == ["name", "n", "x", "when", "at", "flag", "text", "neg", "big", "err"]
    got = [(n, [openpyxl_like(v) for v in values]) for n, values in table.rows]
    want = [(n, [openpyxl_like(v) for v in values] + [None] * (len(table.headers) - len(values))) for n, values in expected[2:]]
    assert got == want
    assert table.rows[0][1][-1] == "#DIV/0!"  # calamine alone would read the error as an empty cell
    assert table.rows[1][1][-1] in ("", None)


def test_a_sparse_sheet_is_refused_before_calamine_holds_its_grid(tmp_path):
    """Two cells, A1 and XFD20000: 327 million cells as a grid (10 GB), refused from the streaming pass."""
    wb = openpyxl.Workbook()
    wb.active.append(["name"])
    skeleton = io.BytesIO()
    wb.save(skeleton)
    path = tmp_path / "sparse.xlsx"
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
        b'<row r="20000"><c r="XFD20000"><v>1</v></c></row></sheetData></worksheet>'
    )
    with zipfile.ZipFile(skeleton) as src, zipfile.ZipFile(path, "w") as zf:
        for info in src.infolist():
            zf.writestr(info.filename, sheet if info.filename == "xl/worksheets/sheet1.xml" else src.read(info.filename))
    with pytest.raises(FileRejected) as exc:
        read_table(path, {"name"}, limits=Limits())
    assert "more than 5000000 cells" in exc.value.en
    # a cell placed far below its row (calamine places cells by their own reference) counts as that row
    with zipfile.ZipFile(skeleton) as src, zipfile.ZipFile(tmp_path / "far.xlsx", "w") as zf:
        far = sheet.replace(b'<row r="20000"><c r="XFD20000">', b'<row r="2"><c r="B5000">')
        for info in src.infolist():
            zf.writestr(info.filename, far if info.filename == "xl/worksheets/sheet1.xml" else src.read(info.filename))
    with pytest.raises(FileRejected, match="more than 1000 rows"):
        read_table(tmp_path / "far.xlsx", {"name"}, limits=Limits(rows=1000))


def cells(rng, n=3000):
    pool = ["", None, "  ", "-", "无", "N/A", "1,234.5", "１２３", "(12.5)", "12.5元", "abc", "2024-03-31", "2024年3月31日", "是", "否"]
    pool += [True, False, 0.0, -0.0, -5.0, 5e-7, 0.005, 0.015, 1e20, float("inf"), 45293.0, 1899.0, 2024.0, 2101.0]
    pool += [dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4), dt.time(3, 4)]
    out = []
    for _ in range(n):
        k = rng.random()
        if k < 0.3:
            out.append(rng.choice(pool))
        elif k < 0.6:
            out.append(rng.randint(0, 10**9) / 10 ** rng.randint(0, 8))
        elif k < 0.8:
            out.append(float(rng.randint(-10, 10**7)))
        else:
            out.append(round(rng.uniform(-1, 1e10), rng.randint(0, 6)))
    return out


def one_by_one(parse, values):
    out = []
    for v in values:
        try:
            out.append(parse(openpyxl_like(v) if v != "" else v))
        except CellError as exc:
            out.append(("error", exc.zh, exc.en))
    return out


def as_compared(results):
    return [("error", r.zh, r.en) if isinstance(r, CellError) else (r, str(r)) if isinstance(r, Decimal) else r for r in results]


@pytest.mark.parametrize("parse", [parse_decimal, parse_int, parse_year, parse_text, parse_date, parse_bool])
def test_a_column_is_parsed_as_its_cells_are(parse):
    values = cells(random.Random(parse.__name__))
    assert as_compared(parse_many(parse, values)) == [(r, str(r)) if isinstance(r, Decimal) else r for r in one_by_one(parse, values)]


@pytest.mark.parametrize("factor", [1, 10000])
def test_money_columns_are_parsed_and_scaled_as_their_cells_are(factor):
    values = cells(random.Random(factor), 20000)

    def scaled(v):
        number = parse_decimal(v)
        return None if number is None else (number * factor).quantize(CENT)

    assert as_compared(money_many(values, factor, CENT)) == [
        (r, str(r)) if isinstance(r, Decimal) else r for r in one_by_one(scaled, values)
    ]


def test_a_column_of_codes_is_checked_as_each_code_is():
    rng = random.Random(7)
    codes = [make_uscc("9", "1", "410305", f"MA{i:06d}") for i in range(500)]
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ ｜-"
    mangled = []
    for code in codes:
        k, i = rng.random(), rng.randrange(18)
        mangled.append(
            code[:i] + rng.choice(alphabet) + code[i + 1 :] if k < 0.5 else code.lower() if k < 0.6 else f" {code}" if k < 0.7 else code
        )
    mangled += ["", None, 12.0, "９１４１０３０５ＭＡ０００００１"]
    assert usccs_valid_as_written(mangled) == [isinstance(c, str) and check_uscc(c).valid and check_uscc(c).code == c for c in mangled]
    assert as_compared(parse_many(parse_uscc, mangled)) == one_by_one(parse_uscc, mangled)


def test_change_records_by_columns_are_serialize(world):
    rows = list(EnterpriseAnnual.objects.all())
    rows[0].operating_revenue, rows[0].rd_expense, rows[0].source = Decimal("12345000.00"), Decimal("123.40"), '报表"\\\t'
    attnames = [f.attname for f in EnterpriseAnnual._meta.concrete_fields]
    texts = serialized_json(EnterpriseAnnual, {a: [getattr(r, a) for r in rows] for a in attnames}, len(rows))
    assert texts == [_dumps(serialize(r)) for r in rows]


def test_chain_new_hashes_what_row_hash_hashes():
    values = [
        dt.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC),
        "张三",
        "",
        "import",
        "create",
        7,
        12,
        '企业"甲"',
        None,
        {"b": "1E+3", "a": None},
        None,
    ]
    fragments = [audit_chain.fragment(v) for v in values]
    content = f'["abc",{",".join(fragments)}]'
    import hashlib
    import hmac

    assert hmac.new(b"k", content.encode(), hashlib.sha256).hexdigest() == audit_chain.row_hash("abc", values, b"k")


def test_the_bulk_field_rule_check_is_check_writable(world):
    """An enterprise may not rename itself: the same refusal for one record and for many."""
    user = world.users.org_a
    org = Organization.objects.get(pk=world.ent_a.pk)
    stored = {f.attname: getattr(org, f.attname) for f in Organization._meta.concrete_fields}
    renamed = {**stored, "name": "乙企业"}
    org.name = "乙企业"
    with pytest.raises(FieldsRefused) as one:
        check_writable(user, org)
    many = check_writable_many(user, Organization, {1: (renamed, stored), 2: (stored, stored)})
    assert list(many) == [1] and many[1].reason == one.value.reason
    assert check_writable_many(SYSTEM, Organization, {1: (renamed, stored)}) == {}


def annual_workbook(path, rows):
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx("annual")))
    headers = [c.value for c in wb.worksheets[0][1]]
    for row in rows:
        wb.worksheets[0].append([row.get(h) for h in headers])
    wb.save(path)
    return path


def test_bulk_change_records_are_complete_and_sealed(world, tmp_path):
    EnterpriseAnnual.objects.filter(year=2021).delete()
    audit_chain.seal()
    rows = [{"统一社会信用代码": world.ent_a.uscc, "年度": 2021, "营业收入（万元）": 12.5, "职工总数": 10}]
    before = ObjectChange.objects.count()
    assert run_import("annual", annual_workbook(tmp_path / "a.xlsx", rows), SYSTEM).summary == {"created": 1, "updated": 0, "unchanged": 0}
    created = EnterpriseAnnual.objects.get(organization=world.ent_a, year=2021)
    record = ObjectChange.objects.get(object_id=created.pk, action="create", content_type__model="enterpriseannual")
    assert record.via == "import" and record.object_repr == f"{world.ent_a.name} 2021" and record.prechange_data is None
    assert record.postchange_data == serialize(created) and record.chain_seq is not None
    rows[0]["职工总数"] = 12
    assert run_import("annual", annual_workbook(tmp_path / "b.xlsx", rows), SYSTEM).summary == {"created": 0, "updated": 1, "unchanged": 0}
    update = ObjectChange.objects.get(object_id=created.pk, action="update", content_type__model="enterpriseannual")
    assert update.prechange_data == serialize(created) and update.postchange_data == serialize(EnterpriseAnnual.objects.get(pk=created.pk))
    assert update.diff() == [("total_staff", 10, 12)]
    assert ObjectChange.objects.count() == before + 2
    report = audit_chain.verify(ObjectChange)
    assert report.ok and report.unsealed == 0, report.problems


def test_a_dry_run_of_annual_data_writes_nothing(world, tmp_path):
    rows = [{"统一社会信用代码": world.ent_a.uscc, "年度": 2020, "职工总数": 7}]
    changes = ObjectChange.objects.count()
    result = run_import("annual", annual_workbook(tmp_path / "a.xlsx", rows), SYSTEM, dry_run=True)
    assert result.ok and result.summary == {"created": 1, "updated": 0, "unchanged": 0}
    assert not EnterpriseAnnual.objects.filter(year=2020).exists() and ObjectChange.objects.count() == changes


def test_errors_are_reported_row_by_row_in_the_order_of_the_columns(world, tmp_path):
    rows = [
        {"统一社会信用代码": world.ent_a.uscc, "年度": "两千", "职工总数": -1},
        {"统一社会信用代码": "123", "年度": 2022, "职工总数": "很多"},
    ]
    result = run_import("annual", annual_workbook(tmp_path / "a.xlsx", rows), SYSTEM)
    assert [(e["row"], e["column"].split()[0]) for e in result.errors] == [(2, "C"), (2, "V"), (3, "A"), (3, "V")]
