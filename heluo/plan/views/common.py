"""What the plan monitoring pages share: the page names of the signed-in and public versions, the year and plan
of the request, the page context, XLSX export of a page's tables, and the badges and source links of values.

Every table is a `dashboard.Table`: the page renders it and `?export=<table key>` returns the same rows as
XLSX. Nothing is cached: everything is computed per request from the current data."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from heluo.core.permissions import PUBLIC, scope_for
from heluo.core.spreadsheets import xlsx_response
from heluo.web.display import fmt_date

from ..selectors import dashboard as d
from . import tables as t

# --- common ------------------------------------------------------------------------------------------------


def page_names(public: bool) -> dict:
    p = "plan:public_" if public else "plan:"
    return {k: p + k for k in ("dashboard", "indicator", "map", "warnings")}


def optional_tabs(public: bool) -> list[dict]:
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


def page_setup(request, public: bool):
    """(user for the queries, plan, years, year) or raises Http404 when there is no plan to show."""
    user = PUBLIC if public else request.user
    plan = d.current_plan(user, request.GET.get("plan") or None)
    if plan is None:
        raise Http404(_("No plan has been loaded, or none is published."))
    years = d.monitoring_years(user, plan)
    return user, plan, years, d.pick_year(request, years)


def public_redirect(request, name, *args):
    """Anonymous visitors of the bureau pages go to the public version of the same page."""
    if request.user.is_authenticated:
        return None
    url = reverse(f"plan:public_{name}", args=args)
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


def page_context(request, public, plan, years, year, tab, **extra):
    scope = scope_for(request.user)
    return {
        "public": public,
        "plan": plan,
        "plan_link": href(plan.document_link),
        "years": years,
        "year": year,
        "tab": tab,
        "names": page_names(public),
        "extra_tabs": optional_tabs(public),
        "signed_in": not scope.is_public,
        "other_view_url": _other_view(request, public, tab, extra.get("indicator")),
        **extra,
    }


def _other_view(request, public, tab, indicator=None):
    """The same page in the other mode (public ↔ own scope), for signed-in users."""
    if not request.user.is_authenticated:
        return ""
    names = page_names(not public)
    url = reverse(names[tab], args=[indicator.code] if indicator is not None else [])
    query = request.GET.copy()
    query.pop("export", None)
    return f"{url}?{query.urlencode()}" if query else url


def export_response(request, tables: list[t.Table], filename: str, title: str):
    key = request.GET.get("export")
    if not key:
        return None
    chosen = [t for t in tables if t.key == key] if key != "all" else tables
    if not chosen:
        raise Http404(_("Unknown export."))
    return xlsx_response(t.table_xlsx(chosen, title), f"{filename}-{key}", dated=True)


def indicator_url(names, indicator_code, year, anchor=""):
    return reverse(names["indicator"], args=[indicator_code]) + "?" + urlencode({"year": year}) + anchor


def link(href, text):
    return format_html('<a href="{}">{}</a>', href, text) if href else text


def status_badge(code, label=None):
    info = d.status_info(code)
    return format_html('<span class="badge plan-status" style="background:{}">{}</span>', info["colour"], label or info["label"])


def release_badge(status, uncertain=False):
    if not status:
        return ""
    html = format_html('<span class="badge release-badge release-{}">{}</span>', status, d.release_label(status))
    if uncertain:
        html += format_html(' <i class="bi bi-exclamation-diamond text-warning" title="{}"></i>', _("Uncertain: see the note"))
    return html


def source_html(obs):
    if obs is None:
        return ""
    parts = [p for p in (obs.source_publisher, obs.source_document) if p]
    text = " · ".join(parts)
    link = href(obs.source_link)
    html = format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', link, text or link) if link else text
    if obs.source_date:
        html = format_html('{} <span class="text-body-secondary text-nowrap">{}</span>', html, fmt_date(obs.source_date))
    return html


def href(link):
    """Sources are often written without the scheme (te.cjcn.com/…)."""
    if link and not link.startswith(("http://", "https://")):
        return "https://" + link
    return link


def source_text(obs):
    if obs is None:
        return ""
    parts = [p for p in (obs.source_publisher, obs.source_document, fmt_date(obs.source_date), obs.source_link) if p]
    return " · ".join(parts)


def unit_suffix(indicator):
    unit = d.unit_of(indicator)
    return f" {unit}" if unit and unit != "%" else unit


def progress_value_cell(value, method):
    if value is None:
        return t.Cell("—")
    if method == "trend":
        return t.Cell(f"{value * 100:+.2f}%", value, css="text-end", title=_("Observed compound annual growth (no target)"))
    return t.Cell(f"{value:.2f}", value, css="text-end", title=_("R = observed growth / required growth"))


def area_table(key, title, indicator, values, source, names, year, progress=None) -> t.Table:
    unit = d.unit_of(indicator)
    columns = [_("Rank"), _("Area"), _("Planning zone"), _("Value") + (f"（{unit}）" if unit else ""), _("Period / source")]
    css = ["text-end", "", "", "text-end", "small"]
    if progress is not None:
        columns += [_("Progress since the baseline year"), _("At risk")]
        css += ["", ""]
    columns.append(_("Records (today)") if source == "computed" else _("Records"))
    css.append("")
    table = t.Table(key, title, columns, column_css=css)
    for v in values:
        obs = v.observation
        if source == "computed":
            where = _("Computed from records, 31 December %(year)s") % {"year": year}
        else:
            where = f"{obs.period_label or obs.period_key} · {source_text(obs)}" if obs else ""
        cells = [
            t.Cell(str(v.rank) if v.rank else ("" if v.on_map else _("not on the map")), v.rank, css="text-end"),
            t.Cell(v.area.name),
            t.Cell(v.area.planning_zone.name if v.area.planning_zone_id else ""),
            t.number_cell(
                v.value,
                indicator.decimals if source == "computed" else None,
                qualifier=obs.value_qualifier if obs else "",
                at_least=indicator.decimals,
            ),
            t.Cell(where, html=format_html("{} · {}", obs.period_label or obs.period_key, source_html(obs)) if obs else None),
        ]
        if progress is not None:
            p = progress.get((indicator.pk, v.area.pk))
            if p:
                cells.append(t.Cell(d.status_info(p["status_code"])["label"], html=status_badge(p["status_code"])))
                cells.append(t.Cell(_("yes") if p["at_risk"] else "", title="；".join(d.note_text(n) for n in p["risk_reasons"])))
            else:
                cells += [t.Cell("—"), t.Cell("")]
        cells.append(t.Cell(_("list") if v.records_url else "", href=v.records_url))
        table.rows.append(cells)
    return table
