"""三个全覆盖: the key industry clusters × (中试基地, 产业研究院), covered or not on 31 December of a year, and by
which platforms — the same rule as the plan's indicator G18 (a platform approved on that day, of the kind, in the
cluster), read from the platforms' status history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, Subquery

from heluo.platforms.models import Platform, PlatformKind, PlatformStatus, PlatformStatusChange
from heluo.taxonomy.models import Cluster

KINDS = (PlatformKind.PILOT_BASE, PlatformKind.INDUSTRY_RESEARCH_INSTITUTE)


@dataclass(frozen=True)
class Row:
    cluster: Cluster
    platforms: dict[str, list[Platform]]  # kind → the approved platforms serving the cluster

    @property
    def covered(self) -> bool:
        return any(self.platforms.values())


def approved_on(day: dt.date):
    """Platforms approved on `day`: their latest status change by then, or (without history) their status."""
    latest = PlatformStatusChange.objects.filter(platform=OuterRef("pk"), date__lte=day).order_by("-date", "-pk").values("status")[:1]
    history = PlatformStatusChange.objects.filter(platform=OuterRef("pk"))
    return Platform.objects.annotate(then=Subquery(latest), has_history=Exists(history)).filter(
        Q(then=PlatformStatus.APPROVED) | Q(has_history=False, status=PlatformStatus.APPROVED, status_since__lte=day)
    )


def coverage(year: int, city=None) -> list[Row]:
    clusters = Cluster.objects.filter(kind=Cluster.Kind.CLUSTER)
    if city is not None:
        clusters = clusters.filter(city=city)
    platforms = approved_on(dt.date(year, 12, 31)).filter(kind__in=KINDS, cluster__isnull=False).order_by("name")
    by_cluster: dict[int, dict[str, list[Platform]]] = {}
    for p in platforms:
        by_cluster.setdefault(p.cluster_id, {}).setdefault(p.kind, []).append(p)
    return [Row(c, {k: by_cluster.get(c.pk, {}).get(k, []) for k in KINDS}) for c in clusters.order_by("sort", "code")]


def share(rows: list[Row]) -> float | None:
    return round(100 * sum(r.covered for r in rows) / len(rows), 1) if rows else None
