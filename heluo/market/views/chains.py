"""产业技术地图 pages (bureau and district staff): the chains of the city's clusters, each chain's graph, a link's
attached records (within the user's scope), the district map; each filterable and exportable (XLSX here, images
from the charts' toolbox)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heluo.core.i18n import Refusal
from heluo.core.permissions import require_staff
from heluo.core.spreadsheets import Sheet, workbook_bytes, xlsx_response

from ..models import Stage
from ..selectors import chains as sel
from ..services import chains as service

PAGE_SIZE = 50
EXPORT_ROWS = 50_000  # a link's list in one workbook: far above a city's, bounded all the same


def _kinds():
    return [(s.kind, str(s.label)) for s in sel.sources()]


def _choice(value, allowed, default=""):
    return value if value in allowed else default


def _district(request) -> tuple[str, set[str] | None]:
    code = (request.GET.get("district") or "")[:20]
    areas = sel.district_area_codes(code) if code else None
    return (code, areas) if areas is not None else ("", None)


def _chain(user, cluster):
    chain = sel.chain_by_cluster(user, cluster[:40])
    if chain is None:
        raise Http404(_("No industry chain for this cluster."))
    return chain, sel.result_for(user, chain), sel.current_links(chain)


def _gap_text(link_result, labels) -> str:
    if not link_result.gap:
        return ""
    if not link_result.gap_reasons:
        return _("nothing attached")
    return "; ".join(
        _("%(kind)s %(count)s, fewer than %(threshold)s") % {"kind": labels.get(k, k), "count": n, "threshold": t}
        for k, n, t in link_result.gap_reasons
    )


def _link_rows(links, result, counts, kinds, kind):
    labels = dict(kinds)
    rows = []
    for link in links:
        r = result.links[link.code]
        shown = counts[link.code]
        rows.append(
            {
                "link": link,
                "stage": Stage(link.stage).label,
                "counts": [shown.get(k, 0) for k, _label in kinds],
                "value": shown.get(kind, 0) if kind else sum(shown.values()),
                "score": r.score,
                "gap": r.gap,
                "gap_text": _gap_text(r, labels),
            }
        )
    return rows


def _source_line(chain) -> str:
    s = chain.source
    parts = [s.get("issuer", ""), f"《{s['document']}》" if s.get("document") else "", s.get("section", ""), str(s.get("year", "") or "")]
    return " · ".join(p for p in parts if p)


@login_required
def chain_list(request):
    user = request.user
    chosen = sel.chain_by_cluster(user, (request.GET.get("cluster") or "")[:40]) if request.GET.get("cluster") else None
    if chosen is not None:  # the cluster filter of a chain's page: the same filters on the chosen chain
        query = {k: request.GET[k] for k in ("district", "kind") if request.GET.get(k)}
        return redirect(reverse("market:chain", args=[chosen.cluster.code]) + ("?" + urlencode(query) if query else ""))
    items, all_links = [], []
    kinds = _kinds()
    labels = dict(kinds)
    results = sel.results_for(user)
    for chain in sel.chains_with_links(user):
        result = results.get(chain.cluster.code)
        if result is None:
            continue
        links = sel.current_links(chain)
        items.append(
            {"chain": chain, "links": len(links), "gaps": len(result.gaps), "counts": [sel.distinct_count(result, k) for k, _l in kinds]}
        )
        all_links += [(chain, link, result.links[link.code]) for link in links]
    if request.GET.get("export") == "xlsx":
        headers = [
            _("Cluster"),
            _("Stage"),
            _("Link code"),
            _("Link"),
            _("Key technologies"),
            *labels.values(),
            _("Strength"),
            _("Gap (补链)"),
        ]
        rows = [
            [
                chain.cluster.name,
                str(Stage(link.stage).label),
                link.code,
                link.name,
                "、".join(link.key_technologies),
                *[r.counts.get(k, 0) for k in labels],
                r.score,
                _gap_text(r, labels),
            ]
            for chain, link, r in all_links
        ]
        sheet = Sheet(_("Industry chains"), headers, rows, preamble=[_("Industry chains of the city's clusters")])
        return xlsx_response(workbook_bytes([sheet]), "industry-chains", dated=True)
    return render(request, "market/chain_list.html", {"items": items, "kinds": kinds})


def _graph(chain, rows, kind, kinds, cluster) -> dict:
    by_stage: dict[str, list] = {}
    for row in rows:
        by_stage.setdefault(row["link"].stage, []).append(row)
    nodes, edges = [], []
    stages = [s for s in Stage.values if s in by_stage]
    for x, stage in enumerate(stages):
        for y, row in enumerate(by_stage[stage]):
            link = row["link"]
            nodes.append(
                {
                    "id": link.code,
                    "name": link.name,
                    "stage": str(Stage(stage).label),
                    "x": x,
                    "y": y - (len(by_stage[stage]) - 1) / 2,
                    "value": row["value"],
                    "counts": dict(zip([label for _k, label in kinds], row["counts"])),
                    "score": row["score"],
                    "gap": row["gap"],
                    "url": reverse("market:chain_link", args=[cluster, link.code]),
                }
            )
    for a, b in zip(stages, stages[1:]):
        edges += [{"source": s["link"].code, "target": t["link"].code} for s in by_stage[a] for t in by_stage[b]]
    return {
        "nodes": nodes,
        "edges": edges,
        "stages": [str(Stage(s).label) for s in stages],
        "title": chain.cluster.name,
        "filename": f"chain-{cluster}",
        "labels": {
            "gap": _("Gap (补链)"),
            "gap_short": _("Gap"),
            "strength": _("Strength"),
            "save": _("Save as image"),
            "attached": dict(kinds).get(kind, _("All kinds")),
        },
    }


@login_required
def chain_detail(request, cluster):
    user = request.user
    chain, result, links = _chain(user, cluster)
    kinds = _kinds()
    kind = _choice(request.GET.get("kind"), {k for k, _l in kinds})
    district, areas = _district(request)
    rows = _link_rows(links, result, sel.counts_within(result, areas), kinds, kind)
    if request.GET.get("export") == "xlsx":
        return _chain_xlsx(chain, rows, result, kinds, kind, district)
    context = {
        "chain": chain,
        "source_line": _source_line(chain),
        "rows": rows,
        "kinds": kinds,
        "kind": kind,
        "district": district,
        "districts": sel.districts(),
        "graph": _graph(chain, rows, kind, kinds, cluster),
        "unplaced": [(label, result.unplaced.get(k, 0)) for k, label in kinds],
        "other_chains": sel.chains(user),
    }
    return render(request, "market/chain_detail.html", context)


def _chain_xlsx(chain, rows, result, kinds, kind, district):
    labels = [label for _k, label in kinds]
    preamble = [f"{chain.cluster.name} · {_('version')} {chain.version}", _source_line(chain), chain.example]
    if district:
        preamble.append(_("District: %(code)s") % {"code": district})
    headers = [_("Stage"), _("Link code"), _("Link"), _("Key technologies"), *labels, _("Strength"), _("Gap (补链)")]
    links = [
        [str(r["stage"]), r["link"].code, r["link"].name, "、".join(r["link"].key_technologies), *r["counts"], r["score"], r["gap_text"]]
        for r in rows
    ]
    chosen = kind or kinds[0][0]
    by_district, districts = [], sel.districts()
    per_link = {r["link"].code: {d.code: n for d, n in sel.district_counts(result, chosen, r["link"].code, districts)[0]} for r in rows}
    for d in districts:
        by_district.append([d.code, d.name, *[per_link[r["link"].code].get(d.code, 0) for r in rows]])
    sheets = [
        Sheet(_("Links"), headers, links, preamble=preamble),
        Sheet(
            _("By district"),
            [_("Area code"), _("District/county"), *[r["link"].name for r in rows]],
            by_district,
            preamble=[f"{chain.cluster.name} · {dict(kinds)[chosen]}"],
        ),
    ]
    return xlsx_response(workbook_bytes(sheets), f"chain-{chain.cluster.code}", dated=True)


@login_required
def link_detail(request, cluster, code):
    user = request.user
    chain, result, links = _chain(user, cluster)
    link = next((candidate for candidate in links if candidate.code == code[:40]), None)
    if link is None:
        raise Http404(_("No such link in this chain."))
    kinds = _kinds()
    kind = _choice(request.GET.get("kind"), {k for k, _l in kinds}, kinds[0][0])
    district, areas = _district(request)
    src = sel.source(kind)
    attached = sel.link_records(user, result, link.code, kind, areas=areas)
    if request.GET.get("export") == "xlsx":
        rows = []
        for start in range(0, min(len(attached), EXPORT_ROWS), 2000):
            rows += [[*src.row(obj), sel.explain(why)] for obj, why in sel.fetch(kind, attached[start : start + 2000])]
        preamble = [f"{chain.cluster.name} · {link.name} · {src.label}", chain.example]
        sheet = Sheet(str(src.label), [*src.headers, _("Why attached")], rows, preamble=preamble)
        return xlsx_response(workbook_bytes([sheet]), f"chain-{chain.cluster.code}-{link.code}-{kind}", dated=True)
    page = Paginator(attached, PAGE_SIZE).get_page(request.GET.get("page"))
    page.elided = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    records = [(src.row(obj), src.url(obj) if src.url else "", sel.explain(why)) for obj, why in sel.fetch(kind, list(page.object_list))]
    r = result.links[link.code]
    context = {
        "chain": chain,
        "link": link,
        "stage": Stage(link.stage).label,
        "kinds": [(k, label, r.counts.get(k, 0)) for k, label in kinds],
        "kind": kind,
        "headers": src.headers,
        "records": records,
        "page": page,
        "district": district,
        "districts": sel.districts(),
        "result": r,
        "gap_text": _gap_text(r, dict(kinds)),
        "rules": sel.rule_labels(link),
        "manual": sel.manual_attachments(user, link),
        "can_attach": require_staff(user).is_bureau,
    }
    return render(request, "market/chain_link.html", context)


def _manual_link(request, cluster, code):
    chain, _result, links = _chain(request.user, cluster)
    link = next((candidate for candidate in links if candidate.code == code[:40]), None)
    if link is None:
        raise Http404(_("No such link in this chain."))
    return link


@login_required
@require_POST
def attach(request, cluster, code):
    link = _manual_link(request, cluster, code)
    org = sel.enterprise_for_attachment(request.user, request.POST.get("organization", ""))
    if org is None:
        messages.error(request, _("No enterprise with this credit code or name."))
    else:
        try:
            service.attach_enterprise(request.user, link, organization=org, note=request.POST.get("note", "")[:1000])
            messages.success(request, _("%(name)s is attached to the link.") % {"name": org.name})
        except Refusal as refusal:
            messages.error(request, str(refusal.reason))
    return redirect("market:chain_link", cluster, code)


@login_required
@require_POST
def detach(request, cluster, code, pk):
    link = _manual_link(request, cluster, code)
    row = get_object_or_404(sel.manual_attachments(request.user, link), pk=pk)
    service.detach(request.user, row)
    messages.success(request, _("The manual attachment is removed."))
    return redirect("market:chain_link", cluster, code)


@login_required
def chain_map(request):
    user = request.user
    chains = list(sel.chains(user))
    if not chains:  # the list says that none is loaded
        return redirect("market:chains")
    chain = next((c for c in chains if c.cluster.code == request.GET.get("cluster")), chains[0])
    result = sel.result_for(user, chain)
    links = sel.current_links(chain)
    link = next((candidate for candidate in links if candidate.code == request.GET.get("link")), None)
    kinds = _kinds()
    kind = _choice(request.GET.get("kind"), {k for k, _l in kinds}, kinds[0][0])
    rows, elsewhere = sel.district_counts(result, kind, link.code if link else None)
    title = " · ".join(p for p in (chain.cluster.name, link.name if link else _("whole chain"), dict(kinds)[kind]) if p)
    if request.GET.get("export") == "xlsx":
        table = [[d.code, d.name, _("yes") if d.on_map else _("no"), n] for d, n in rows]
        sheet = Sheet(_("By district"), [_("Area code"), _("District/county"), _("On the map"), dict(kinds)[kind]], table, preamble=[title])
        return xlsx_response(workbook_bytes([sheet]), f"chain-map-{chain.cluster.code}", dated=True)
    chart = {
        "data": [{"name": d.code, "label": d.name, "value": n} for d, n in rows if d.on_map],
        "geojson": reverse("plan:geojson", args=[settings.HELUO_CITY]),
        "title": title,
        "filename": f"chain-map-{chain.cluster.code}",
        "labels": {"value": dict(kinds)[kind], "save": _("Save as image")},
    }
    context = {
        "chains": chains,
        "chain": chain,
        "links": links,
        "link": link,
        "kinds": kinds,
        "kind": kind,
        "rows": rows,
        "elsewhere": elsewhere,
        "title": title,
        "chart": chart,
    }
    return render(request, "market/chain_map.html", context)
