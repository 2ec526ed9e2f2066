"""Reads of the industry chains: what sits on each link (counts for all staff, lists within each user's scope),
by district, from a registry of record sources.

Each kind of record comes from a `RecordSource`: enterprises (heluo.orgs), platforms (heluo.platforms) and talents
(heluo.people) are registered here; the market's achievements and demands register theirs the same way, from its
`apps.ready()` (selectors.chain_sources), and the engine, the pages, the exports and the API take them up with no
other change:

    register_source(RecordSource(
        "achievement", _("Achievements"), Achievement,
        records=achievement_records,  # (area_ids) -> Record("achievement", pk, area code, cluster codes,
                                      #   division codes, high-tech field codes, text for keywords), unscoped
        headers=[_("Title"), _("Organization"), ...], row=lambda a: [a.title, a.organization.name, ...],
        audited=(Achievement, Organization), url=lambda a: reverse("market:achievement", args=[a.pk]), order=40))

A kind's weight and 补链 threshold come from the city's rules file (kinds.<kind>); a kind it does not name is
listed and counted but weighs nothing and makes no gap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from heluo.core.figures import kept
from heluo.core.i18n import is_chinese
from heluo.core.permissions import VIEW, require_staff, scope_for
from heluo.geo.models import Area
from heluo.geo.selectors import home_city
from heluo.orgs.models import Organization, OrganizationKind
from heluo.people.models import Expert, Person, TalentMembership
from heluo.platforms.models import Platform, PlatformHost, PlatformStatus
from heluo.taxonomy.models import Cluster, HitechField, Industry

from ..engine.chains import ChainResult, ChainSpec, LinkSpec, Record, Rules, attach, parse_rules, within
from ..models import ChainAttachment, ChainLink, IndustryChain

MAP_KINDS = (Area.Kind.DISTRICT, Area.Kind.COUNTY, Area.Kind.COUNTY_CITY)


@dataclass(frozen=True)
class RecordSource:
    """Where the records of one kind come from. `records(area_ids)`: every record of the kind in those areas
    (None: all), unscoped — the counts; `model`: what `restrict(user)` scopes the lists by; `audited`: the tables
    whose changes make kept counts stale; `headers`/`row(obj)`: a list's columns; `url(obj)`: its page."""

    kind: str
    label: Any
    model: type
    records: Callable[[set[int] | None], Iterable[Record]]
    headers: Sequence[Any]
    row: Callable[[Any], list]
    audited: tuple[type, ...] = ()
    url: Callable[[Any], str] | None = None
    prepare: Callable[[Any], Any] = lambda qs: qs
    order: int = 100


_sources: dict[str, RecordSource] = {}


def register_source(source: RecordSource) -> None:
    _sources[source.kind] = source


def sources() -> list[RecordSource]:
    return sorted(_sources.values(), key=lambda s: (s.order, s.kind))


def source(kind: str) -> RecordSource | None:
    return _sources.get(kind)


# --- the built-in sources: enterprises, platforms, talents --------------------------------------------------


def _in(qs, field: str, area_ids):
    return qs if area_ids is None else qs.filter(**{f"{field}__in": area_ids})


def _pairs(rows) -> dict[int, set]:
    out: dict[int, set] = {}
    for key, value in rows:
        if value:
            out.setdefault(key, set()).add(value)
    return out


def enterprise_records(area_ids) -> Iterable[Record]:
    qs = _in(Organization.objects.filter(kind=OrganizationKind.ENTERPRISE), "area_id", area_ids)
    clusters = _pairs(Organization.clusters.through.objects.values_list("organization_id", "cluster__code"))
    for pk, area, industry, field, name, short, description in qs.values_list(
        "pk", "area__code", "industry__code", "hitech_field__code", "name", "short_name", "description"
    ).iterator(chunk_size=5000):
        yield Record(
            "enterprise",
            pk,
            area,
            frozenset(clusters.get(pk, ())),
            frozenset([industry] if industry else ()),
            frozenset([field] if field else ()),
            f"{name} {short} {description}",
        )


