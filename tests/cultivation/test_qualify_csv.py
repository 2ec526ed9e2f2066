"""`heluo qualify` over a CSV: output columns, results, JSON detail, and row-by-row input errors."""

import csv
import json

import pytest

from heluo.core.codes import make_uscc
from heluo.cultivation.qualify_csv import main

COLUMNS = [
    "credit_code",
    "year",
    "registered_on",
    "total_staff",
    "st_staff",
    "sales_revenue",
    "total_income",
    "hitech_income",
    "cost_total",
    "rd_expense",
    "rd_expense_domestic",
    "total_assets",
    "net_assets",
    "ip_class1",
    "ip_class2",
    "hitech_field",
    "transformations",
    "major_violation",
    "has_valid_hte",
    "provincial_rd_institution",
    "national_award_5y",
    "led_standard_5y",
]
A = make_uscc("9", "1", "410305", "MA000001")
B = make_uscc("9", "1", "410311", "MA000002")


def year_row(code, year, **kw):
    r = dict(
        credit_code=code,
        year=year,
        registered_on="2015-03-01",
        total_staff=100,
        st_staff=20,
        sales_revenue=40_000_000,
        total_income=41_000_000,
        hitech_income=30_000_000,
        cost_total=35_000_000,
        rd_expense=3_000_000,
        rd_expense_domestic=3_000_000,
        total_assets=50_000_000,
        net_assets=20_000_000,
        ip_class1=1,
        ip_class2=3,
        hitech_field=1,
        transformations=5,
        major_violation="false",
        has_valid_hte="false",
        provincial_rd_institution="false",
        national_award_5y="false",
        led_standard_5y="false",
    )
    r.update(kw)
    return r


def hte_rows(code, **y1):
    """Passes HTE with expert scores (see test_cultivation_engine: 83–85 points)."""
    return [
        year_row(code, 2022),
        year_row(code, 2023, net_assets=27_000_000, sales_revenue=54_000_000),
        year_row(code, 2024, net_assets=36_450_000, sales_revenue=72_900_000, **y1),
    ]


def write(path, rows, columns=None):
    columns = columns or list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return str(path)


def run(tmp_path, rows, ruleset="hte-2016", year=2025, columns=None, extra=()):
    src = write(tmp_path / "in.csv", rows, columns)
    out = tmp_path / "out.csv"
    code = main(["--ruleset", ruleset, "--year", str(year), *extra, src, str(out)])
    return code, out


