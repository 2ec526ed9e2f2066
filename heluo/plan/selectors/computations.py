"""Indicators computed from the platform's own records (qualifications, platforms, clusters) at 31 December of a year."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Q, Subquery

from heluo.core.figures import kept
from heluo.geo.models import Area

from ..models import Indicator

CENT = Decimal("0.01")


class NotComputable(Exception):
    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class Computation:
    key: str
    label_zh: str
    label_en: str
    function: Callable
    by_area: Callable | None = None  # (indicator, params, year, areas) -> {area id: value}, for the map and the districts
    tables: tuple = ()  # the audited models it reads (kept figures are computed again when they change)
    records_url: Callable | None = None  # (indicator, year, area) -> the list page of the records it counts


COMPUTATIONS: dict[str, Computation] = {}


def computation(key: str, zh: str, en: str):
    def register(function):
        COMPUTATIONS[key] = Computation(key, zh, en, function)
        return function

    return register


def register_computation(key: str, zh: str, en: str, function: Callable, *, by_area=None, tables=(), records_url=None) -> None:
    """A computation over another programme app's records, registered by that app when it is ready (its
    AppConfig.ready): the plan reads them through the registry, it does not import the app."""
    COMPUTATIONS[key] = Computation(key, zh, en, function, by_area, tuple(tables), records_url)


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def _area_ids(area) -> set[int]:
    """The area and every area below it, read once for each Area object (a page computes many indicators for one)."""
    return area.ids_below()


class AreaTree:
    """Area → the area and every area below it, from one query."""

    def __init__(self):
        self.children = defaultdict(list)
        for pk, parent in Area.objects.order_by().values_list("pk", "parent_id"):
            self.children[parent].append(pk)

    def expand(self, pk) -> set[int]:
        out, todo = {pk}, [pk]
        while todo:
            for child in self.children.get(todo.pop(), ()):
                if child not in out:
                    out.add(child)
                    todo.append(child)
        return out


def _count(value: int) -> Decimal:
    return Decimal(value)


def percent_of(part: int, whole: int) -> Decimal:
    return (Decimal(100) * part / whole).quantize(CENT, rounding=ROUND_HALF_UP)


@computation("qualifications_valid", "年末持有有效资质的机构数", "organizations holding a valid qualification on 31 December")
def _qualifications_valid(indicator, params, year, area) -> Decimal:
    from heluo.orgs.models import Qualification

    day = year_end(year)
    qs = Qualification.objects.filter(Qualification.valid_on_q(day), kind__in=params["kinds"], organization__area_id__in=_area_ids(area))
    return _count(qs.values("organization_id").distinct().count())


@computation(
    "tech_sme_registered", "当年入库且年末未移出的科技型中小企业数", "tech SMEs registered for the year and not removed by 31 December"
)
def _tech_sme_registered(indicator, params, year, area) -> Decimal:
    from heluo.orgs.models import Qualification, QualificationKind

    qs = Qualification.objects.filter(kind=QualificationKind.TECH_SME, year=year, organization__area_id__in=_area_ids(area)).exclude(
        revoked_on__lte=year_end(year)
    )
    return _count(qs.values("organization_id").distinct().count())


def approved_platforms(day: dt.date, kinds=None, levels=None, area_ids=None):
    """Platforms whose status on `day` is approved: the latest status change on or before that day; a platform
    without any recorded change counts by its current status and the date it took it."""
    from heluo.platforms.models import Platform, PlatformStatus, PlatformStatusChange

    latest = PlatformStatusChange.objects.filter(platform=OuterRef("pk"), date__lte=day).order_by("-date", "-pk").values("status")[:1]
    any_change = PlatformStatusChange.objects.filter(platform=OuterRef("pk"))
    qs = Platform.objects.all()
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if levels:
        qs = qs.filter(level__in=levels)
    if area_ids is not None:
        qs = qs.filter(area_id__in=area_ids)
    return qs.annotate(status_then=Subquery(latest), has_history=Exists(any_change)).filter(
        Q(status_then=PlatformStatus.APPROVED) | Q(has_history=False, status=PlatformStatus.APPROVED, status_since__lte=day)
    )


@computation("platforms_approved", "年末处于认定状态的平台数", "platforms in approved status on 31 December")
def _platforms_approved(indicator, params, year, area) -> Decimal:
    qs = approved_platforms(year_end(year), params.get("kinds"), params.get("levels"), _area_ids(area))
    return _count(qs.count())


def _coverage_units(area, params, day):
    """The areas that should be covered: the current counties/districts (or the kinds given) under the city,
    optionally of some planning zones; a single district covers itself."""
    if area.kind not in (Area.Kind.CITY, Area.Kind.PROVINCE):
        return [area]
    kinds = params.get("area_kinds") or [Area.Kind.DISTRICT, Area.Kind.COUNTY, Area.Kind.COUNTY_CITY]
    qs = (
        Area.objects.filter(parent=area, kind__in=kinds)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
    )
    if params.get("zones"):
        qs = qs.filter(planning_zone__code__in=params["zones"])
    return list(qs)


@computation(
    "area_coverage", "年末有相应主体或平台的县区占比", "share of areas with at least one such organization or platform on 31 December"
)
def _area_coverage(indicator, params, year, area) -> Decimal:
    from heluo.orgs.models import Qualification

    day = year_end(year)
    units = _coverage_units(area, params, day)
    if not units:
        raise NotComputable("没有需要覆盖的区划", "no areas to cover")
    if params.get("source") == "qualifications":
        present = set(
            Qualification.objects.filter(Qualification.valid_on_q(day), kind__in=params["kinds"])
            .order_by()
            .values_list("organization__area_id", flat=True)
            .distinct()
        )
    else:
        platforms = approved_platforms(day, params.get("kinds"), params.get("levels")).order_by()  # DISTINCT without the name
        present = set(platforms.values_list("area_id", flat=True).distinct())
    tree = AreaTree()
    covered = sum(1 for unit in units if tree.expand(unit.pk) & present)
    return percent_of(covered, len(units))


@computation(
    "cluster_coverage", "年末有相应平台的重点产业集群占比", "share of the plan's industry clusters with such a platform on 31 December"
)
def _cluster_coverage(indicator, params, year, area) -> Decimal:
    from heluo.taxonomy.models import Cluster

    clusters = set(Cluster.objects.filter(city=indicator.plan.city, kind=Cluster.Kind.CLUSTER).values_list("pk", flat=True))
    if not clusters:
        raise NotComputable("该城市没有产业集群参考数据", "the city has no industry clusters in its reference data")
    served = set(
        approved_platforms(year_end(year), params.get("kinds"), params.get("levels"), _area_ids(area))
        .exclude(cluster__isnull=True)
        .order_by()
        .values_list("cluster_id", flat=True)
        .distinct()
    )
    return percent_of(len(served & clusters), len(clusters))


def compute_indicator(indicator: Indicator, year: int, area=None) -> Decimal:
    """Recompute an indicator for a year (at 31 December) from the platform's records, for the city or an area.
    Raises NotComputable when the indicator has no computation or its records do not exist yet."""
    if not indicator.computation:
        raise NotComputable("该指标为统计报送指标，不能由平台记录计算", "a reported statistic: it cannot be computed from records")
    spec = COMPUTATIONS.get(indicator.computation)
    if spec is None:
        raise NotComputable(f"未知的计算方法“{indicator.computation}”", f"unknown computation {indicator.computation!r}")
    return spec.function(indicator, indicator.computation_params or {}, year, area or indicator.plan.city)


def computed_series(indicator, years, area=None) -> list[tuple[int, Decimal]]:
    return [(y, compute_indicator(indicator, y, area)) for y in years]


def record_tables() -> dict:
    """The tables the computations count (heluo.core.figures keeps computed values until one of them changes)."""
    from heluo.orgs.models import Organization, Qualification
    from heluo.platforms.models import Platform, PlatformStatusChange
    from heluo.taxonomy.models import Cluster

    registered = tuple(model for spec in COMPUTATIONS.values() for model in spec.tables)
    return {"audited": (Organization, Qualification, Platform, PlatformStatusChange, *registered), "reference": (Area, Cluster)}


def computation_key(indicator: Indicator) -> tuple:
    """What a computed value depends on besides the records: the computation, its parameters and the plan's city."""
    return (indicator.computation, json.dumps(indicator.computation_params or {}, sort_keys=True), indicator.plan_id)


