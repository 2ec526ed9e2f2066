"""Plan monitoring pages: the dashboard of indicator cards, an indicator's page (definition, chart, progress,
observations with their sources and revisions, reconciliation, districts), the district map, the at-risk
list; each for the signed-in user's scope under /plan/ and read-only for the public under /plan/public/.

Every table is a `dashboard.Table`: the page renders it and `?export=<table key>` returns the same rows as
XLSX. Nothing is cached: everything is computed per request from the current data.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from heluo.core.permissions import PUBLIC, scope_for
from heluo.web.display import fmt_date
from heluo.web.views.generic import xlsx_response

from . import dashboard as d
from . import selectors as sel
from .models import (
    Direction,
    IndicatorGroup,
    IndicatorKind,
    ValueSource,
)

INDEX = "index"  # the map's choice "composite index" (when the assessment module provides it)


# --- common ------------------------------------------------------------------------------------------------


def _names(public: bool) -> dict:
    p = "plan:public_" if public else "plan:"
    return {k: p + k for k in ("dashboard", "indicator", "map", "warnings")}


def _optional_tabs(public: bool) -> list[dict]:
    """Links to the assessment and report pages when those exist (they are built separately)."""
    if public:
        return []
    base = reverse("plan:dashboard")
    tabs = []
    for key, label, icon in (("assessment", _("District assessment"), "trophy"), ("report", _("Annual report"), "file-earmark-text")):
        path = f"{base}{key}/"
        try:
            resolve(path)
        except Resolver404:
            continue
        tabs.append({"key": key, "url": path, "label": label, "icon": icon})
    return tabs


def _setup(request, public: bool):
    """(user for the queries, plan, years, year) or raises Http404 when there is no plan to show."""
    user = PUBLIC if public else request.user
    plan = d.current_plan(user, request.GET.get("plan") or None)
    if plan is None:
        raise Http404(_("No plan has been loaded, or none is published."))
    years = d.monitoring_years(user, plan)
    return user, plan, years, d.pick_year(request, years)


def _public_redirect(request, name, *args):
    """Anonymous visitors of the bureau pages go to the public version of the same page."""
    if request.user.is_authenticated:
        return None
    url = reverse(f"plan:public_{name}", args=args)
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


def _context(request, public, plan, years, year, tab, **extra):
    scope = scope_for(request.user)
    return {
        "public": public,
        "plan": plan,
        "plan_link": _href(plan.document_link),
        "years": years,
        "year": year,
        "tab": tab,
        "names": _names(public),
        "extra_tabs": _optional_tabs(public),
        "signed_in": not scope.is_public,
        "other_view_url": _other_view(request, public, tab, extra.get("indicator")),
        **extra,
    }


def _other_view(request, public, tab, indicator=None):
    """The same page in the other mode (public ↔ own scope), for signed-in users."""
    if not request.user.is_authenticated:
        return ""
    names = _names(not public)
    url = reverse(names[tab], args=[indicator.code] if indicator is not None else [])
    query = request.GET.copy()
    query.pop("export", None)
    return f"{url}?{query.urlencode()}" if query else url


def _export(request, tables: list[d.Table], filename: str, title: str):
    key = request.GET.get("export")
    if not key:
        return None
    chosen = [t for t in tables if t.key == key] if key != "all" else tables
    if not chosen:
        raise Http404(_("Unknown export."))
    return xlsx_response(d.table_xlsx(chosen, title), f"{filename}-{key}")


def _indicator_url(names, indicator_code, year, anchor=""):
    return reverse(names["indicator"], args=[indicator_code]) + "?" + urlencode({"year": year}) + anchor


def _link(href, text):
    return format_html('<a href="{}">{}</a>', href, text) if href else text


def _status_badge(code, label=None):
    info = d.status_info(code)
    return format_html('<span class="badge plan-status" style="background:{}">{}</span>', info["colour"], label or info["label"])


def _release_badge(status, uncertain=False):
    if not status:
        return ""
    html = format_html('<span class="badge release-badge release-{}">{}</span>', status, d.release_label(status))
    if uncertain:
        html += format_html(' <i class="bi bi-exclamation-diamond text-warning" title="{}"></i>', _("Uncertain: see the note"))
    return html


def _source_html(obs):
    if obs is None:
        return ""
    parts = [p for p in (obs.source_publisher, obs.source_document) if p]
    text = " · ".join(parts)
    link = _href(obs.source_link)
    html = format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', link, text or link) if link else text
    if obs.source_date:
        html = format_html('{} <span class="text-body-secondary text-nowrap">{}</span>', html, fmt_date(obs.source_date))
    return html


def _href(link):
    """Sources are often written without the scheme (te.cjcn.com/…)."""
    if link and not link.startswith(("http://", "https://")):
        return "https://" + link
    return link


def _source_text(obs):
    if obs is None:
        return ""
    parts = [p for p in (obs.source_publisher, obs.source_document, fmt_date(obs.source_date), obs.source_link) if p]
    return " · ".join(parts)


def _unit_suffix(indicator):
    unit = d.unit_of(indicator)
    return f" {unit}" if unit and unit != "%" else unit


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
        "url": _indicator_url(names, indicator.code, year),
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


def _dashboard_table(cards, plan, year) -> d.Table:
    table = d.Table(
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
                d.Cell(ind.code, href=url),
                d.Cell(ind.name, href=url),
                d.Cell(c["unit"]),
                d.number_cell(row["baseline"], href=url),
                d.Cell(str(row["baseline_year"] or ""), row["baseline_year"], css="text-end"),
                d.number_cell(row["target"], href=url, title=row["target_text"]),
                d.Cell(str(row["target_year"] or ""), row["target_year"], css="text-end"),
                d.number_cell(row["latest_value"], qualifier=row["latest_qualifier"], href=url, at_least=ind.decimals),
                d.Cell(row["latest_period"]),
                d.Cell(c["release_label"], html=_release_badge(row["latest_status"], row["latest_uncertain"])),
                d.Cell(d.pct(row["completion"]), row["completion"], css="text-end") if row["completion"] is not None else d.Cell("—"),
                d.Cell(d.pct(row["expected_completion"]), row["expected_completion"], css="text-end")
                if row["expected_completion"] is not None
                else d.Cell("—"),
                d.Cell(d.signed(row["gap_points"]), row["gap_points"], css="text-end") if row["gap_points"] is not None else d.Cell("—"),
                _progress_value_cell(row["progress_value"], row["progress_method"]),
                d.Cell(c["status"]["label"], html=_status_badge(row["status_code"])),
                d.number_cell(row["computed_value"], ind.decimals, href=url),
                d.Cell(
                    _("yes") if row["at_risk"] else "",
                    html=format_html('<i class="bi bi-exclamation-triangle-fill text-danger" title="{}"></i>', "；".join(c["risk_reasons"]))
                    if row["at_risk"]
                    else "",
                ),
            ]
        )
    return table


def _progress_value_cell(value, method):
    if value is None:
        return d.Cell("—")
    if method == "trend":
        return d.Cell(f"{value * 100:+.2f}%", value, css="text-end", title=_("Observed compound annual growth (no target)"))
    return d.Cell(f"{value:.2f}", value, css="text-end", title=_("R = observed growth / required growth"))


def dashboard(request, public=False):
    if not public and (r := _public_redirect(request, "dashboard")):
        return r
    user, plan, years, year = _setup(request, public)
    names = _names(public)
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
    if response := _export(request, [table], "plan-dashboard", f"{plan.name} · {year}"):
        return response
    groups = []
    for group in d.GROUP_ORDER:
        members = [c for c in cards if c["indicator"].group == group]
        if members:
            groups.append(
                {"key": group, "title": _group_title(group), "cards": members, "counts": Counter(c["status"]["code"] for c in members)}
            )
    counts = Counter(c["status"]["code"] for c in cards if c["indicator"].group != IndicatorGroup.CONTEXT)
    context = _context(
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


def _observations_table(indicator, groups) -> d.Table:
    table = d.Table(
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
                d.Cell(current.area.name),
                d.Cell(current.period_label or current.period_key, title=current.period_key),
                d.Cell(value_text, None if current.value_qualifier else float(current.value), css="text-end fw-semibold"),
                d.Cell(d.release_label(current.status), html=_release_badge(current.status, current.is_uncertain)),
                d.Cell(_source_text(current), html=_source_html(current)),
                d.Cell(current.note),
                d.Cell(history_text, html=history_html),
            ]
        )
    return table


def _progress_table(rows, indicator) -> d.Table:
    dec = indicator.decimals
    table = d.Table(
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
                d.Cell(str(row["year"]), row["year"], css="text-end"),
                d.number_cell(row["latest_value"], qualifier=row["latest_qualifier"], at_least=dec),
                d.Cell(row["latest_period"]),
                d.number_cell(row["expected_at_latest"], dec),
                d.Cell(d.pct(row["completion"]), row["completion"], css="text-end") if row["completion"] is not None else d.Cell("—"),
                d.Cell(d.pct(row["expected_completion"]), row["expected_completion"], css="text-end")
                if row["expected_completion"] is not None
                else d.Cell("—"),
                d.Cell(d.signed(row["gap_points"]), row["gap_points"], css="text-end") if row["gap_points"] is not None else d.Cell("—"),
                _progress_value_cell(row["progress_value"], row["progress_method"]),
                d.Cell(d.status_info(row["status_code"])["label"], html=_status_badge(row["status_code"])),
                d.Cell(d.pct(row["required_growth"], 2), row["required_growth"], css="text-end")
                if row["required_growth"] is not None
                else d.Cell("—"),
                d.number_cell(row["required_increment"], dec),
                d.number_cell(row["projection_compound"], dec),
                d.number_cell(row["projection_linear"], dec),
                d.Cell(
                    _("yes") if row["at_risk"] else "",
                    html=format_html('<i class="bi bi-exclamation-triangle-fill text-danger"></i> {}', _("yes")) if row["at_risk"] else "",
                ),
                d.Cell("；".join(notes)),
            ]
        )
    return table


def _reconciliation(user, indicator, plan, years) -> tuple[d.Table | None, list[list]]:
    if not d.computable(indicator):
        return None, []
    first = indicator.baseline_year or plan.period_start - 1
    table = d.Table(
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
                d.Cell(str(year), year, css="text-end"),
                d.number_cell(r.computed, indicator.decimals),
                d.number_cell(rep.value if rep else None, qualifier=rep.value_qualifier if rep else "", at_least=indicator.decimals),
                d.Cell((rep.period_label or rep.period_key) if rep else ""),
                d.Cell(d.release_label(rep.status) if rep else "", html=_release_badge(rep.status, rep.is_uncertain) if rep else ""),
                d.Cell(d.signed(float(r.difference), indicator.decimals), float(r.difference), css="text-end")
                if r.difference is not None
                else d.Cell("—"),
                d.Cell(d.pct(r.relative_difference), r.relative_difference, css="text-end")
                if r.relative_difference is not None
                else d.Cell("—"),
                d.Cell(_("list") if url else "", href=url),
                d.Cell("；".join(d.note_text(n) for n in r.notes)),
            ]
        )
        if r.computed is not None:
            series.append([float(year), float(r.computed), str(year)])
    return table, series


def _area_table(key, title, indicator, values, source, names, year, progress=None) -> d.Table:
    unit = d.unit_of(indicator)
    columns = [_("Rank"), _("Area"), _("Planning zone"), _("Value") + (f"（{unit}）" if unit else ""), _("Period / source")]
    css = ["text-end", "", "", "text-end", "small"]
    if progress is not None:
        columns += [_("Progress since the baseline year"), _("At risk")]
        css += ["", ""]
    columns.append(_("Records (today)") if source == "computed" else _("Records"))
    css.append("")
    table = d.Table(key, title, columns, column_css=css)
    for v in values:
        obs = v.observation
        if source == "computed":
            where = _("Computed from records, 31 December %(year)s") % {"year": year}
        else:
            where = f"{obs.period_label or obs.period_key} · {_source_text(obs)}" if obs else ""
        cells = [
            d.Cell(str(v.rank) if v.rank else ("" if v.on_map else _("not on the map")), v.rank, css="text-end"),
            d.Cell(v.area.name),
            d.Cell(v.area.planning_zone.name if v.area.planning_zone_id else ""),
            d.number_cell(
                v.value,
                indicator.decimals if source == "computed" else None,
                qualifier=obs.value_qualifier if obs else "",
                at_least=indicator.decimals,
            ),
            d.Cell(where, html=format_html("{} · {}", obs.period_label or obs.period_key, _source_html(obs)) if obs else None),
        ]
        if progress is not None:
            p = progress.get((indicator.pk, v.area.pk))
            if p:
                cells.append(d.Cell(d.status_info(p["status_code"])["label"], html=_status_badge(p["status_code"])))
                cells.append(d.Cell(_("yes") if p["at_risk"] else "", title="；".join(d.note_text(n) for n in p["risk_reasons"])))
            else:
                cells += [d.Cell("—"), d.Cell("")]
        cells.append(d.Cell(_("list") if v.records_url else "", href=v.records_url))
        table.rows.append(cells)
    return table


def indicator_page(request, code, public=False):
    if not public and (r := _public_redirect(request, "indicator", code)):
        return r
    user, plan, years, year = _setup(request, public)
    names = _names(public)
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
            _area_table(
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
    if response := _export(request, tables, f"plan-{indicator.code}", f"{indicator.code} {indicator.name_zh} · {year}"):
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
    context = _context(
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


# --- map ---------------------------------------------------------------------------------------------------


def _index_values(year):
    """The assessment's composite index per district for a year, when its module offers one:
    {area code: {"score", "rank", "zone_rank"}}, or None."""
    module = d.assessment_module()
    function = getattr(module, "latest_result", None) if module is not None else None
    if not callable(function):
        return None
    try:
        result = function(year)
    except Exception:  # noqa: BLE001 - the index is optional on this page; the map works without it
        return None
    out = {}
    for code, s in (result or {}).items():
        s = s if isinstance(s, dict) else {"score": s}
        score = s.get("score")
        out[str(code)] = {"score": None if score is None else float(score), "rank": s.get("rank"), "zone_rank": s.get("zone_rank")}
    return out or None


def district_map(request, public=False):
    if not public and (r := _public_redirect(request, "map")):
        return r
    user, plan, years, year = _setup(request, public)
    names = _names(public)
    options = d.indicators_with_area_values(user, plan)
    module = d.assessment_module()
    index_available = module is not None and callable(getattr(module, "latest_result", None))
    choice = request.GET.get("indicator", "")
    index_scores = _index_values(year) if index_available and choice == INDEX else None
    indicator = next((i for i in options if i.code == choice), None)
    if indicator is None and not (choice == INDEX and index_available):
        indicator = next((i for i in options if d.computable(i)), options[0] if options else None)
    meta = d.map_meta(plan.city.code) or d.map_meta()
    data, table = [], None
    unit = decimals = ""
    if indicator is not None:
        indicator.plan = plan
        values, source, note = d.area_values(user, plan, indicator, year, public)
        unit, decimals = d.unit_of(indicator), indicator.decimals
        title = f"{indicator.name} · {year}"
        table = _area_table("map", title, indicator, values, source, names, year)
        for v in values:
            if v.on_map:
                data.append(
                    {
                        "name": v.area.code,
                        "label": v.area.name,
                        "value": float(v.value) if v.value is not None else None,
                        "rank": v.rank,
                        "zone": v.area.planning_zone.name if v.area.planning_zone_id else "",
                    }
                )
        lower_better = indicator.direction == Direction.LOWER
        indicator_url = _indicator_url(names, indicator.code, year, "#districts")
    else:
        note, lower_better, indicator_url = "", False, ""
        title = _("Composite innovation index") + f" · {year}"
        table = d.Table(
            "map",
            title,
            [_("Rank"), _("Area"), _("Planning zone"), _("Rank in zone"), _("Score")],
            column_css=["text-end", "", "", "text-end", "text-end"],
        )
        areas = {a.code: a for a in d.districts_of(plan.city)}
        scored = sorted(
            ((code, s) for code, s in (index_scores or {}).items() if code in areas),
            key=lambda x: (x[1]["rank"] is None, x[1]["rank"] or 0, x[0]),
        )
        for code, s in scored:
            a = areas[code]
            zone = a.planning_zone.name if a.planning_zone_id else ""
            table.rows.append(
                [
                    d.Cell(str(s["rank"] or ""), s["rank"], css="text-end"),
                    d.Cell(a.name),
                    d.Cell(zone),
                    d.Cell(str(s["zone_rank"] or ""), s["zone_rank"], css="text-end"),
                    d.number_cell(s["score"], 3),
                ]
            )
            data.append({"name": code, "label": a.name, "value": s["score"], "rank": s["rank"], "zone": zone})
        if not scored:
            note = _("The district assessment has no result for this year.")
        if not public and any(t["key"] == "assessment" for t in _optional_tabs(public)):
            indicator_url = reverse("plan:dashboard") + "assessment/?" + urlencode({"year": year})
        unit, decimals = "", 3
    if response := _export(request, [table], "plan-map", title):
        return response
    chart = {
        "data": data,
        "unit": unit,
        "decimals": decimals,
        "title": title,
        "lower_better": lower_better,
        "geojson": reverse("plan:geojson", args=[_map_city(plan)]),
        "labels": {"value": _("Value"), "rank": _("Rank"), "no_data": _("no data"), "zone": _("Planning zone")},
    }
    context = _context(
        request,
        public,
        plan,
        years,
        year,
        "map",
        options=options,
        chosen=indicator,
        index_available=index_available,
        choice=INDEX if indicator is None else indicator.code,
        table=table,
        chart=chart,
        note=note,
        map_meta=meta,
        indicator_url=indicator_url,
        detail_label=_("Indicator page") if indicator is not None else _("District assessment"),
    )
    return render(request, "plan/map.html", context)


def _map_city(plan):
    from django.conf import settings

    return settings.HELUO_CITY


def geojson(request, city):
    path = d.map_path(city)
    if not city.isidentifier() or not path.exists():
        raise Http404(_("No map for this city."))
    return FileResponse(path.open("rb"), content_type="application/geo+json")


# --- warnings ----------------------------------------------------------------------------------------------


def warnings(request, public=False):
    if not public and (r := _public_redirect(request, "warnings")):
        return r
    user, plan, years, year = _setup(request, public)
    names = _names(public)
    indicators = {i.pk: i for i in d.visible_indicators(user, plan)}
    by_code = {i.code: i for i in indicators.values()}
    table = d.Table(
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
        url = _indicator_url(names, ind.code, year)
        table.rows.append(
            [
                d.Cell(plan.city.name),
                d.Cell(ind.code, href=url),
                d.Cell(ind.name, href=url),
                d.number_cell(r["latest_value"], qualifier=r["latest_qualifier"], href=url, at_least=ind.decimals),
                d.Cell(r["latest_period"]),
                d.number_cell(r["target"], href=url, title=r["target_text"]),
                _progress_value_cell(r["progress_value"], r["progress_method"]),
                d.Cell(d.status_info(r["status_code"])["label"], html=_status_badge(r["status_code"])),
                d.Cell("；".join(d.note_text(n) for n in r["risk_reasons"])),
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
            url = _indicator_url(names, ind.code, year, "#districts")
            table.rows.append(
                [
                    d.Cell(area.name),
                    d.Cell(ind.code, href=url),
                    d.Cell(ind.name, href=url),
                    d.number_cell(
                        p["latest_value"],
                        ind.decimals if p["value_source"] == "computed" else None,
                        qualifier=p["latest_qualifier"],
                        href=url,
                        at_least=ind.decimals,
                    ),
                    d.Cell(p["latest_period"]),
                    d.Cell("—"),
                    _progress_value_cell(p["progress_value"], "trend"),
                    d.Cell(d.status_info(p["status_code"])["label"], html=_status_badge(p["status_code"])),
                    d.Cell(
                        "；".join(d.note_text(n_) for n_ in p["risk_reasons"])
                        + ("（{}: {}）".format(_("base"), p["base_label"]) if p["base_label"] else "")
                    ),
                ]
            )
        areas_summary.append({"area": area, "count": n})
    if response := _export(request, [table], "plan-warnings", f"{plan.name} · {year}"):
        return response
    context = _context(request, public, plan, years, year, "warnings", table=table, areas_summary=areas_summary, n_city=len(city_rows))
    return render(request, "plan/warnings.html", context)