def platform_records(area_ids) -> Iterable[Record]:
    qs = _in(Platform.objects.exclude(status=PlatformStatus.REVOKED), "area_id", area_ids)
    industries = _pairs(PlatformHost.objects.values_list("platform_id", "organization__industry__code"))
    fields = _pairs(PlatformHost.objects.values_list("platform_id", "organization__hitech_field__code"))
    for pk, area, cluster, name, description in qs.values_list("pk", "area__code", "cluster__code", "name", "description").iterator(
        chunk_size=5000
    ):
        yield Record(
            "platform",
            pk,
            area,
            frozenset([cluster] if cluster else ()),
            frozenset(industries.get(pk, ())),
            frozenset(fields.get(pk, ())),
            f"{name} {description}",
        )


def talent_records(area_ids) -> Iterable[Record]:
    """Talents: the people of a talent programme or of the expert pool, placed by their employer and expertise."""
    talent = Q(pk__in=TalentMembership.objects.values("person_id")) | Q(pk__in=Expert.objects.values("person_id"))
    qs = _in(Person.objects.filter(talent), "employer__area_id", area_ids)
    clusters = _pairs(Organization.clusters.through.objects.values_list("organization_id", "cluster__code"))
    expert_industries = _pairs(Expert.industries.through.objects.values_list("expert__person_id", "industry__code"))
    expert_fields = _pairs(Expert.hitech_fields.through.objects.values_list("expert__person_id", "hitechfield__code"))
    specialties = dict(Expert.objects.values_list("person_id", "specialty"))
    categories = _pairs(TalentMembership.objects.values_list("person_id", "category"))
    for pk, employer, area, industry, field, title in qs.values_list(
        "pk", "employer_id", "employer__area__code", "employer__industry__code", "employer__hitech_field__code", "title"
    ).iterator(chunk_size=5000):
        yield Record(
            "talent",
            pk,
            area,
            frozenset(clusters.get(employer, ())),
            frozenset(([industry] if industry else []) + list(expert_industries.get(pk, ()))),
            frozenset(([field] if field else []) + list(expert_fields.get(pk, ()))),
            " ".join([title, specialties.get(pk, ""), *categories.get(pk, ())]),
        )


def register_builtin_sources() -> None:
    register_source(
        RecordSource(
            "enterprise",
            _("Enterprises"),
            Organization,
            enterprise_records,
            [_("Enterprise"), _("Unified social credit code"), _("Area"), _("Industry"), _("High-tech field")],
            lambda o: [o.name, o.uscc or "", o.area.name, str(o.industry or ""), str(o.hitech_field or "")],
            audited=(Organization,),
            url=lambda o: reverse("web:organization_detail", args=[o.pk]),
            prepare=lambda qs: qs.select_related("area", "industry", "hitech_field"),
            order=10,
        )
    )
    register_source(
        RecordSource(
            "platform",
            _("Platforms"),
            Platform,
            platform_records,
            [_("Platform"), _("Kind"), _("Level"), _("Area")],
            lambda p: [p.name, str(p.get_kind_display()), str(p.get_level_display()), p.area.name],
            audited=(Platform, PlatformHost),
            url=lambda p: reverse("web:platform_detail", args=[p.pk]),
            prepare=lambda qs: qs.select_related("area"),
            order=20,
        )
    )
    register_source(
        RecordSource(
            "talent",
            _("Talents"),
            Person,
            talent_records,
            [_("Name"), _("Employer"), _("Title / position"), _("Area")],
            lambda p: [p.name, p.employer.name if p.employer_id else "", p.title, p.employer.area.name if p.employer_id else ""],
            audited=(Person, TalentMembership, Expert, Organization),
            url=lambda p: reverse("web:person_detail", args=[p.pk]),
            prepare=lambda qs: qs.select_related("employer", "employer__area"),
            order=30,
        )
    )


# --- the chains and their results ---------------------------------------------------------------------------


def chains(user):
    require_staff(user)
    return IndustryChain.objects.restrict(user).select_related("cluster").order_by("cluster__sort")


def chain_by_cluster(user, code: str) -> IndustryChain | None:
    return chains(user).filter(cluster__code=code).first()


def _with_links(queryset):
    """The chains with their current links read at once (`chain.current_links`)."""
    current = Prefetch("links", queryset=ChainLink.objects.filter(is_current=True).order_by("sort"), to_attr="current_links")
    return queryset.prefetch_related(current)


def chains_with_links(user):
    return _with_links(chains(user))


def current_links(chain: IndustryChain) -> list[ChainLink]:
    if hasattr(chain, "current_links"):
        return chain.current_links
    return list(chain.links.filter(is_current=True).order_by("sort"))


