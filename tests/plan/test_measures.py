"""Progress of plan indicators: Statistics Canada's published results, expected paths, projection, the CSV command.

No database: heluo.plan.engine.measures and heluo.plan.engine.measure_csv are plain Python.
"""

import csv
import math
from pathlib import Path

import pytest

from heluo.plan.engine.measure_csv import format_value, main, measure_file
from heluo.plan.engine.measures import (
    DECREASE,
    INCREASE,
    Observation,
    PlanIndicator,
    ProgressConfig,
    ProgressInput,
    assess_risk,
    check_path,
    completion,
    expected_progress,
    expected_value,
    limit_coefficient,
    measure_progress,
    parse_direction,
    project,
    required_growth,
)

VALIDATION = Path(__file__).resolve().parent / "data" / "statcan-progress-2026-07.csv"


MISSING = {"series": "missing"}


def test_the_validation_file_is_in_the_repository():
    assert VALIDATION.exists(), f"validation file absent: {VALIDATION}"


def _num(text):
    return float(text) if text.strip() else None


def _validation_rows(with_limit: bool):
    # A missing file must fail, not shrink the suite to nothing: one row that no assertion accepts stands in for it.
    if not VALIDATION.exists():
        return [pytest.param(MISSING, id="validation-file-missing")]
    with open(VALIDATION, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if bool(r["limit"].strip()) == with_limit]
    return [pytest.param(r, id=r["series"]) for r in rows]


def _input(row, use_limit=True):
    return ProgressInput(
        base_year=_num(row["base_year"]),
        base_value=_num(row["base_value"]),
        current_year=_num(row["current_year"]),
        current_value=_num(row["current_value"]),
        direction=int(float(row["direction"])),
        target_year=_num(row["target_year"]),
        target=_num(row["target"]),
        limit=_num(row["limit"]) if use_limit else None,
    )


@pytest.mark.parametrize("row", _validation_rows(with_limit=False))
def test_reproduces_statistics_canada_published_result(row):
    assert row is not MISSING, f"validation file absent: {VALIDATION}"
    result = measure_progress(_input(row))
    # The file writes full double precision (Python repr); we reproduce it digit for digit.
    assert format_value(result.progress_value) == row["published_progress_value"]
    assert result.status == row["published_status"]


@pytest.mark.parametrize("row", _validation_rows(with_limit=True))
def test_reproduces_rows_with_a_natural_limit_too(row):
    """Beyond the brief: the limit scaling (1 − (y0/ylim)^4.44) of the methodology reproduces these as well."""
    assert row is not MISSING, f"validation file absent: {VALIDATION}"
    result = measure_progress(_input(row))
    assert format_value(result.progress_value) == row["published_progress_value"]
    assert result.status == row["published_status"]


# ---------------------------------------------------------------------------------------------------
# Expected path and completion
# ---------------------------------------------------------------------------------------------------

LINEAR = PlanIndicator(baseline_year=2020, baseline=100, target_year=2025, target=200)
COMPOUND = PlanIndicator(baseline_year=2020, baseline=100, target_year=2025, target=200, path="compound")


def test_expected_progress_is_time_share_clamped():
    assert expected_progress(LINEAR, 2023) == pytest.approx(0.6)
    assert expected_progress(LINEAR, 2018) == 0.0
    assert expected_progress(LINEAR, 2030) == 1.0


def test_linear_and_compound_expected_paths():
    assert expected_value(LINEAR, 2023) == pytest.approx(160)
    assert expected_value(COMPOUND, 2023) == pytest.approx(100 * 2**0.6)  # 151.57
    assert expected_value(COMPOUND, 2025) == pytest.approx(200)
    assert expected_value(PlanIndicator(2020, 0, 2025, 10, path="compound"), 2023) is None


def test_time_half_task_half_check():
    linear = check_path(LINEAR, 2023, 150)
    assert linear.completion == pytest.approx(0.5)
    assert linear.expected_completion == pytest.approx(0.6)
    assert linear.gap_points == pytest.approx(-10)
    assert linear.ahead is False
    compound = check_path(COMPOUND, 2023, 150)
    assert compound.expected_completion == pytest.approx(2**0.6 - 1)  # 0.5157
    assert compound.gap_points == pytest.approx((0.5 - (2**0.6 - 1)) * 100)


