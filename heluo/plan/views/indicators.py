"""An indicator's page: definition, chart, progress, observations with their sources and revisions,
reconciliation of computed against reported values, and its values per district."""

from __future__ import annotations

from collections import defaultdict

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from heluo.web.display import fmt_date

from .. import selectors as sel
from ..models import (
    Direction,
    IndicatorKind,
    ValueSource,
)
from ..selectors import dashboard as d
from . import tables as t
from .common import (
    area_table,
    export_response,
    page_context,
    page_names,
    page_setup,
    progress_value_cell,
    public_redirect,
    release_badge,
    source_html,
    source_text,
    status_badge,
)

# --- indicator page ----------------------------------------------------------------------------------------


def _observation_groups(user, indicator):
    """[(area, period key, current, [earlier rows])] of the indicator, city first, oldest period first."""
    rows = list(
        sel.visible_observations(user).filter(indicator=indicator).select_related("area").order_by("year", "period_key", "vintage", "pk")
    )
    chains = defaultdict(list)
    for obs in rows:
        chains[(obs.area_id, obs.period_key)].append(obs)
    out = []
    for chain in chains.values():
        current = next((o for o in chain if o.is_current), None)
        if current is None:  # the current value is not visible here: show nothing rather than an old value
            continue
        out.append((current, [o for o in chain if o is not current]))
    city_id = indicator.plan.city_id
    out.sort(key=lambda item: (item[0].area_id != city_id, item[0].area.sort, item[0].area.code, item[0].year, sel.time_of(item[0])))
    return out


def _vintage(obs) -> str:
    """The day a value became known, in the site's time zone (vintages are midnight in China)."""
    return fmt_date(timezone.localtime(obs.vintage).date()) if obs.vintage else ""


def _observations_table(indicator, groups) -> t.Table:
    table = t.Table(
        "observations",
        _("Observations and sources"),
        [_("Area"), _("Period"), _("Value"), _("Release"), _("Source"), _("Note"), _("Earlier values (superseded)")],
        column_css=["text-nowrap", "", "text-end text-nowrap", "text-nowrap", "small", "small text-prewrap note-cell", "small"],
    )
    for current, earlier in groups:
        history_html = format_html_join(
            "",
            '<div class="superseded"><del>{}</del> <span class="text-body-secondary">{} · {}</span></div>',
            ((d.observed(o.value, indicator, o.value_qualifier), _vintage(o), d.release_label(o.status)) for o in reversed(earlier)),
        )
        superseded = _("superseded")
        history_text = "；".join(
            f"{d.observed(o.value, indicator, o.value_qualifier)}（{_vintage(o)}，{d.release_label(o.status)}，{superseded}）"
            for o in reversed(earlier)
        )
        value_text = d.observed(current.value, indicator, current.value_qualifier)
        table.rows.append(
            [
                t.Cell(current.area.name),
                t.Cell(current.period_label or current.period_key, title=current.period_key),
                t.Cell(value_text, None if current.value_qualifier else float(current.value), css="text-end fw-semibold"),
                t.Cell(d.release_label(current.status), html=release_badge(current.status, current.is_uncertain)),
                t.Cell(source_text(current), html=source_html(current)),
                t.Cell(current.note),
                t.Cell(history_text, html=history_html),
            ]
        )
    return table


