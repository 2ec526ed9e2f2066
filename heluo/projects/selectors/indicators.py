"""The plan's project indicators computed from the platform's own records: 实施重大科技创新专项 (G26) and “揭榜挂帅”
攻关项目 (G27) are the funded applications of a programme type decided since the plan period began, counted by the
applicant's area. Registered in the plan's computations by the app (the plan does not import projects)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from heluo.geo.models import Area

from ..models import Application, ApplicationStatus

FUNDED = (ApplicationStatus.FUNDED,)


def _counts(params: dict, year: int) -> dict[int, int]:
    """Funded applications of the programme decided from `since` to the end of `year`, by the applicant's area."""
    since = dt.date.fromisoformat(str(params.get("since", "2021-01-01")))
    rows = (
        Application.objects.filter(status__in=FUNDED, call__programme=params["programme"])
        .filter(decided_at__date__gte=since, decided_at__date__lte=dt.date(year, 12, 31))
        .order_by()
        .values_list("applicant__area_id", flat=True)
    )
    counts: dict[int, int] = {}
    for area_id in rows:
        counts[area_id] = counts.get(area_id, 0) + 1
    return counts


def funded_by_area(indicator, params: dict, year: int, areas: list[Area]) -> dict[int, Decimal]:
    counts = _counts(params, year)
    parent = dict(Area.objects.order_by().values_list("pk", "parent_id"))
    out = {}
    for area in areas:
        total = 0
        for pk, n in counts.items():
            node, seen = pk, set()
            while node is not None and node not in seen:
                if node == area.pk:
                    total += n
                    break
                seen.add(node)
                node = parent.get(node)
        out[area.pk] = Decimal(total)
    return out


def funded(indicator, params: dict, year: int, area: Area) -> Decimal:
    return funded_by_area(indicator, params, year, [area])[area.pk]