def test_completion_decrease_and_degenerate():
    falling = PlanIndicator(2020, 10, 2025, 6, direction=DECREASE)
    assert completion(falling, 8) == pytest.approx(0.5)
    assert completion(falling, 11) == pytest.approx(-0.25)
    flat = PlanIndicator(2020, 10, 2025, 10)
    assert completion(flat, 12) is None
    check = check_path(flat, 2022, 12)
    assert check.gap_points is None and "target_equals_baseline" in {n.code for n in check.notes}
    assert completion(LINEAR, None) is None


# ---------------------------------------------------------------------------------------------------
# Progress measure
# ---------------------------------------------------------------------------------------------------


def _trend(current, direction=INCREASE, **kw):
    return measure_progress(ProgressInput(2015, 100, 2020, current, direction=direction, **kw))


@pytest.mark.parametrize(
    "growth,status,code",
    [
        (0.02, "substantial_progress", "on_track"),
        (0.01, "moderate_progress", "acceleration_needed"),
        (0.003, "limited_progress", "limited_progress"),
        (-0.01, "deterioration", "deterioration"),
    ],
)
def test_no_target_growth_thresholds(growth, status, code):
    result = _trend(100 * (1 + growth) ** 5)
    assert result.method == "trend"
    assert result.progress_value == pytest.approx(growth)
    assert (result.status, result.code) == (status, code)


def test_no_target_decrease_direction_flips_sign():
    result = _trend(100 * 0.98**5, direction=DECREASE)
    assert result.progress_value == pytest.approx(0.02)
    assert result.status == "substantial_progress"
    assert _trend(100 * 1.02**5, direction=DECREASE).status == "deterioration"


def test_thresholds_are_configurable():
    strict = ProgressConfig(growth_substantial=0.03, growth_moderate=0.02)
    result = measure_progress(ProgressInput(2015, 100, 2020, 100 * 1.025**5), strict)
    assert result.status == "moderate_progress"
    assert result.thresholds == (0.03, 0.02, 0.0)


def test_labels():
    result = _trend(100 * 1.02**5)
    assert (result.label_zh, result.label_en) == ("进展顺利", "On track")
    assert _trend(100 * 1.01**5).label_zh == "有进展但需加快"
    assert _trend(90).label_zh == "退步"


def _with_target(ratio, target=200.0, direction=INCREASE):
    """Current value in 2020 whose observed growth is ``ratio`` × the growth required for 2015→2030."""
    required = (target / 100) ** (1 / 15) - 1
    return ProgressInput(2015, 100, 2020, 100 * (1 + ratio * required) ** 5, direction=direction, target_year=2030, target=target)


@pytest.mark.parametrize(
    "ratio,status",
    [
        (1.2, "substantial_progress"),
        (0.96, "substantial_progress"),
        (0.8, "moderate_progress"),
        (0.3, "limited_progress"),
        (-0.5, "deterioration"),
    ],
)
def test_with_target_ratio_categories(ratio, status):
    result = measure_progress(_with_target(ratio))
    assert result.method == "target"
    assert result.progress_value == pytest.approx(ratio)
    assert result.status == status


def test_with_target_decrease_direction():
    result = measure_progress(_with_target(0.8, target=50.0, direction=DECREASE))
    assert result.progress_value == pytest.approx(0.8)
    assert result.status == "moderate_progress"


def test_target_achieved_even_without_enough_years():
    achieved = measure_progress(ProgressInput(2015, 100, 2020, 210, target_year=2030, target=200))
    assert achieved.status == "target_achieved" and achieved.code == "target_achieved"
    assert achieved.label_zh == "目标已实现"
    same_year = measure_progress(ProgressInput(2020, 210, 2020, 210, target_year=2030, target=200))
    assert same_year.status == "target_achieved" and same_year.progress_value is None
    assert same_year.reason.code == "too_short"


@pytest.mark.parametrize(
    "inputs,code",
    [
        (ProgressInput(2015, None, 2020, 5.0), "missing_data"),
        (ProgressInput(2015, 5.0, None, None), "missing_data"),
        (ProgressInput(2020, 5.0, 2020, 6.0), "too_short"),
        (ProgressInput(2015, 0.0, 2020, 6.0), "zero_base"),
        (ProgressInput(2015, 5.0, 2020, -1.0), "sign_change"),
        (ProgressInput(2015, 5.0, 2020, 6.0, target_year=2030, target=0.0, direction=DECREASE), "zero_target"),
        (ProgressInput(2015, 5.0, 2020, 6.0, target_year=2030, target=-3.0, direction=DECREASE), "target_sign"),
        (ProgressInput(2015, 5.0, 2020, 6.0, target_year=2015, target=9.0), "target_year"),
        (ProgressInput(2015, 5.0, 2020, 6.0, target_year=None, target=9.0), "missing_target_year"),
    ],
)
def test_cannot_compute_returns_reason_not_exception(inputs, code):
    result = measure_progress(inputs)
    assert result.status == "not_available" and result.progress_value is None
    assert result.reason.code == code
    assert result.reason.reason_zh and result.reason.reason_en


