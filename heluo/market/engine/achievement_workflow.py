"""The achievements' workflow (科技成果 登记 → 审核 → 发布 → 撤回), declared as data (data/achievement-workflow.json):
its states, its transitions and which parties may take each. This module reads and checks the declaration and
answers whether a party may take a transition from a state, with the reason when it may not. No Django."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

PATH = Path(__file__).resolve().parent.parent / "data" / "achievement-workflow.json"
PARTIES = ("owner", "district", "bureau")


@dataclass(frozen=True)
class Transition:
    name: str
    label: tuple[str, str]  # (zh, en)
    sources: frozenset[str]
    target: str
    parties: frozenset[str]
    reason_required: bool = False


@dataclass(frozen=True)
class Workflow:
    version: str
    states: dict[str, tuple[str, str]]  # code → (zh, en)
    initial: str
    transitions: dict[str, Transition]
    parties: dict[str, tuple[str, str]]


@dataclass(frozen=True)
class Denial:
    code: str
    zh: str
    en: str


def parse(doc: dict) -> Workflow:
    """The declaration, checked: every state a transition names is declared, every party is known."""
    states = {code: tuple(names) for code, names in doc["states"].items()}
    parties = {code: tuple(names) for code, names in doc["parties"].items()}
    if doc["initial"] not in states:
        raise ValueError(f"unknown initial state {doc['initial']!r}")
    transitions = {}
    for name, t in doc["transitions"].items():
        unknown = ({*t["from"], t["to"]} - set(states)) or (set(t["by"]) - set(PARTIES)) or (set(t["by"]) - set(parties))
        if unknown:
            raise ValueError(f"transition {name!r} names unknown states or parties: {sorted(unknown)}")
        transitions[name] = Transition(
            name, tuple(t["label"]), frozenset(t["from"]), t["to"], frozenset(t["by"]), bool(t.get("reason_required"))
        )
    return Workflow(doc["version"], states, doc["initial"], transitions, parties)


_loaded: Workflow | None = None


def workflow() -> Workflow:
    global _loaded
    if _loaded is None:
        _loaded = parse(json.loads(PATH.read_text(encoding="utf-8")))
    return _loaded


def check(flow: Workflow, state: str, name: str, parties: frozenset[str] | set[str], reason: str = "") -> Denial | None:
    """None if one of `parties` may take transition `name` from `state` (with `reason` where one is required);
    otherwise why not."""
    t = flow.transitions.get(name)
    if t is None:
        return Denial("unknown_transition", f"未知的操作“{name}”", f"Unknown action '{name}'.")
    if state not in t.sources:
        zh, en = flow.states.get(state, (state, state))
        return Denial("wrong_state", f"成果当前状态为“{zh}”，不能{t.label[0]}", f"The achievement is {en}; it cannot {t.label[1]}.")
    if not (t.parties & set(parties)):
        who_zh = "、".join(flow.parties[p][0] for p in sorted(t.parties))
        who_en = ", ".join(flow.parties[p][1] for p in sorted(t.parties))
        return Denial("not_allowed", f"只有{who_zh}可以{t.label[0]}", f"Only {who_en} may {t.label[1]}.")
    if t.reason_required and not (reason or "").strip():
        return Denial("reason_required", f"{t.label[0]}须填写理由", f"A reason is required to {t.label[1]}.")
    return None


def available(flow: Workflow, state: str, parties: frozenset[str] | set[str]) -> list[str]:
    """The transitions one of `parties` may take from `state` (a reason aside), in declaration order."""
    return [n for n, t in flow.transitions.items() if state in t.sources and t.parties & set(parties)]