def read(out):
    with open(out, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


EXPERT = dict(expert_ip_score=25, expert_transform_score=25, expert_rd_mgmt_score=15)


def test_hte_csv_output(tmp_path):
    flat = dict(sales_revenue=40_000_000, rd_expense=1_500_000, rd_expense_domestic=1_500_000)
    b_rows = [
        year_row(B, 2022, **flat),
        year_row(B, 2023, net_assets=27_000_000, **flat),
        year_row(B, 2024, net_assets=36_450_000, **flat, **EXPERT),
    ]
    rows = hte_rows(A, **EXPERT) + b_rows
    columns = COLUMNS + list(EXPERT)
    code, out = run(tmp_path, rows, columns=columns, extra=["--detail"])
    assert code == 0
    result = read(out)
    assert list(result[0]) == ["credit_code", "ruleset", "result", "score", "failed", "detail"]
    a, b = result
    assert (a["credit_code"], a["ruleset"], a["result"], a["score"], a["failed"]) == (A, "hte-2016", "pass", "83-85", "")
    assert (b["result"], b["failed"]) == ("fail", "rd_ratio")
    detail = json.loads(b["detail"])
    rd = detail["criteria"]["rd_ratio"]
    assert rd["value"] == 0.0375 and rd["threshold"] == 0.05 and rd["gap"] == 1_500_000
    assert rd["gap_zh"] == "研发费用还差 150.00 万元"
    assert rd["inputs"]["sales_revenue@-1"] == 40_000_000
    assert detail["criteria"]["transform_score"]["points"] == 25
    assert detail["version"] == "2016.2"


def test_missing_expert_columns_give_undetermined_with_a_range(tmp_path):
    code, out = run(tmp_path, hte_rows(A), columns=COLUMNS)
    assert code == 0
    [r] = read(out)
    assert (r["result"], r["score"], r["failed"]) == ("undetermined", "51-100", "")  # IP 8–30 from its sub-items


def test_tech_sme_csv(tmp_path):
    rows = [year_row(A, 2024, sales_revenue=50_000_000, ip_class1=0, ip_class2=2), year_row(B, 2024, st_staff=5, has_valid_hte="true")]
    code, out = run(tmp_path, rows, ruleset="tech-sme-2022", columns=COLUMNS, extra=["--detail"])
    assert code == 0
    a, b = read(out)
    assert (a["result"], a["score"]) == ("pass", "74")
    assert (b["result"], b["failed"]) == ("pass", "")
    assert json.loads(a["detail"])["criteria"]["resident"]["state"] == "unchecked"


def test_detail_only_when_asked(tmp_path):
    code, out = run(tmp_path, hte_rows(A), columns=COLUMNS)
    assert code == 0
    [r] = read(out)
    assert list(r) == ["credit_code", "ruleset", "result", "score", "failed", "detail"] and r["detail"] == ""
    line = out.read_text(encoding="utf-8").splitlines()[1]
    assert line.startswith(f"{A},hte-2016,undetermined,") and line.endswith(",,")  # no code failed, no detail


def test_empty_hitech_field_means_none(tmp_path):
    rows = hte_rows(A, **EXPERT)
    rows[2]["hitech_field"] = ""
    code, out = run(tmp_path, rows, columns=COLUMNS + list(EXPERT))
    assert code == 0
    assert read(out)[0]["failed"] == "hitech_field"


def test_parameters_and_application_date(tmp_path):
    rows = [year_row(A, 2024, registered_on="2024-03-01", **EXPERT)]
    code, out = run(tmp_path, rows, columns=COLUMNS + list(EXPERT), extra=["--as-of", "2025-02-28"])
    assert code == 0
    assert "age" in read(out)[0]["failed"].split(";")
    code, _ = run(tmp_path, rows, extra=["--param", "no_such=1"])
    assert code == 2


def test_unknown_ruleset_is_a_usage_error(tmp_path, capsys):
    code, out = run(tmp_path, hte_rows(A), ruleset="gazelle-henan")
    assert code == 2 and not out.exists()
    assert "hte-2016" in capsys.readouterr().err


def errors_for(tmp_path, capsys, rows, columns=None, ruleset="hte-2016"):
    code, out = run(tmp_path, rows, columns=columns or COLUMNS, ruleset=ruleset)
    assert code == 1
    assert not out.exists()
    return capsys.readouterr().err


def test_missing_column(tmp_path, capsys):
    err = errors_for(tmp_path, capsys, hte_rows(A), columns=[c for c in COLUMNS if c != "rd_expense"])
    assert "第1行“rd_expense”列：缺少必需的列" in err
    assert "row 1, column 'rd_expense': required column is missing" in err


def test_bad_values_are_all_reported_row_by_row(tmp_path, capsys):
    rows = hte_rows(A)
    rows[0]["sales_revenue"] = "四千万"
    rows[1]["major_violation"] = "maybe"
    rows[2]["registered_on"] = "2015/03/01"
    rows[2]["total_staff"] = "100.5"
    err = errors_for(tmp_path, capsys, rows)
    assert "第2行“sales_revenue”列（'四千万'）：不是数字 / row 2, column 'sales_revenue': not a number" in err
    assert "第3行“major_violation”列（'maybe'）：应为 true 或 false" in err
    assert "第4行“registered_on”列（'2015/03/01'）：日期无效，应为 YYYY-MM-DD" in err
    assert "第4行“total_staff”列（'100.5'）：应为整数 / row 4, column 'total_staff': must be a whole number" in err
    assert "4 errors, nothing written" in err


def test_bad_credit_code(tmp_path, capsys):
    bad = A[:-1] + ("0" if A[-1] != "0" else "1")
    err = errors_for(tmp_path, capsys, [year_row(bad, 2024)])
    assert f"第2行“credit_code”列（'{bad}'）：统一社会信用代码无效：第18位校验码错误" in err
    assert "invalid credit code: character 18 (check character) is wrong" in err


def test_cross_row_and_cross_field_errors(tmp_path, capsys):
    rows = hte_rows(A) + [year_row(A, 2024)]
    rows[1]["registered_on"] = "2016-01-01"
    rows[2]["st_staff"] = 150
    err = errors_for(tmp_path, capsys, rows)
    assert "第5行“year”列（'2024'）：同一企业同一年度重复（首次出现在第4行）" in err
    assert "第3行“registered_on”列（'2016-01-01'）：与第2行的注册日期（2015-03-01）不一致" in err
    assert "第4行“st_staff”列：科技人员数不能多于职工总数" in err


def test_optional_columns_are_validated(tmp_path, capsys):
    rows = hte_rows(A, expert_ip_score=31)
    err = errors_for(tmp_path, capsys, rows, columns=COLUMNS + ["expert_ip_score"])
    assert "第4行“expert_ip_score”列（'31'）：应在 0–30 之间" in err


def test_unknown_columns_are_ignored_with_a_warning(tmp_path, capsys):
    rows = [dict(r, name="甲企业") for r in hte_rows(A)]
    code, out = run(tmp_path, rows, columns=COLUMNS + ["name"])
    assert code == 0 and out.exists()
    assert "ignoring unknown column: name" in capsys.readouterr().err


def test_wrong_number_of_fields(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text(",".join(COLUMNS) + "\n" + A + ",2024,2015-03-01\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["--ruleset", "hte-2016", "--year", "2025", str(src), str(out)]) == 1
    assert "第2行：字段数（3）与表头（22）不一致" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("ruleset", ["innovative-sme-2022", "srdi-sme-2022", "little-giant-2022", "srdi-sme-2026", "little-giant-2026"])
def test_every_rule_set_runs_on_the_standard_columns(tmp_path, ruleset):
    code, out = run(tmp_path, hte_rows(A) + hte_rows(B), ruleset=ruleset, columns=COLUMNS)
    assert code == 0
    rows = read(out)
    assert [r["credit_code"] for r in rows] == [A, B]
    assert all(r["result"] in ("pass", "fail", "undetermined") for r in rows)