def test_zero_replacement_mimics_open_sdg_when_configured():
    result = measure_progress(ProgressInput(2015, 0.0, 2020, 6.0), ProgressConfig(zero_replacement=0.001))
    assert result.progress_value == pytest.approx((6 / 0.001) ** 0.2 - 1)
    assert "zero_base_replaced" in {n.code for n in result.notes}


def test_all_negative_series_flips_direction():
    # -10 → -5 with "higher is better" is progress towards zero.
    result = measure_progress(ProgressInput(2015, -10.0, 2020, -5.0))
    assert result.progress_value == pytest.approx(-(0.5**0.2 - 1))
    assert result.status == "substantial_progress"


def test_target_equal_to_base():
    worse = measure_progress(ProgressInput(2015, 10.0, 2020, 9.0, target_year=2030, target=10.0))
    assert worse.status == "deterioration" and worse.progress_value is None
    assert worse.reason.code == "target_equals_base"
    kept = measure_progress(ProgressInput(2015, 10.0, 2020, 10.0, target_year=2030, target=10.0))
    assert kept.status == "target_achieved"


def test_limit_coefficient_and_direction():
    assert limit_coefficient(50, 100) == pytest.approx(1 - 0.5**4.44)
    assert limit_coefficient(100, 100) == 0.0
    assert limit_coefficient(250, 100) == 1.0
    near = measure_progress(ProgressInput(2015, 95.0, 2020, 96.0, limit=100.0))
    assert near.limit_coefficient == pytest.approx(1 - 0.95**4.44)
    # 0.21 %/year: "limited" far from a limit, but thresholds × C ≈ 0.2 make it "moderate" just below 100 %.
    assert near.status == "moderate_progress"
    assert measure_progress(ProgressInput(2015, 95.0, 2020, 96.0)).status == "limited_progress"
    ignored = measure_progress(ProgressInput(2015, 95.0, 2020, 94.0, direction=DECREASE, limit=100.0))
    assert ignored.limit_coefficient is None and "limit_ignored" in {n.code for n in ignored.notes}


def test_direction_words():
    assert parse_direction("-1") == DECREASE and parse_direction("1.0") == INCREASE
    assert parse_direction("increase") == INCREASE and parse_direction("越小越好") == DECREASE
    assert parse_direction("2") is None and parse_direction("") is None


# ---------------------------------------------------------------------------------------------------
# Projection and warning
# ---------------------------------------------------------------------------------------------------

SERIES = [Observation(2020, 100.0), Observation(2021, 110.0), Observation(2022, 121.0), Observation(2023, 133.1)]


def test_projection_compound_and_linear_by_hand():
    pr = project(SERIES, target_year=2025, target=160.0)
    assert pr.cagr == pytest.approx(0.10)
    assert pr.compound_value == pytest.approx(161.051)  # 133.1 × 1.1²
    # OLS: x̄ = 2021.5, ȳ = 116.025, Sxy = 55.15, Sxx = 5 → slope 11.03
    assert pr.slope == pytest.approx(11.03)
    assert pr.linear_value == pytest.approx(116.025 + 11.03 * 3.5)  # 154.63
    assert pr.compound_reaches_target is True and pr.linear_reaches_target is False
    assert pr.required_growth == pytest.approx(0.09640488937368596)  # (160/133.1)^(1/2) − 1
    assert pr.required_increment == pytest.approx(13.45)


def test_required_growth():
    assert required_growth(100, 2, 121) == pytest.approx(0.10)
    assert required_growth(0, 2, 121) is None
    assert required_growth(100, 0, 121) is None


def test_projection_skips_missing_and_handles_short_series():
    pr = project([Observation(2020, 5.0), Observation(2021, None)], target_year=2025, target=10.0)
    assert pr.cagr is None and pr.slope is None and pr.required_growth == pytest.approx(2**0.2 - 1)
    assert {"cagr_undefined", "fit_undefined"} <= {n.code for n in pr.notes}
    assert project([], 2025, 10.0).notes[0].code == "no_observations"


