"""District assessment pages (/plan/assessment/): the composite index with method, weights, data, normalised
values, contributions, ranks and Monte Carlo rank intervals; a form to change the method (htmx); an XLSX
export; one district's score step by step; the records behind a value (own areas only); saved runs.

Bureau staff and district staff see every district's score and rank (the ranking is public within the
government); the enterprise-level records behind a value only for the areas a user may see in full."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heluo.core.i18n import Bilingual
from heluo.core.models import Role
from heluo.core.permissions import scope_for
from heluo.core.spreadsheets import Sheet, workbook_bytes, xlsx_response

from ..engine import assessment as E
from ..engine import composite as C
from ..models import AssessmentRun
from ..selectors import assessment as A
from ..selectors.assessment_records import cell_records, may_drill_down, may_view_assessment
from ..services import record_assessment_run

NORMALISATION_LABELS = {
    "minmax": gettext_lazy("Min-max (0 = lowest district, 1 = highest)"),
    "zscore": gettext_lazy("Z-score (standard deviations from the mean)"),
    "distance_to_target": gettext_lazy("Distance to the zone's target (1 = on target)"),
}
AGGREGATION_LABELS = {
    "arithmetic": gettext_lazy("Arithmetic (weighted sum)"),
    "geometric": gettext_lazy("Geometric (weighted product)"),
}
WEIGHTING_LABELS = {
    "zone": gettext_lazy("Weights of each planning zone"),
    "common": gettext_lazy("One standard for all zones (mean of the zone weights)"),
    "equal": gettext_lazy("Equal weights"),
}


def _guard(request):
    """The login redirect for anonymous users, 403 for roles that do not see the assessment."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if not may_view_assessment(request.user):
        raise PermissionDenied(_("The district assessment is for bureau and district staff."))
    return None


def _available_years() -> list[int]:
    from heluo.orgs.models import EnterpriseAnnual

    years = sorted(set(EnterpriseAnnual.objects.order_by().values_list("year", flat=True).distinct()))
    return years or [dt.date.today().year - 1]


class AssessmentForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int)
    normalisation = forms.ChoiceField(label=gettext_lazy("Normalisation"), choices=list(NORMALISATION_LABELS.items()), required=False)
    aggregation = forms.ChoiceField(label=gettext_lazy("Aggregation"), choices=list(AGGREGATION_LABELS.items()), required=False)
    weighting = forms.ChoiceField(label=gettext_lazy("Weights"), choices=list(WEIGHTING_LABELS.items()), required=False)
    runs = forms.IntegerField(
        label=gettext_lazy("Monte Carlo runs"),
        min_value=0,
        max_value=5000,
        required=False,
        help_text=gettext_lazy("0: no sensitivity analysis"),
    )
    seed = forms.IntegerField(label=gettext_lazy("Random seed"), min_value=0, max_value=2**31 - 1, required=False)
    weight_spread = forms.FloatField(
        label=gettext_lazy("Weight variation (±)"),
        min_value=0,
        max_value=0.95,
        required=False,
        help_text=gettext_lazy("each weight × U(1 − v, 1 + v) in each run"),
    )
    unit = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, years, definition, default_year):
        if data is not None:  # a choice not given keeps its default, so the form always shows what was used
            defaults = {
                "year": default_year,
                "normalisation": definition.method.normalisation,
                "aggregation": definition.method.aggregation,
                "weighting": "zone",
                "runs": definition.sensitivity.runs,
                "seed": definition.sensitivity.seed,
                "weight_spread": definition.sensitivity.weight_spread,
            }
            merged = {k: v for k, v in defaults.items()}
            merged.update({k: v for k, v in data.items() if v not in (None, "")})
            data = merged
        super().__init__(data)
        self.fields["year"].choices = [(y, str(y)) for y in sorted(set(years) | {default_year}, reverse=True)]
        self.fields["year"].initial = default_year
        self.fields["normalisation"].initial = definition.method.normalisation
        self.fields["aggregation"].initial = definition.method.aggregation
        self.fields["weighting"].initial = "zone"
        self.fields["runs"].initial = definition.sensitivity.runs
        self.fields["seed"].initial = definition.sensitivity.seed
        self.fields["weight_spread"].initial = definition.sensitivity.weight_spread
        for f in self.fields.values():
            f.widget.attrs.setdefault(
                "class", "form-select form-select-sm" if isinstance(f.widget, forms.Select) else "form-control form-control-sm"
            )

    def values(self, default_year) -> dict:
        """The choices asked for: valid fields as cleaned, invalid or absent ones from the defaults."""
        if self.is_bound:
            self.is_valid()
        cleaned = getattr(self, "cleaned_data", {}) or {}
        out = {name: (cleaned.get(name) if cleaned.get(name) not in (None, "") else None) for name in self.fields}
        out["year"] = out["year"] or default_year
        return out


