"""The plan's project indicators computed from the platform's own records: 实施重大科技创新专项 (G26) and “揭榜挂帅”
攻关项目 (G27) are the projects of a programme type made since the plan period began — a funded application's or an
awarded challenge bid's, on the day of the decision —, counted by the area of the organization that holds the project. Registered in the plan's computations by the app (the plan does not import projects)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from heluo.geo.models import Area

from ..models import Project


def _counts(params: dict, year: int) -> dict[int, int]:
    """Projects of the programme made from `since` to the end of `year`, by the area of their organization."""
    since = dt.date.fromisoformat(str(params.get("since", "2021-01-01")))
    rows = (
        Project.objects.filter(programme=params["programme"], created__date__gte=since, created__date__lte=dt.date(year, 12, 31))
        .order_by()
        .values_list("applicant__area_id", flat=True)
    )
    counts: dict[int, int] = {}
    for area_id in rows:
        counts[area_id] = counts.get(area_id, 0) + 1
    return counts


def funded_by_area(indicator, params: dict, year: int, areas: list[Area]) -> dict[int, Decimal]:
    counts, below = _counts(params, year), Area.below_each(areas)
    return {area.pk: Decimal(sum(n for pk, n in counts.items() if pk in below[area.pk])) for area in areas}


def funded(indicator, params: dict, year: int, area: Area) -> Decimal:
    return funded_by_area(indicator, params, year, [area])[area.pk]
