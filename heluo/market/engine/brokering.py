"""Brokering (对接), pure: the workflow and the kinds declared in data/brokering.json, and the outcome figures of a
set of brokering records (an event's, a district's, a period's). No Django: the services, the pages, the API and the
tests use it directly."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from heluo.core.workflow import Workflow, parse

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "brokering.json"

# The parties a transition names in the data file.
DEMAND, SUPPLY, BROKER, DISTRICT, BUREAU = "demand", "supply", "broker", "district", "bureau"
SIGNED, CLOSED = "signed", "closed"


@cache
def config() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@cache
def workflow() -> Workflow:
    return parse(config()["workflow"])


def _kinds(key: str) -> dict[str, tuple[str, str]]:
    return {k["code"]: (k["zh"], k["en"]) for k in config()[key]}


def step_kinds() -> dict[str, tuple[str, str]]:
    return _kinds("step_kinds")


def event_kinds() -> dict[str, tuple[str, str]]:
    return _kinds("event_kinds")


def participant_roles() -> dict[str, tuple[str, str]]:
    return _kinds("participant_roles")


def limit(name: str) -> int:
    return int(config()["limits"][name])


@dataclass(frozen=True)
class Outcome:
    """What a set of brokering records came to: how many in each state, how many signed, the signed contracts'
    technical transaction amount (registered contracts only: a contract still under review is not yet a figure)."""

    total: int
    by_state: dict[str, int]
    signed: int
    contracts: int
    transaction_amount: Decimal

    @property
    def signed_share(self) -> float | None:
        """Signed among those that ended (signed or closed); None while none has ended."""
        ended = self.signed + self.by_state.get(CLOSED, 0)
        return None if not ended else self.signed / ended


def outcome(states: Iterable[str], contracts: Iterable[tuple[int, Decimal | None]]) -> Outcome:
    """states: each record's state; contracts: (contract id, its registered transaction amount or None) of the signed
    records — a contract linked from two records counts once."""
    by_state = Counter(states)
    amounts: dict[int, Decimal] = {}
    for contract_id, amount in contracts:
        if contract_id is not None:
            amounts[contract_id] = amount or Decimal(0)
    return Outcome(sum(by_state.values()), dict(by_state), by_state.get(SIGNED, 0), len(amounts), sum(amounts.values(), Decimal(0)))