def _definition_and_year(request):
    try:
        definition = A.load_definition()
    except E.AssessmentError as exc:
        raise Http404(exc.message) from None
    years = _available_years()
    return definition, years, years[-1]


# --------------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------------


def assessment(request):
    if (response := _guard(request)) is not None:
        return response
    definition, years, default_year = _definition_and_year(request)
    if request.method == "POST":
        return _save(request, definition, default_year)
    run = None
    error = None
    form_data = request.GET or None
    if request.GET.get("run"):
        run = AssessmentRun.objects.filter(pk=request.GET["run"] if request.GET["run"].isdigit() else 0).first()
        if run is None:
            raise Http404(_("No such assessment run."))
        # the form shows the stored run's choices; changing one computes afresh with today's data
        form_data = {
            "year": run.year,
            **{k: run.method.get(k) for k in ("normalisation", "aggregation", "weighting", "runs", "seed", "weight_spread")},
            "unit": request.GET.get("unit", ""),
        }
    form = AssessmentForm(form_data, years=years, definition=definition, default_year=default_year)
    choices = form.values(default_year)
    try:
        if run is not None:
            used_definition = A.parse_definition(run.definition)
            data, matrix = run.result, E.Matrix.from_dict(run.inputs)
        else:
            used_definition = definition
            overrides = {k: choices[k] for k in ("normalisation", "aggregation", "weighting", "runs", "seed", "weight_spread")}
            result = A.assess(definition, choices["year"], overrides)
            data, matrix = result.as_dict(), result.matrix
    except E.AssessmentError as exc:
        error = exc.message
        data = matrix = None
        used_definition = definition
    if data is not None and request.GET.get("export") == "xlsx":
        return _xlsx_response(used_definition, data, matrix, run)
    context = {
        "form": form,
        "definition": used_definition,
        "run": run,
        "error": error,
        "reproduction": A.reproduce_run(run) if run is not None and data is not None else None,
        "may_save": scope_for(request.user).is_bureau and run is None and data is not None,
    }
    if data is not None:
        context.update(_page_context(request, used_definition, data, matrix, choices.get("unit") or request.GET.get("unit"), run))
    context["saved_runs"] = list(AssessmentRun.objects.filter(definition_code=definition.code).select_related("created_by")[:10])
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and not htmx.boosted and not htmx.history_restore_request
    template = "plan/assessment_result.html" if partial else "plan/assessment.html"
    return render(request, template, context)


def _save(request, definition, default_year):
    if not scope_for(request.user).is_bureau:
        raise PermissionDenied(_("Only the bureau stores assessment runs."))
    form = AssessmentForm(request.POST, years=_available_years(), definition=definition, default_year=default_year)
    choices = form.values(default_year)
    overrides = {k: choices[k] for k in ("normalisation", "aggregation", "weighting", "runs", "seed", "weight_spread")}
    try:
        result = A.assess(definition, choices["year"], overrides)
    except E.AssessmentError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("plan:assessment") + "?" + urlencode({"year": choices["year"]}))
    run = record_assessment_run(request.user, assessment=result, note=request.POST.get("note", ""))
    messages.success(request, _("The assessment was stored as run %(id)s.") % {"id": run.pk})
    return redirect(reverse("plan:assessment") + "?" + urlencode({"run": run.pk}))


def _local(zh, en):
    return str(Bilingual(zh, en))


