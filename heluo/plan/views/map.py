"""The district map of one indicator (or of the assessment's composite index) and its GeoJSON outlines."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ..models import (
    Direction,
)
from ..selectors import dashboard as d
from ..selectors.assessment import latest_result
from . import tables as t
from .common import (
    area_table,
    export_response,
    indicator_url,
    optional_tabs,
    page_context,
    page_names,
    page_setup,
    public_redirect,
)

INDEX = "index"  # the map's choice "composite index"


# --- map ---------------------------------------------------------------------------------------------------


def _index_values(year):
    """The assessment's composite index per district for a year: {area code: {"score", "rank", "zone_rank"}},
    or None."""
    try:
        result = latest_result(year)
    except Exception:  # noqa: BLE001 - the index is optional on this page; the map works without it
        return None
    out = {}
    for code, s in (result or {}).items():
        s = s if isinstance(s, dict) else {"score": s}
        score = s.get("score")
        out[str(code)] = {"score": None if score is None else float(score), "rank": s.get("rank"), "zone_rank": s.get("zone_rank")}
    return out or None


def district_map(request, public=False):
    if not public and (r := public_redirect(request, "map")):
        return r
    user, plan, years, year = page_setup(request, public)
    names = page_names(public)
    options = d.indicators_with_area_values(user, plan)
    choice = request.GET.get("indicator", "")
    index_scores = _index_values(year) if choice == INDEX else None
    indicator = next((i for i in options if i.code == choice), None)
    if indicator is None and choice != INDEX:
        indicator = next((i for i in options if d.computable(i)), options[0] if options else None)
    meta = d.map_meta(plan.city.code) or d.map_meta()
    data, table = [], None
    unit = decimals = ""
    if indicator is not None:
        indicator.plan = plan
        values, source, note = d.area_values(user, plan, indicator, year, public)
        unit, decimals = d.unit_of(indicator), indicator.decimals
        title = f"{indicator.name} · {year}"
        table = area_table("map", title, indicator, values, source, names, year)
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
        details_url = indicator_url(names, indicator.code, year, "#districts")
    else:
        note, lower_better, details_url = "", False, ""
        title = _("Composite innovation index") + f" · {year}"
        table = t.Table(
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
                    t.Cell(str(s["rank"] or ""), s["rank"], css="text-end"),
                    t.Cell(a.name),
                    t.Cell(zone),
                    t.Cell(str(s["zone_rank"] or ""), s["zone_rank"], css="text-end"),
                    t.number_cell(s["score"], 3),
                ]
            )
            data.append({"name": code, "label": a.name, "value": s["score"], "rank": s["rank"], "zone": zone})
        if not scored:
            note = _("The district assessment has no result for this year.")
        if not public and any(t["key"] == "assessment" for t in optional_tabs(public)):
            details_url = reverse("plan:dashboard") + "assessment/?" + urlencode({"year": year})
        unit, decimals = "", 3
    if response := export_response(request, [table], "plan-map", title):
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
    context = page_context(
        request,
        public,
        plan,
        years,
        year,
        "map",
        options=options,
        chosen=indicator,
        index_available=True,
        choice=INDEX if indicator is None else indicator.code,
        table=table,
        chart=chart,
        note=note,
        map_meta=meta,
        indicator_url=details_url,
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