def test_projection_decrease_direction():
    pr = project([Observation(2020, 10.0), Observation(2022, 8.1)], target_year=2025, target=6.0, direction=DECREASE)
    assert pr.cagr == pytest.approx(-0.10)
    assert pr.compound_value == pytest.approx(5.9049)  # 8.1 × 0.9³, below 6: lower is better, so it reaches
    assert pr.compound_reaches_target is True
    assert pr.linear_value == pytest.approx(8.1 - 0.95 * 3)  # 5.25
    assert pr.required_growth == pytest.approx((6 / 8.1) ** (1 / 3) - 1)


def test_risk_flags():
    pr = project(SERIES, target_year=2025, target=160.0)
    risk = assess_risk(projection=pr)
    assert risk.at_risk and [r.code for r in risk.reasons] == ["linear_projection_misses"]
    assert not assess_risk(projection=pr, config=ProgressConfig(risk_projection="both")).at_risk
    bad = measure_progress(ProgressInput(2015, 100, 2020, 90))
    assert assess_risk(bad).reasons[0].code == "status"
    fine = measure_progress(ProgressInput(2015, 100, 2020, 100 * 1.01**5))
    assert not assess_risk(fine).at_risk
    assert assess_risk(fine, config=ProgressConfig(risk_below_status="substantial_progress")).at_risk
    assert not assess_risk(measure_progress(ProgressInput(2015, None, 2020, 1.0))).at_risk


# ---------------------------------------------------------------------------------------------------
# The stateless CSV command
# ---------------------------------------------------------------------------------------------------

HEADER = "series,base_year,base_value,current_year,current_value,target_year,target,direction,owner\n"


def test_measure_file_end_to_end(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(
        HEADER + "高企数量,2020,100,2023,133.1,2025,160,1,科技局\n能耗,2015,14.5,2023,10.4,2030,7.25,-1,发改委\n缺数据,2020,5,,,2025,,1,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    assert measure_file(src, out) == []
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == HEADER.strip().split(",") + ["progress_value", "status"]
    assert rows[0]["owner"] == "科技局"
    assert rows[1]["progress_value"] == "0.9010899546976208" and rows[1]["status"] == "moderate_progress"
    assert rows[2]["progress_value"] == "" and rows[2]["status"] == "not_available"
    required = (160 / 100) ** (1 / 5) - 1
    assert float(rows[0]["progress_value"]) == pytest.approx(0.1 / required)


def test_measure_file_reports_bad_rows_and_writes_nothing(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(HEADER + "ok,2020,1,2023,2,,,1,\nbad,2020,abc,2023,2,,,1,\nbad2,2020,1,2023,2,,,up-ish,\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    errors = measure_file(src, out)
    assert not out.exists()
    assert [(e.row, e.column) for e in errors] == [(3, "base_value"), (4, "direction")]
    assert errors[0].reason_zh == "不是数字" and errors[0].reason_en == "not a number"
    assert "第3行" in str(errors[0]) and "row 3" in str(errors[0])


def test_measure_file_missing_column(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("series,base_year,base_value\nx,2020,1\n", encoding="utf-8")
    errors = measure_file(src, tmp_path / "out.csv")
    assert {e.column for e in errors} == {"current_year", "current_value", "target_year", "target", "direction"}
    assert all(e.row == 1 for e in errors)


def test_main_exit_codes(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text(HEADER + "ok,2020,1,2023,2,,,1,\n", encoding="utf-8")
    assert main([str(src), str(tmp_path / "out.csv")]) == 0
    assert "substantial_progress 1" in capsys.readouterr().out
    src.write_text(HEADER + "bad,2020,x,2023,2,,,1,\n", encoding="utf-8")
    assert main([str(src), str(tmp_path / "out2.csv")]) == 1
    assert "row 2" in capsys.readouterr().err


def test_command_reproduces_the_whole_published_file(tmp_path):
    out = tmp_path / "out.csv"
    assert measure_file(VALIDATION, out) == []
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 132
    assert all(r["progress_value"] == r["published_progress_value"] for r in rows)
    assert all(r["status"] == r["published_status"] for r in rows)
    assert not any(math.isnan(float(r["progress_value"])) for r in rows if r["progress_value"])