def _num(value, places=2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and places == 0 and value == int(value):
        return f"{int(value):,}"
    return f"{value:,.{places}f}"


def _zone_names(definition) -> dict[str, str]:
    from heluo.geo.models import PlanningZone

    names = {z.code: z.name for z in PlanningZone.objects.filter(city__code=definition.city)}
    return {z: names.get(z, z) for z in definition.zones}


def _parts_text(parts: dict) -> str:
    labels = {
        "count": _("count"),
        "sum": _("sum"),
        "records": _("records"),
        "enterprises": _("enterprises"),
        "numerator": _("numerator"),
        "denominator": _("denominator"),
        "current": _("this year"),
        "previous": _("previous year"),
        "value": _("value"),
    }
    return "; ".join(f"{labels.get(k, k)} {_num(v, 0 if float(v or 0).is_integer() else 2)}" for k, v in parts.items() if v is not None)


def _page_context(request, definition, data, matrix, unit, run) -> dict:
    zones = _zone_names(definition)
    units = {u.code: u for u in matrix.units}
    user = request.user
    scope = scope_for(user)
    mc = {d["district"]: d for d in (data.get("sensitivity") or {}).get("districts", [])}
    scores = data["scores"]
    year = data["year"]
    indicators = definition.indicators
    method = data["method"]

    ranking = []
    for s in scores:
        u = units[s["district"]]
        i = mc.get(s["district"], {})
        ranking.append(
            {
                "code": u.code,
                "name": u.name,
                "zone": zones.get(s["zone"], s["zone"]),
                "zone_code": s["zone"],
                "rank": s["rank"],
                "zone_rank": s["zone_rank"],
                "score": _num(s["score"], 4),
                "coverage": f"{s['coverage']:.0%}",
                "missing": ", ".join(definition.indicator(c).name for c in s["missing"]),
                "note": _local(s["note_zh"], s["note_en"]),
                "median": i.get("median_rank"),
                "p05": i.get("p05_rank"),
                "p95": i.get("p95_rank"),
                "zone_median": i.get("zone_median_rank"),
                "zone_p05": i.get("zone_p05_rank"),
                "zone_p95": i.get("zone_p95_rank"),
                "mine": u.area_id in scope.area_ids,
            }
        )

    def matrix_rows(getter, places_of):
        rows = []
        for s in scores:
            u = units[s["district"]]
            cells = []
            for ind in indicators:
                value = getter(s, ind)
                cells.append({"text": _num(value, places_of(ind)), "value": value})
            rows.append(
                {"code": u.code, "name": u.name, "zone": zones.get(s["zone"], s["zone"]), "cells": cells, "score": _num(s["score"], 4)}
            )
        return rows

    raw_rows = matrix_rows(lambda s, ind: s["raw"].get(ind.code), lambda ind: ind.decimals)
    drill = {u.code: may_drill_down(user, u) for u in matrix.units}
    records_url = reverse("plan:assessment_records")
    for row in raw_rows:
        for ind, cell in zip(indicators, row["cells"]):
            cell["parts"] = _parts_text(matrix.cells.get(row["code"], {}).get(ind.code, {}))
            if drill[row["code"]]:
                cell["url"] = records_url + "?" + urlencode({"year": year, "unit": row["code"], "indicator": ind.code})
    normalised_rows = matrix_rows(lambda s, ind: s["normalised"].get(ind.code), lambda ind: 3)
    contribution_rows = matrix_rows(lambda s, ind: s["contributions"].get(ind.code), lambda ind: 4)

    from heluo.geo.models import Area

    unassigned_codes = {c for t in matrix.traces.values() for c in t.get("unassigned_areas", [])}
    area_names = {a.code: a.name for a in Area.objects.filter(code__in=unassigned_codes)} if unassigned_codes else {}
    indicator_rows = []
    for ind in indicators:
        trace = matrix.traces.get(ind.code, {})
        source = (
            _("Plan indicator %(code)s %(name)s") % {"code": trace["plan_indicator"], "name": trace.get("plan_indicator_name", "")}
            if trace.get("plan_indicator")
            else _("Enterprise annual data")
            if any(k in ind.measure for k in ("annual_sum", "annual_ratio", "annual_growth"))
            else _("Computed from other indicators")
            if "change_of" in ind.measure
            else _("Platform records")
        )
        unassigned = trace.get("unassigned") or {}
        indicator_rows.append(
            {
                "code": ind.code,
                "name": ind.name,
                "unit": ind.unit_label,
                "direction": _("higher is better") if ind.direction == 1 else _("lower is better"),
                "measure": _local(trace.get("description_zh", ""), trace.get("description_en", "")),
                "source": source,
                "citation": ind.citation,
                "queries": trace.get("queries", []),
                "unassigned": _parts_text({k: v for k, v in unassigned.items() if v}) if unassigned else "",
                "unassigned_areas": "、".join(area_names.get(c, c) for c in trace.get("unassigned_areas", [])),
                "per_zone": [
                    {
                        "written": _num(ind.weights.get(z, 0), 0 if float(ind.weights.get(z, 0)).is_integer() else 2),
                        "share": f"{data['weights'].get(z, {}).get(ind.code, 0):.1%}" if z in data["weights"] else "—",
                        "target": _num(ind.targets.get(z), ind.decimals),
                    }
                    for z in definition.zones
                ],
                "stats": data["stats"].get(ind.code, {}),
            }
        )

    # "how to check your own score": the user's own district first, else the first ranked
    own = next((u.code for u in matrix.units if u.area_id in scope.area_ids), None)
    unit = unit if unit in units else (own or scores[0]["district"])
    explained = E.explain(data, unit, definition)
    for step in explained["steps"]:
        step["raw_text"] = _num(step["raw"], step["raw_places"])
        step["normalised_text"] = _num(step["normalised"], 4)
        step["input_text"] = _num(step["input"], 4)
        step["weight_text"] = "—" if step["weight"] is None else f"{step['weight']:.4f}"
        step["zone_weight_text"] = f"{step['zone_weight']:.4f}"
        step["contribution_text"] = _num(step["contribution"], 4)
    explained["sum_text"] = _num(explained["sum"], 4)
    explained["score_text"] = _num(explained["score"], 4)
    explained["name"] = units[unit].name
    explained["zone_name"] = zones.get(explained["zone"], explained["zone"])

    chart = {
        "names": [r["name"] for r in ranking if r["rank"] is not None],
        "rank": [r["rank"] for r in ranking if r["rank"] is not None],
        "median": [r["median"] for r in ranking if r["rank"] is not None],
        "p05": [r["p05"] for r in ranking if r["rank"] is not None],
        "p95": [r["p95"] for r in ranking if r["rank"] is not None],
        "count": len(matrix.units),
        "height": 80 + 26 * len(matrix.units),
        "labels": {"rank": _("Rank (chosen method)"), "median": _("Median rank"), "interval": _("Rank interval (5th–95th percentile)")},
    }
    sensitivity = data.get("sensitivity")
    policies = [_local(zh, en) for _key, zh, en in C.POLICIES]
    query = {k: v for k, v in request.GET.items() if k not in ("export", "unit")}
    return {
        "data": data,
        "year": year,
        "zones": [{"code": z, "name": n} for z, n in zones.items()],
        "ranking": ranking,
        "raw_rows": raw_rows,
        "normalised_rows": normalised_rows,
        "contribution_rows": contribution_rows,
        "indicators": indicator_rows,
        "explained": explained,
        "explain_units": [(u.code, u.name) for u in matrix.units],
        "chart": chart,
        "sensitivity": sensitivity,
        "policies": policies,
        "mc_notes": [_local(zh, en) for zh, en in (sensitivity or {}).get("notes", [])],
        "method_labels": {
            "normalisation": NORMALISATION_LABELS.get(method["normalisation"]),
            "aggregation": AGGREGATION_LABELS.get(method["aggregation"]),
            "weighting": WEIGHTING_LABELS.get(method.get("weighting", "zone")),
        },
        "export_url": "?" + urlencode({**query, "export": "xlsx"}),
        "self_query": urlencode(query),
        "annual_note": _local(definition.annual_note_zh, definition.annual_note_en),
        "is_district": scope.role == Role.DISTRICT_STAFF,
    }


# --------------------------------------------------------------------------------------------------
# XLSX export of the tables
# --------------------------------------------------------------------------------------------------


def _xlsx_response(definition, data, matrix, run) -> HttpResponse:
    zones = _zone_names(definition)
    units = {u.code: u for u in matrix.units}
    mc = {d["district"]: d for d in (data.get("sensitivity") or {}).get("districts", [])}
    inds = definition.indicators
    sheets = []

    def sheet(title, header, rows):
        sheets.append(Sheet(str(title), [str(h) for h in header], rows, freeze=False))

    def ind_header(ind):
        return f"{ind.name} ({ind.unit_label})" if ind.unit_label else ind.name

    sheet(
        _("Ranking"),
        [
            _("Rank"),
            _("Code"),
            _("District or county"),
            _("Planning zone"),
            _("Rank in zone"),
            _("Score"),
            _("Coverage"),
            _("Median rank"),
            _("Rank, 5th percentile"),
            _("Rank, 95th percentile"),
            _("Median rank in zone"),
            _("Rank in zone, 5th percentile"),
            _("Rank in zone, 95th percentile"),
        ],
        [
            [
                s["rank"],
                s["district"],
                units[s["district"]].name,
                zones.get(s["zone"], s["zone"]),
                s["zone_rank"],
                s["score"],
                s["coverage"],
                *(
                    mc.get(s["district"], {}).get(k)
                    for k in ("median_rank", "p05_rank", "p95_rank", "zone_median_rank", "zone_p05_rank", "zone_p95_rank")
                ),
            ]
            for s in data["scores"]
        ],
    )
    for title, key in ((_("Data"), "raw"), (_("Normalised"), "normalised"), (_("Contributions"), "contributions")):
        sheet(
            title,
            [_("Code"), _("District or county"), _("Planning zone"), *[ind_header(i) for i in inds]]
            + ([_("Score")] if key == "contributions" else []),
            [
                [s["district"], units[s["district"]].name, zones.get(s["zone"], s["zone"]), *[s[key].get(i.code) for i in inds]]
                + ([s["score"]] if key == "contributions" else [])
                for s in data["scores"]
            ],
        )
    sheet(
        _("Records behind the data"),
        [_("Code"), _("District or county"), _("Indicator"), _("Value"), _("Parts")],
        [
            [u.code, u.name, i.name, matrix.values.get(u.code, {}).get(i.code), _parts_text(matrix.cells.get(u.code, {}).get(i.code, {}))]
            for u in matrix.units
            for i in inds
        ],
    )
    sheet(
        _("Weights"),
        [
            _("Indicator"),
            *[f"{zones[z]} ({_('as written')})" for z in definition.zones],
            *[f"{zones[z]} ({_('share')})" for z in definition.zones],
        ],
        [
            [i.name, *[i.weights.get(z, 0) for z in definition.zones], *[data["weights"].get(z, {}).get(i.code) for z in definition.zones]]
            for i in inds
        ],
    )
    sheet(
        _("Indicators"),
        [
            _("Code"),
            _("Indicator"),
            _("Unit"),
            _("Direction"),
            _("How it is measured"),
            _("Query"),
            *[f"{_('Target')} {zones[z]}" for z in definition.zones],
            _("Citation"),
        ],
        [
            [
                i.code,
                i.name,
                i.unit_label,
                i.direction,
                _local(matrix.traces.get(i.code, {}).get("description_zh", ""), matrix.traces.get(i.code, {}).get("description_en", "")),
                "\n".join(matrix.traces.get(i.code, {}).get("queries", []))[:32000],
                *[i.targets.get(z) for z in definition.zones],
                i.citation,
            ]
            for i in inds
        ],
    )
    m = data["method"]
    sheet(
        _("Method"),
        [_("Item"), _("Value")],
        [
            [_("Definition"), f"{definition.code} {definition.version}"],
            [_("Definition digest"), definition.digest],
            [_("Year"), data["year"]],
            [_("Normalisation"), m["normalisation"]],
            [_("Aggregation"), m["aggregation"]],
            [_("Weights"), m.get("weighting", "zone")],
            [_("Minimum coverage"), m["min_coverage"]],
            [_("Monte Carlo runs"), m["runs"]],
            [_("Random seed"), m["seed"]],
            [_("Weight variation (±)"), m["weight_spread"]],
            [_("Data digest"), data["data_digest"]],
            [_("Stored run"), run.pk if run else ""],
            [_("About the configuration"), definition.note],
            [_("Source"), definition.source],
            *[[_("Rule"), _local(zh, en)] for _key, zh, en in C.POLICIES],
        ],
    )
    return xlsx_response(workbook_bytes(sheets), f"heluo-assessment-{data['year']}", dated=True)


# --------------------------------------------------------------------------------------------------
# The records behind one value
# --------------------------------------------------------------------------------------------------


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, bool):
        return _("yes") if v else _("no")
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, (float, Decimal)):
        return _num(float(v), 2)
    return str(v)