def spec_of(chain: IndustryChain, links: list[ChainLink]) -> ChainSpec:
    return ChainSpec(
        chain.cluster.code,
        chain.version,
        chain.source,
        {"zh": chain.example_zh, "en": chain.example_en},
        tuple(
            LinkSpec(
                link.code,
                link.stage,
                link.name_zh,
                link.name_en,
                tuple(link.key_technologies),
                tuple(link.industries),
                tuple(link.hitech_fields),
                tuple(link.keywords),
            )
            for link in links
        ),
    )


def rules_of(chain: IndustryChain) -> Rules:
    return parse_rules(chain.rules, f"{chain.cluster.code} rules")


def city_area_ids() -> set[int] | None:
    """The home city's areas (a partner city's organizations never sit on this city's chains); None: no city."""
    city = home_city()
    return Area.expand_ids([city.pk]) if city else None


def _compute_all() -> dict[str, ChainResult]:
    """Every chain's result over every record of every registered kind (unscoped: these are the counts)."""
    area_ids = city_area_ids()
    loaded = list(_with_links(IndustryChain.objects.select_related("cluster")))
    if not loaded:
        return {}
    records = [r for s in sources() for r in s.records(area_ids)]
    kinds = [s.kind for s in sources()]
    manual = list(ChainAttachment.objects.filter(link__is_current=True).values_list("link__chain_id", "link__code", "organization_id"))
    org_areas = dict(
        Organization.objects.filter(pk__in={m[2] for m in manual}).values_list("pk", "area__code")
    )  # an attached enterprise outside the city still has its area
    out = {}
    for chain in loaded:
        links = current_links(chain)
        mine = [(code, "enterprise", org) for chain_id, code, org in manual if chain_id == chain.pk]
        areas = {("enterprise", org): org_areas.get(org) for _, _, org in mine}
        out[chain.cluster.code] = attach(spec_of(chain, links), records, rules_of(chain), kinds=kinds, manual=mine, areas=areas)
    return out


def results() -> dict[str, ChainResult]:
    """Every chain's result, kept until a table it reads changes (heluo.core.figures)."""
    audited = {m for s in sources() for m in s.audited} | {ChainAttachment}
    return kept(
        ("market-chains", tuple(s.kind for s in sources())),
        _compute_all,
        audited=sorted(audited, key=lambda m: m._meta.label),
        reference=(IndustryChain, ChainLink, Cluster, Area),
    )


def result_for(user, chain: IndustryChain) -> ChainResult | None:
    require_staff(user)
    return results().get(chain.cluster.code)


def results_for(user) -> dict[str, ChainResult]:
    """Every chain's result by cluster code, for pages that show them all (one look at the kept figures)."""
    require_staff(user)
    return results()


# --- districts ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    code: str
    name: str
    on_map: bool
    members: frozenset[str]  # the area codes counted for it: itself, the areas below it, its retired predecessors


def districts() -> list[District]:
    """The city's districts and counties (on the map) and its functional zones (not on it), each with the codes of
    the areas whose records count for it."""
    city = home_city()
    if city is None:
        return []
    areas = list(
        Area.objects.filter(pk__in=Area.expand_ids([city.pk])).values(
            "pk", "code", "name_zh", "name_en", "kind", "parent_id", "valid_to", "successor_id", "sort"
        )
    )
    by_pk = {a["pk"]: a for a in areas}
    top = [a for a in areas if a["parent_id"] == city.pk and a["valid_to"] is None and a["kind"] != Area.Kind.CITY]
    members: dict[int, set[str]] = {a["pk"]: {a["code"]} for a in top}
    for a in areas:
        node, seen = a, set()
        while node is not None and node["pk"] not in members and node["pk"] not in seen:
            seen.add(node["pk"])
            nxt = node["successor_id"] if node["valid_to"] is not None and node["successor_id"] else node["parent_id"]
            node = by_pk.get(nxt)
        if node is not None and node["pk"] in members:
            members[node["pk"]].add(a["code"])
    top.sort(key=lambda a: (a["kind"] == Area.Kind.FUNCTIONAL_ZONE, a["sort"], a["code"]))
    return [
        District(
            a["code"], a["name_zh"] if is_chinese() else a["name_en"] or a["name_zh"], a["kind"] in MAP_KINDS, frozenset(members[a["pk"]])
        )
        for a in top
    ]


def district_area_codes(code: str) -> set[str] | None:
    """The area codes counted for a district chosen in a filter; None: no such district."""
    return next((set(d.members) for d in districts() if d.code == code), None)


