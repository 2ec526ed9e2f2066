"""Technology demands (技术需求), pure: the workflow's data (read by heluo.core.workflow) and a demand campaign's breakdown by district against its targets. No Django: the services, the pages, the
API and the tests use it directly."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from heluo.core.workflow import Workflow, parse

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "demands.json"

# The parties a transition names in the data file.
ENTERPRISE, DISTRICT, BUREAU = "enterprise", "district", "bureau"
PARTIES = (ENTERPRISE, DISTRICT, BUREAU)


@cache
def config() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@cache
def workflow() -> Workflow:
    """The demands' workflow (the same steps as the achievements'), declared in the data file, on the one engine."""
    return parse(config()["workflow"])


def cooperation_modes() -> list[dict]:
    return config()["cooperation_modes"]


def deadline_max_years() -> int:
    return int(config()["deadline"]["max_years_ahead"])


def max_target() -> int:
    return int(config()["campaign"]["max_target"])


def budget_max() -> Decimal:
    return Decimal(config()["budget"]["max"])


# --- a campaign's breakdown ------------------------------------------------------------------------------


@dataclass
class DistrictRow:
    district_id: int
    by_status: dict[str, int]
    target: int | None

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def progress(self) -> float | None:
        """The share of the target collected (1.0 = met); None without a target."""
        return None if not self.target else self.total / self.target


def breakdown(counts, district_of: dict[int, int | None], targets: dict[int, int], districts) -> list[DistrictRow]:
    """counts: (area id, status, n) of the campaign's demands (the enterprise's area); district_of: area id → its
    district's id (None: outside every district); targets: district id → target; districts: the district ids to
    show, in order (those with neither a target nor a demand are left out)."""
    rows = {d: DistrictRow(d, {}, targets.get(d)) for d in districts}
    for area_id, status, n in counts:
        row = rows.get(district_of.get(area_id))
        if row is not None:
            row.by_status[status] = row.by_status.get(status, 0) + n
    return [r for r in rows.values() if r.total or r.target]