COLUMN_LABELS = {
    "organization": gettext_lazy("Organization"),
    "platform": gettext_lazy("Platform"),
    "area": gettext_lazy("Area"),
    "kind": gettext_lazy("Kind"),
    "level": gettext_lazy("Level"),
    "status_since": gettext_lazy("Status since"),
    "certificate_no": gettext_lazy("Certificate / registration number"),
    "valid_from": gettext_lazy("Valid from"),
    "valid_to": gettext_lazy("Valid to"),
    "status": gettext_lazy("Status"),
    "change_label": gettext_lazy("Change"),
}


def assessment_records(request):
    if (response := _guard(request)) is not None:
        return response
    definition, _years, default_year = _definition_and_year(request)
    try:
        year = int(request.GET.get("year") or default_year)
    except ValueError:
        raise Http404(_("No such year.")) from None
    try:
        matrix = A.build_matrix(definition, year)
        unit = matrix.unit(request.GET.get("unit", ""))
        indicator = definition.indicator(request.GET.get("indicator", ""))
    except E.AssessmentError as exc:
        raise Http404(exc.message) from None
    if not may_drill_down(request.user, unit):
        raise PermissionDenied(_("The records behind a district's value are shown to that district's staff and the bureau."))
    records = cell_records(request.user, definition, matrix, unit.code, indicator.code)
    from heluo.orgs.models import EnterpriseAnnual

    labels = {f.name: f.verbose_name for f in EnterpriseAnnual._meta.fields}
    columns = [
        {
            "key": c,
            "label": COLUMN_LABELS.get(c) or (f"{labels[c[:-9]]} ({year - 1})" if c.endswith("_previous") else labels.get(c, c)),
            "numeric": c in E.ANNUAL_FIELDS or c.endswith("_previous"),
        }
        for c in records["columns"]
    ]
    rows = []
    for r in records["rows"]:
        cells = []
        for c in records["columns"]:
            v = r.get(c)
            link = None
            if c == "organization" and r.get("organization_id"):
                link = (
                    reverse("web:annual_detail", args=[r["annual_id"]])
                    if r.get("annual_id")
                    else reverse("web:organization_detail", args=[r["organization_id"]])
                )
            elif c == "platform" and r.get("platform_id"):
                link = reverse("web:platform_detail", args=[r["platform_id"]])
            cells.append({"text": _cell_text(v), "url": link, "numeric": isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)})
        rows.append(cells)
    totals = [(_num(records.get("totals", {}).get(c["key"]), 2) if c["key"] in records.get("totals", {}) else "") for c in columns]
    value = matrix.values[unit.code][indicator.code]
    return render(
        request,
        "plan/assessment_records.html",
        {
            "definition": definition,
            "year": year,
            "unit": unit,
            "indicator": indicator,
            "columns": columns,
            "rows": rows,
            "records": records,
            "totals": totals if any(totals) else None,
            "value": _num(value, indicator.decimals),
            "parts": _parts_text(matrix.cells[unit.code][indicator.code]),
            "measure": _local(
                matrix.traces[indicator.code].get("description_zh", ""), matrix.traces[indicator.code].get("description_en", "")
            ),
            "back_url": reverse("plan:assessment") + "?" + urlencode({"year": year, "unit": unit.code}),
        },
    )