class Computed:
    """compute_indicator for many (indicator, year) pairs of one area, kept until the records change: a city's
    counts read some hundred thousand rows, and a page shows the same figures to everyone. `value(indicator, year)`
    answers the value or raises NotComputable, as compute_indicator does."""

    def __init__(self, pairs, area):
        self.area = area
        pairs = sorted({(i.pk, y): (i, y) for i, y in pairs}.items())
        key = ("plan:computed", area.pk, tuple((pk, y, computation_key(i)) for (pk, y), (i, _y) in pairs))
        self.values = kept(key, lambda: dict(self._compute(i, y, area) for _key, (i, y) in pairs), **record_tables())

    @staticmethod
    def _compute(indicator, year, area):
        try:
            return (indicator.pk, year), compute_indicator(indicator, year, area)
        except NotComputable as exc:
            return (indicator.pk, year), (exc.zh, exc.en)  # kept as text: the exception is raised again on reading

    def value(self, indicator, year) -> Decimal:
        found = self.values.get((indicator.pk, year))
        if found is None:
            return compute_indicator(indicator, year, self.area)  # not asked for in advance
        if isinstance(found, tuple):
            raise NotComputable(*found)
        return found

    def series(self, indicator, years) -> list[tuple[int, Decimal]]:
        return [(y, self.value(indicator, y)) for y in years]
