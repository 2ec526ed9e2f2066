"""Workflows declared as data (Hypha's way): a record's states, the transitions between them and the parties that
may take each, read from a JSON file a domain ships in its data/ folder. Pure: no Django. The domain's service
decides which parties a user is for a record, asks `check`, and records the transition as an event.

The file:
    {"name": …, "version": …, "title_zh": …, "title_en": …, "source": "the rule or regulation it follows",
     "parties": {"owner": ["所属单位", "the owner"], …},
     "states": {"draft": ["草稿", "draft"], …},
     "initial": "draft",
     "transitions": {"submit": {"label": ["提交", "submit"], "from": ["draft"], "to": "submitted", "by": ["owner"],
                                "reason_required": false}, …}}
A transition's other keys are the domain's own, kept in `extra`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path


class WorkflowError(ValueError):
    """The file declares an impossible workflow."""


@dataclass(frozen=True)
class Transition:
    name: str
    label: tuple[str, str]  # (zh, en)
    sources: frozenset[str]
    target: str
    parties: frozenset[str]
    reason_required: bool = False
    extra: dict = field(default_factory=dict, compare=False)  # a domain's own keys (e.g. "assigns_number": true)


@dataclass(frozen=True)
class Denial:
    code: str  # unknown_transition, wrong_state, not_allowed, reason_required
    zh: str
    en: str


@dataclass(frozen=True)
class Workflow:
    name: str
    version: str
    title: tuple[str, str]
    source: str
    parties: dict[str, tuple[str, str]]
    states: dict[str, tuple[str, str]]
    initial: str
    transitions: dict[str, Transition]

    def state_label(self, code: str) -> tuple[str, str]:
        return self.states.get(code, (code, code))

    def available(self, state: str, parties) -> list[Transition]:
        """The transitions one of `parties` may take from `state` (a reason aside), in the file's order."""
        parties = set(parties)
        return [t for t in self.transitions.values() if state in t.sources and t.parties & parties]

    def check(self, state: str, name: str, parties, reason: str = "") -> Denial | None:
        """None if one of `parties` may take transition `name` from `state` (with a reason where one is needed);
        otherwise why not, in both languages: a party that may never take it is told so whatever the state."""
        t = self.transitions.get(name)
        if t is None:
            return Denial("unknown_transition", f"未知的操作“{name}”", f"Unknown action '{name}'.")
        if not t.parties & set(parties):
            who = [self.parties[p] for p in sorted(t.parties)]
            return Denial(
                "not_allowed",
                f"只有{'、'.join(w[0] for w in who)}可以{t.label[0]}",
                f"Only {', '.join(w[1] for w in who)} may {t.label[1]}.",
            )
        if state not in t.sources:
            zh, en = self.state_label(state)
            return Denial("wrong_state", f"当前状态为“{zh}”，不能{t.label[0]}", f"It is {en}; it cannot {t.label[1]}.")
        if t.reason_required and not (reason or "").strip():
            return Denial("reason_required", f"{t.label[0]}须填写理由", f"A reason is required to {t.label[1]}.")
        return None


def parse(doc: dict) -> Workflow:
    """The declaration, checked: every state and party a transition names is declared."""
    try:
        states = {code: _pair(names) for code, names in doc["states"].items()}
        parties = {code: _pair(names) for code, names in doc["parties"].items()}
        if doc["initial"] not in states:
            raise WorkflowError(f"unknown initial state {doc['initial']!r}")
        transitions = {}
        for name, t in doc["transitions"].items():
            unknown = ({*t["from"], t["to"]} - states.keys()) | (set(t["by"]) - parties.keys())
            if unknown or not t["by"]:
                raise WorkflowError(f"transition {name!r} names unknown or no states or parties: {sorted(unknown)}")
            extra = {k: v for k, v in t.items() if k not in ("label", "from", "to", "by", "reason_required")}
            transitions[name] = Transition(
                name, _pair(t["label"]), frozenset(t["from"]), t["to"], frozenset(t["by"]), bool(t.get("reason_required")), extra
            )
        return Workflow(
            doc["name"],
            str(doc["version"]),
            (doc["title_zh"], doc["title_en"]),
            doc.get("source", ""),
            parties,
            states,
            doc["initial"],
            transitions,
        )
    except WorkflowError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise WorkflowError(f"not a workflow declaration: {exc!r}") from None


def _pair(names) -> tuple[str, str]:
    zh, en = names
    return str(zh), str(en)


@cache
def load(path: Path | str) -> Workflow:
    """The workflow declared in a JSON file, read once per process."""
    return parse(json.loads(Path(path).read_text(encoding="utf-8")))