def _progress_table(rows, indicator) -> t.Table:
    dec = indicator.decimals
    table = t.Table(
        "progress",
        _("Progress by monitoring year"),
        [
            _("Year"),
            _("Latest value"),
            _("Period"),
            _("Expected value"),
            _("Completion"),
            _("Expected completion"),
            _("Gap (points)"),
            _("Progress measure"),
            _("Progress"),
            _("Required growth per remaining year"),
            _("Required increment per year"),
            _("Projection (compound growth)"),
            _("Projection (linear fit)"),
            _("At risk"),
            _("Notes"),
        ],
        column_css=[
            "text-end",
            "text-end",
            "",
            "text-end",
            "text-end",
            "text-end",
            "text-end",
            "text-end",
            "",
            "text-end",
            "text-end",
            "text-end",
            "text-end",
            "",
            "small",
        ],
    )
    for row in rows:
        notes = (
            [d.note_text(n) for n in row["risk_reasons"]]
            + ([d.note_text(row["progress_note"])] if row["progress_note"] else [])
            + [d.note_text(n) for n in row["notes"]]
        )
        table.rows.append(
            [
                t.Cell(str(row["year"]), row["year"], css="text-end"),
                t.number_cell(row["latest_value"], qualifier=row["latest_qualifier"], at_least=dec),
                t.Cell(row["latest_period"]),
                t.number_cell(row["expected_at_latest"], dec),
                t.Cell(d.pct(row["completion"]), row["completion"], css="text-end") if row["completion"] is not None else t.Cell("—"),
                t.Cell(d.pct(row["expected_completion"]), row["expected_completion"], css="text-end")
                if row["expected_completion"] is not None
                else t.Cell("—"),
                t.Cell(d.signed(row["gap_points"]), row["gap_points"], css="text-end") if row["gap_points"] is not None else t.Cell("—"),
                progress_value_cell(row["progress_value"], row["progress_method"]),
                t.Cell(d.status_info(row["status_code"])["label"], html=status_badge(row["status_code"])),
                t.Cell(d.pct(row["required_growth"], 2), row["required_growth"], css="text-end")
                if row["required_growth"] is not None
                else t.Cell("—"),
                t.number_cell(row["required_increment"], dec),
                t.number_cell(row["projection_compound"], dec),
                t.number_cell(row["projection_linear"], dec),
                t.Cell(
                    _("yes") if row["at_risk"] else "",
                    html=format_html('<i class="bi bi-exclamation-triangle-fill text-danger"></i> {}', _("yes")) if row["at_risk"] else "",
                ),
                t.Cell("；".join(notes)),
            ]
        )
    return table


def _reconciliation(user, indicator, plan, years) -> tuple[t.Table | None, list[list]]:
    if not d.computable(indicator):
        return None, []
    first = indicator.baseline_year or plan.period_start - 1
    table = t.Table(
        "reconciliation",
        _("Computed from records and reported statistic"),
        [
            _("Year"),
            _("Computed from records"),
            _("Reported statistic"),
            _("Reported period"),
            _("Release"),
            _("Difference"),
            _("Relative difference"),
            _("Records"),
            _("Notes"),
        ],
        column_css=["text-end", "text-end", "text-end", "", "", "text-end", "text-end", "", "small"],
    )
    series = []
    for year in range(first, max(years) + 1):
        r = sel.reconcile(user, indicator, year)
        rep = r.reported
        url = d.records_url(indicator, year) if d.records_url_is_dated(indicator, None) else ""
        table.rows.append(
            [
                t.Cell(str(year), year, css="text-end"),
                t.number_cell(r.computed, indicator.decimals),
                t.number_cell(rep.value if rep else None, qualifier=rep.value_qualifier if rep else "", at_least=indicator.decimals),
                t.Cell((rep.period_label or rep.period_key) if rep else ""),
                t.Cell(d.release_label(rep.status) if rep else "", html=release_badge(rep.status, rep.is_uncertain) if rep else ""),
                t.Cell(d.signed(float(r.difference), indicator.decimals), float(r.difference), css="text-end")
                if r.difference is not None
                else t.Cell("—"),
                t.Cell(d.pct(r.relative_difference), r.relative_difference, css="text-end")
                if r.relative_difference is not None
                else t.Cell("—"),
                t.Cell(_("list") if url else "", href=url),
                t.Cell("；".join(d.note_text(n) for n in r.notes)),
            ]
        )
        if r.computed is not None:
            series.append([float(year), float(r.computed), str(year)])
    return table, series