# --- the records on a link, within the user's scope -----------------------------------------------------------


def visible_keys(user, src: RecordSource) -> set[int] | None:
    """The keys of the kind the user may see; None: all of them (the bureau)."""
    scope = scope_for(user)
    if src.model.scope_q(scope, VIEW) is None:
        return None
    return set(src.model.objects.restrict(user, VIEW).values_list("pk", flat=True))


def link_records(user, result: ChainResult, link_code: str, kind: str, *, areas: set[str] | None = None):
    """The attached records of a kind on a link that the user may see (and in `areas`, when given): a list of
    (attached, why) pairs in key order, the objects fetched by the caller a page at a time (`fetch`)."""
    require_staff(user)
    src = source(kind)
    link = result.links.get(link_code)
    if src is None or link is None:
        return []
    attached = [a for a in link.records.get(kind, ()) if areas is None or a.area in areas]
    visible = visible_keys(user, src)
    return attached if visible is None else [a for a in attached if a.key in visible]


def fetch(kind: str, attached: list) -> list[tuple[Any, tuple[str, ...]]]:
    """The objects of a page of attached records, in the page's order, with why each is attached."""
    src = source(kind)
    objects = src.prepare(src.model.objects.filter(pk__in=[a.key for a in attached])).in_bulk()
    return [(objects[a.key], a.why) for a in attached if a.key in objects]


def rule_labels(link: ChainLink) -> dict[str, list[str]]:
    """The link's attachment rules for people: "34 通用设备制造业", "8.4 先进制造工艺与装备", the keywords."""
    industries = {i.code: str(i) for i in Industry.objects.filter(level=Industry.Level.DIVISION, code__in=link.industries)}
    fields = {f.code: str(f) for f in HitechField.objects.filter(code__in=link.hitech_fields)}
    return {
        "industries": [industries.get(c, c) for c in link.industries],
        "hitech_fields": [fields.get(c, c) for c in link.hitech_fields],
        "keywords": list(link.keywords),
    }


def manual_attachments(user, link: ChainLink):
    require_staff(user)
    visible = Organization.objects.restrict(user, VIEW).values("pk")
    return ChainAttachment.objects.restrict(user).filter(link=link, organization__in=visible).select_related("organization", "created_by")


def enterprise_for_attachment(user, text: str) -> Organization | None:
    """The enterprise the bureau names to attach: by unified social credit code or exact name."""
    text = (text or "").strip()[:200]
    if not text:
        return None
    qs = Organization.objects.restrict(user, VIEW).filter(kind=OrganizationKind.ENTERPRISE)
    return qs.filter(uscc=text.upper()).first() or qs.filter(name=text).first()


def explain(why: Iterable[str]) -> str:
    """Why a record sits on a link, for people: 行业 34 · 领域 8.4 · 关键词 轴承 · 人工挂接."""
    names = {"industry": _("industry"), "field": _("high-tech field"), "keyword": _("keyword"), "manual": _("attached by hand")}
    out = []
    for w in why:
        kind, _sep, value = w.partition(":")
        out.append(f"{names.get(kind, kind)} {value}".strip())
    return " · ".join(out)


def district_counts(
    result: ChainResult, kind: str, link_code: str | None = None, among: list[District] | None = None
) -> tuple[list[tuple[District, int]], int]:
    """Distinct records of a kind on a link (or anywhere on the chain) per district, and how many sit outside every
    district (no area, or another city's)."""
    chosen = [result.links[link_code]] if link_code else list(result.links.values())
    where: dict[int, str | None] = {}
    for link in chosen:
        for a in link.records.get(kind, ()):
            where[a.key] = a.area
    by_area: dict[str | None, int] = {}
    for area in where.values():
        by_area[area] = by_area.get(area, 0) + 1
    rows = [(d, sum(by_area.get(c, 0) for c in d.members)) for d in (districts() if among is None else among)]
    return rows, len(where) - sum(n for _, n in rows)


def counts_within(result: ChainResult, areas: set[str] | None) -> dict[str, dict[str, int]]:
    """Each link's counts by kind, of the records in `areas` only (None: the whole city)."""
    return within(result, areas)


def distinct_count(result: ChainResult, kind: str, areas: set[str] | None = None) -> int:
    """Records of a kind anywhere on the chain, each once."""
    return len({a.key for link in result.links.values() for a in link.records.get(kind, ()) if areas is None or a.area in areas})
