"""The dashboard of indicator cards and the list of indicators at risk, for the user's scope under /plan/ and
read-only for the public under /plan/public/."""

from __future__ import annotations

from collections import Counter

from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import gettext as _

from .. import selectors as sel
from ..models import (
    IndicatorGroup,
)
from ..selectors import dashboard as d
from . import tables as t
from .common import (
    export_response,
    indicator_url,
    page_context,
    page_names,
    page_setup,
    progress_value_cell,
    public_redirect,
    release_badge,
    status_badge,
)

# --- dashboard ---------------------------------------------------------------------------------------------


def _group_title(group):
    return {
        IndicatorGroup.CORE: _("The plan's core indicators"),
        IndicatorGroup.GOAL: _("Quantified targets in the plan text"),
        IndicatorGroup.CONTEXT: _("Context statistics (no target)"),
    }[group]


def _card(row, indicator, observations, names, year):
    status = d.status_info(row["status_code"])
    completion, expected = row["completion"], row["expected_completion"]
    latest = row["latest_value"]
    return {
        "code": indicator.code,
        "name": indicator.name,
        "indicator": indicator,
        "unit": d.unit_of(indicator),
        "url": indicator_url(names, indicator.code, year),
        "value": d.observed(latest, indicator, row["latest_qualifier"]),
        "period": row["latest_period"],
        "release": row["latest_status"],
        "release_label": d.release_label(row["latest_status"]) if row["latest_status"] else "",
        "uncertain": row["latest_uncertain"],
        "partial": row["latest_partial"],
        "target": d.observed(row["target"], indicator),
        "target_year": row["target_year"],
        "target_text": row["target_text"],
        "baseline": d.observed(row["baseline"], indicator),
        "baseline_year": row["baseline_year"],
        "completion": completion,
        "expected_completion": expected,
        "completion_text": d.pct(completion, 0) if completion is not None else "",
        "expected_text": d.pct(expected, 0) if expected is not None else "",
        "bar": max(0.0, min(1.0, completion)) * 100 if completion is not None else None,
        "marker": max(0.0, min(1.0, expected)) * 100 if expected is not None else None,
        "gap": row["gap_points"],
        "status": status,
        "progress_value": row["progress_value"],
        "method": row["progress_method"],
        "progress_note": d.note_text(row["progress_note"]) if row["progress_note"] else "",
        "computed": d.num(row["computed_value"], indicator.decimals) if row["computed_value"] is not None else "",
        "at_risk": row["at_risk"],
        "risk_reasons": [d.note_text(r) for r in row["risk_reasons"]],
        "spark_id": f"spark-{indicator.code}",
        "spark": d.sparkline(indicator, observations),
        "published": indicator.is_published,
    }


def _dashboard_table(cards, plan, year) -> t.Table:
    table = t.Table(
        "indicators",
        _("Indicators of the plan, %(year)s") % {"year": year},
        [
            _("Code"),
            _("Indicator"),
            _("Unit"),
            _("Baseline"),
            _("Baseline year"),
            _("Target"),
            _("Target year"),
            _("Latest value"),
            _("Period"),
            _("Release"),
            _("Completion"),
            _("Expected completion"),
            _("Gap (points)"),
            _("Progress measure"),
            _("Progress"),
            _("Computed from records"),
            _("At risk"),
        ],
        column_css=[
            "text-nowrap",
            "",
            "",
            "text-end",
            "text-end",
            "text-end",
            "text-end",
            "text-end",
            "",
            "",
            "text-end",
            "text-end",
            "text-end",
            "text-end",
            "",
            "text-end",
            "",
        ],
    )
    for c in cards:
        row = c["row"]
        ind = c["indicator"]
        url = c["url"]
        table.rows.append(
            [
                t.Cell(ind.code, href=url),
                t.Cell(ind.name, href=url),
                t.Cell(c["unit"]),
                t.number_cell(row["baseline"], href=url),
                t.Cell(str(row["baseline_year"] or ""), row["baseline_year"], css="text-end"),
                t.number_cell(row["target"], href=url, title=row["target_text"]),
                t.Cell(str(row["target_year"] or ""), row["target_year"], css="text-end"),
                t.number_cell(row["latest_value"], qualifier=row["latest_qualifier"], href=url, at_least=ind.decimals),
                t.Cell(row["latest_period"]),
                t.Cell(c["release_label"], html=release_badge(row["latest_status"], row["latest_uncertain"])),
                t.Cell(d.pct(row["completion"]), row["completion"], css="text-end") if row["completion"] is not None else t.Cell("—"),
                t.Cell(d.pct(row["expected_completion"]), row["expected_completion"], css="text-end")
                if row["expected_completion"] is not None
                else t.Cell("—"),
                t.Cell(d.signed(row["gap_points"]), row["gap_points"], css="text-end") if row["gap_points"] is not None else t.Cell("—"),
                progress_value_cell(row["progress_value"], row["progress_method"]),
                t.Cell(c["status"]["label"], html=status_badge(row["status_code"])),
                t.number_cell(row["computed_value"], ind.decimals, href=url),
                t.Cell(
                    _("yes") if row["at_risk"] else "",
                    html=format_html('<i class="bi bi-exclamation-triangle-fill text-danger" title="{}"></i>', "；".join(c["risk_reasons"]))
                    if row["at_risk"]
                    else "",
                ),
            ]
        )
    return table