def indicator_page(request, code, public=False):
    if not public and (r := public_redirect(request, "indicator", code)):
        return r
    user, plan, years, year = page_setup(request, public)
    names = page_names(public)
    indicator = d.visible_indicators(user, plan).filter(code=code).first()
    if indicator is None:
        raise Http404(_("No such indicator, or it is not published."))
    indicator.plan = plan
    rows = [d.progress_row(user, plan, indicator, y) for y in sorted(years)]
    row = next(r for r in rows if r["year"] == year)
    groups = _observation_groups(user, indicator)
    city_obs = [cur for cur, _earlier in groups if cur.area_id == plan.city_id]
    chart_obs = d.best_series(city_obs, indicator, year)
    projection = d.projection_for(indicator, plan, chart_obs)
    tables = [_progress_table(rows, indicator), _observations_table(indicator, groups)]
    reconciliation, computed_series = _reconciliation(user, indicator, plan, years)
    if reconciliation is not None:
        tables.append(reconciliation)
    district_values, district_source, district_note = d.area_values(user, plan, indicator, year, public)
    has_districts = any(v.value is not None for v in district_values)
    if has_districts:
        areas = [v.area for v in district_values]
        progress = d.district_progress(user, plan, year, areas, [indicator])
        tables.append(
            area_table(
                "districts",
                _("Districts and counties, %(year)s") % {"year": year},
                indicator,
                district_values,
                district_source,
                names,
                year,
                progress,
            )
        )
    if response := export_response(request, tables, f"plan-{indicator.code}", f"{indicator.code} {indicator.name_zh} · {year}"):
        return response
    chart = {
        "obs": d.series_points(chart_obs),
        "path": d.expected_path(indicator),
        "target": [indicator.target_year, float(indicator.target_value)] if indicator.has_target else None,
        "baseline": [indicator.baseline_year, float(indicator.baseline_value)]
        if indicator.baseline_value is not None and indicator.baseline_year
        else None,
        "computed": computed_series,
        **d.projection_lines(projection),
        "unit": d.unit_of(indicator),
        "decimals": indicator.decimals,
        "year": year,
        "labels": {
            "obs": _("Observed"),
            "path": _("Expected path"),
            "target": _("Target"),
            "compound": _("Projection (compound growth)"),
            "linear": _("Projection (linear fit)"),
            "computed": _("Computed from records"),
            "baseline": _("Baseline"),
        },
    }
    status = d.status_info(row["status_code"])
    context = page_context(
        request,
        public,
        plan,
        years,
        year,
        "indicator",
        indicator=indicator,
        row=row,
        status=status,
        tables={t.key: t for t in tables},
        chart=chart,
        projection=projection,
        direction_label=Direction(indicator.direction).label,
        kind_label=IndicatorKind(indicator.kind).label,
        computation_label=_computation_label(indicator),
        computable=d.computable(indicator),
        baseline_fmt=d.num(indicator.baseline_value),
        target_fmt=d.num(indicator.target_value),
        latest_fmt=d.observed(row["latest_value"], indicator, row["latest_qualifier"]),
        completion_fmt=d.pct(row["completion"]),
        expected_fmt=d.pct(row["expected_completion"]),
        records_today=d.records_url(indicator, None, None) if d.computable(indicator) else "",
        district_note=district_note,
        has_districts=has_districts,
        source_label=ValueSource(indicator.source).label,
        notes=[d.note_text(n) for n in row["notes"]],
        risk_reasons=[d.note_text(n) for n in row["risk_reasons"]],
        progress_note=d.note_text(row["progress_note"]) if row["progress_note"] else "",
    )
    return render(request, "plan/indicator.html", context)


def _computation_label(indicator):
    spec = sel.COMPUTATIONS.get(indicator.computation)
    if spec is None:
        return ""
    from heluo.core.i18n import is_chinese

    return spec.label_zh if is_chinese() else spec.label_en
