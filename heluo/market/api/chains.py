"""产业技术地图 / industry chains.

``GET /market/chains`` lists the city's chains (one per cluster) with their version, source, example label and
totals; ``GET /market/chains/{cluster}`` gives a chain's links by stage with their key technologies, attachment
rules and, per kind of record, how many are attached, the strength score and whether the link is a 补链 (gap)
candidate; ``GET /market/chains/{cluster}/links/{link}/records?kind=&district=`` lists the attached records the
caller may see, with why each is attached.

Bureau and district staff only (403 for anyone else). Counts cover the whole city for all staff; record lists keep
to the caller's scope (a district sees its areas' records and the published ones; a demand that is not public only
where Demand.scope_q lets the caller see it). Kinds: enterprise, platform, talent, achievement, demand.
"""

from django.http import Http404
from ninja import Field, Query, Router, Schema

from heluo.api.auth import caller
from heluo.api.schemas import Message

from ..selectors import chains as sel

router = Router(tags=["market"])
READ = {401: Message, 403: Message, 404: Message}


class ChainOut(Schema):
    cluster: str
    name_zh: str
    name_en: str
    version: str
    example_zh: str
    example_en: str
    source: dict
    link_count: int
    gap_count: int
    counts: dict[str, int]


class GapReason(Schema):
    kind: str
    count: int
    threshold: int


class LinkOut(Schema):
    code: str
    stage: str
    name_zh: str
    name_en: str
    key_technologies: list[str]
    industries: list[str]
    hitech_fields: list[str]
    keywords: list[str]
    counts: dict[str, int]
    score: float
    gap: bool
    gap_reasons: list[GapReason]


class ChainDetailOut(ChainOut):
    rules: dict
    unplaced: dict[str, int]
    links: list[LinkOut]


class RecordOut(Schema):
    id: int
    name: str
    area: str | None
    why: list[str]


class RecordPage(Schema):
    items: list[RecordOut]
    count: int


class RecordFilters(Schema):
    kind: str = "enterprise"
    district: str | None = Field(None, max_length=20)
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=2**31 - 1)


def _summary(chain, result) -> dict:
    return {
        "cluster": chain.cluster.code,
        "name_zh": chain.cluster.name_zh,
        "name_en": chain.cluster.name_en,
        "version": chain.version,
        "example_zh": chain.example_zh,
        "example_en": chain.example_en,
        "source": chain.source,
        "link_count": len(result.links),
        "gap_count": len(result.gaps),
        "counts": {k: sel.distinct_count(result, k) for k in result.kinds},
    }


def _chain(request, cluster):
    user = caller(request)
    chain = sel.chain_by_cluster(user, cluster[:40])
    if chain is None:
        raise Http404
    return user, chain, sel.result_for(user, chain)


@router.get("/market/chains", response={200: list[ChainOut], 401: Message, 403: Message})
def list_chains(request):
    """Staff: every cluster's chain with its totals (records of each kind anywhere on it, each once)."""
    user = caller(request)
    out, results = [], sel.results_for(user)
    for chain in sel.chains(user):
        result = results.get(chain.cluster.code)
        if result is not None:
            out.append(_summary(chain, result))
    return out


@router.get("/market/chains/{cluster}", response={200: ChainDetailOut, **READ})
def get_chain(request, cluster: str):
    """Staff: a chain's links by stage with their counts per kind, strength and 补链 status, and the rules."""
    user, chain, result = _chain(request, cluster)
    links = []
    for link in sel.current_links(chain):
        r = result.links[link.code]
        links.append(
            {
                "code": link.code,
                "stage": link.stage,
                "name_zh": link.name_zh,
                "name_en": link.name_en,
                "key_technologies": link.key_technologies,
                "industries": link.industries,
                "hitech_fields": link.hitech_fields,
                "keywords": link.keywords,
                "counts": r.counts,
                "score": r.score,
                "gap": r.gap,
                "gap_reasons": [{"kind": k, "count": n, "threshold": t} for k, n, t in r.gap_reasons],
            }
        )
    return {**_summary(chain, result), "rules": chain.rules, "unplaced": result.unplaced, "links": links}


@router.get("/market/chains/{cluster}/links/{link}/records", response={200: RecordPage, **READ})
def list_link_records(request, cluster: str, link: str, filters: Query[RecordFilters]):
    """Staff: the records of a kind attached to a link that the caller may see (optionally in one district)."""
    user, chain, result = _chain(request, cluster)
    if link not in result.links or sel.source(filters.kind) is None:
        raise Http404
    areas = sel.district_area_codes(filters.district) if filters.district else None
    if filters.district and areas is None:
        raise Http404
    attached = sel.link_records(user, result, link, filters.kind, areas=areas)
    page = attached[filters.offset : filters.offset + filters.limit]
    where = {a.key: a.area for a in page}
    items = [{"id": obj.pk, "name": str(obj), "area": where[obj.pk], "why": list(why)} for obj, why in sel.fetch(filters.kind, page)]
    return {"items": items, "count": len(attached)}
