"""Technology demands (技术需求), pure: the workflow declared as data (states, transitions, the roles that may take
each) and a demand campaign's breakdown by district against its targets. No Django: the services, the pages, the
API and the tests use it directly."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "demands.json"

# The parties a transition names in the data file.
ENTERPRISE, DISTRICT, BUREAU = "enterprise", "district", "bureau"
PARTIES = (ENTERPRISE, DISTRICT, BUREAU)


class WorkflowError(ValueError):
    """The data file declares an impossible workflow."""


@dataclass(frozen=True)
class State:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Transition:
    action: str
    zh: str
    en: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    reason_required: bool = False


@dataclass(frozen=True)
class Workflow:
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    initial: str

    def state(self, code: str) -> State:
        return next((s for s in self.states if s.code == code), State(code, code, code))

    def transition(self, action: str) -> Transition | None:
        return next((t for t in self.transitions if t.action == action), None)

    def available(self, status: str, roles) -> list[Transition]:
        """The transitions from `status` that one of `roles` may take, in the file's order."""
        roles = frozenset(roles)
        return [t for t in self.transitions if status in t.sources and t.roles & roles]


def parse_workflow(data: dict) -> Workflow:
    states = tuple(State(s["code"], s["zh"], s["en"]) for s in data["states"])
    codes = {s.code for s in states}
    initial = [s["code"] for s in data["states"] if s.get("initial")]
    if len(initial) != 1:
        raise WorkflowError("the workflow needs exactly one initial state")
    transitions = []
    for t in data["transitions"]:
        sources, roles = frozenset(t["from"]), frozenset(t["roles"])
        if not sources <= codes or t["to"] not in codes:
            raise WorkflowError(f"transition {t['action']!r} names an unknown state")
        if not roles or not roles <= set(PARTIES):
            raise WorkflowError(f"transition {t['action']!r} names an unknown role")
        transitions.append(Transition(t["action"], t["zh"], t["en"], sources, t["to"], roles, bool(t.get("reason_required"))))
    if len({t.action for t in transitions}) != len(transitions):
        raise WorkflowError("two transitions share an action name")
    return Workflow(states, tuple(transitions), initial[0])


@cache
def config() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@cache
def workflow() -> Workflow:
    return parse_workflow(config()["workflow"])


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