def dashboard(request, public=False):
    if not public and (r := public_redirect(request, "dashboard")):
        return r
    user, plan, years, year = page_setup(request, public)
    names = page_names(public)
    rows = sel.progress_table(user, plan, year)
    indicators = {i.code: i for i in d.visible_indicators(user, plan)}
    observed = d.current_by_indicator_area(user, plan, [plan.city])
    cards = []
    for row in rows:
        indicator = indicators[row["code"]]
        observations = d.best_series(observed.get((indicator.pk, plan.city_id), []), indicator, year)
        card = _card(row, indicator, observations, names, year)
        card["row"] = row
        cards.append(card)
    table = _dashboard_table(cards, plan, year)
    if response := export_response(request, [table], "plan-dashboard", f"{plan.name} · {year}"):
        return response
    groups = []
    for group in d.GROUP_ORDER:
        members = [c for c in cards if c["indicator"].group == group]
        if members:
            groups.append(
                {"key": group, "title": _group_title(group), "cards": members, "counts": Counter(c["status"]["code"] for c in members)}
            )
    counts = Counter(c["status"]["code"] for c in cards if c["indicator"].group != IndicatorGroup.CONTEXT)
    context = page_context(
        request,
        public,
        plan,
        years,
        year,
        "dashboard",
        groups=groups,
        table=table,
        legend=d.status_legend(counts),
        at_risk=sum(1 for c in cards if c["at_risk"]),
        n_indicators=len(cards),
        sparks={c["spark_id"]: c["spark"] for c in cards},
        map_meta=d.map_meta(),
    )
    return render(request, "plan/dashboard.html", context)


# --- warnings ----------------------------------------------------------------------------------------------


def warnings(request, public=False):
    if not public and (r := public_redirect(request, "warnings")):
        return r
    user, plan, years, year = page_setup(request, public)
    names = page_names(public)
    indicators = {i.pk: i for i in d.visible_indicators(user, plan)}
    by_code = {i.code: i for i in indicators.values()}
    table = t.Table(
        "warnings",
        _("Indicators at risk, %(year)s") % {"year": year},
        [
            _("Area"),
            _("Code"),
            _("Indicator"),
            _("Latest value"),
            _("Period"),
            _("Target"),
            _("Progress measure"),
            _("Progress"),
            _("Reasons"),
        ],
        column_css=["text-nowrap", "text-nowrap", "", "text-end", "", "text-end", "text-end", "", "small"],
    )
    areas_summary = []
    city_rows = [r for r in sel.progress_table(user, plan, year) if r["at_risk"]]
    for r in city_rows:
        ind = by_code[r["code"]]
        url = indicator_url(names, ind.code, year)
        table.rows.append(
            [
                t.Cell(plan.city.name),
                t.Cell(ind.code, href=url),
                t.Cell(ind.name, href=url),
                t.number_cell(r["latest_value"], qualifier=r["latest_qualifier"], href=url, at_least=ind.decimals),
                t.Cell(r["latest_period"]),
                t.number_cell(r["target"], href=url, title=r["target_text"]),
                progress_value_cell(r["progress_value"], r["progress_method"]),
                t.Cell(d.status_info(r["status_code"])["label"], html=status_badge(r["status_code"])),
                t.Cell("；".join(d.note_text(n) for n in r["risk_reasons"])),
            ]
        )
    areas_summary.append({"area": plan.city, "count": len(city_rows)})
    districts = d.districts_of(plan.city) + d.zones_of(plan.city)
    progress = d.district_progress(user, plan, year, districts, list(indicators.values()))
    for area in districts:
        n = 0
        for ind in indicators.values():
            p = progress.get((ind.pk, area.pk))
            if not p or not p["at_risk"]:
                continue
            n += 1
            url = indicator_url(names, ind.code, year, "#districts")
            table.rows.append(
                [
                    t.Cell(area.name),
                    t.Cell(ind.code, href=url),
                    t.Cell(ind.name, href=url),
                    t.number_cell(
                        p["latest_value"],
                        ind.decimals if p["value_source"] == "computed" else None,
                        qualifier=p["latest_qualifier"],
                        href=url,
                        at_least=ind.decimals,
                    ),
                    t.Cell(p["latest_period"]),
                    t.Cell("—"),
                    progress_value_cell(p["progress_value"], "trend"),
                    t.Cell(d.status_info(p["status_code"])["label"], html=status_badge(p["status_code"])),
                    t.Cell(
                        "；".join(d.note_text(n_) for n_ in p["risk_reasons"])
                        + ("（{}: {}）".format(_("base"), p["base_label"]) if p["base_label"] else "")
                    ),
                ]
            )
        areas_summary.append({"area": area, "count": n})
    if response := export_response(request, [table], "plan-warnings", f"{plan.name} · {year}"):
        return response
    context = page_context(request, public, plan, years, year, "warnings", table=table, areas_summary=areas_summary, n_city=len(city_rows))
    return render(request, "plan/warnings.html", context)
