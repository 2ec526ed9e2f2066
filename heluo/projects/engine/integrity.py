"""Research integrity (科研诚信, pure): is a person or an organization debarred from an action on a date, and why.

A record debars its subject for its period (both days included; no end: until lifted) in its scope:
``applications`` (applying for and holding projects: action ``apply``), ``expert_duties`` (reviewing,
inspecting, accepting: action ``review``) or ``both``. The explanation names the finding, the sanction,
the period and the record's source, in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from heluo.projects.engine.rules import RuleError, review_rules

PERSON, ORGANIZATION = "person", "organization"
ACTIONS = {"apply": ("applications", "both"), "review": ("expert_duties", "both")}
SUBJECTS = {PERSON: ("人员", "person"), ORGANIZATION: ("单位", "organization")}


@dataclass(frozen=True)
class IntegrityRecord:
    id: str
    subject_kind: str
    subject_id: str
    finding: str
    sanction: str
    start: dt.date
    end: dt.date | None
    scope: str
    source: str


@dataclass(frozen=True)
class Debarment:
    debarred: bool
    records: tuple[IntegrityRecord, ...]
    zh: str
    en: str


def check_record(r: IntegrityRecord, scopes: Mapping[str, tuple[str, str]] | None = None) -> None:
    scopes = review_rules().integrity_scopes if scopes is None else scopes
    if r.subject_kind not in SUBJECTS:
        raise RuleError(
            f"诚信记录 {r.id} 的对象应为人员或单位",
            f"integrity record {r.id}: the subject must be a person or an organization",
            "subject_kind",
        )
    if r.scope not in scopes:
        raise RuleError(f"诚信记录 {r.id} 的限制范围“{r.scope}”未知", f"integrity record {r.id}: unknown scope {r.scope!r}", "scope")
    if r.end is not None and r.end < r.start:
        raise RuleError(f"诚信记录 {r.id} 的结束日期早于开始日期", f"integrity record {r.id} ends before it starts", "end")
    if not r.source.strip():
        raise RuleError(f"诚信记录 {r.id} 须注明来源", f"integrity record {r.id} needs its source", "source")


def in_force(r: IntegrityRecord, on: dt.date) -> bool:
    return r.start <= on and (r.end is None or on <= r.end)


def debarment(
    records: Iterable[IntegrityRecord],
    subject_kind: str,
    subject_id: str,
    action: str,
    on: dt.date,
    scopes: Mapping[str, tuple[str, str]] | None = None,
) -> Debarment:
    """Whether the subject is debarred from `action` ("apply" or "review") on `on`, with every record that says so."""
    if action not in ACTIONS:
        raise RuleError(f"未知的行为 {action}", f"unknown action {action!r}", "action")
    scopes = review_rules().integrity_scopes if scopes is None else scopes
    hits = []
    for r in records:
        check_record(r, scopes)
        if r.subject_kind == subject_kind and r.subject_id == subject_id and r.scope in ACTIONS[action] and in_force(r, on):
            hits.append(r)
    hits.sort(key=lambda r: (r.start, r.id))
    who_zh, who_en = SUBJECTS.get(subject_kind, (subject_kind, subject_kind))
    if not hits:
        return Debarment(
            False, (), f"{who_zh} {subject_id} 于 {on} 无有效的限制记录", f"No integrity sanction bars {who_en} {subject_id} on {on}"
        )
    zh, en = [], []
    for r in hits:
        scope_zh, scope_en = scopes[r.scope]
        until_zh, until_en = (f"至{r.end}", f"to {r.end}") if r.end else ("起，未设期限", "onwards, without an end")
        zh.append(
            f"{who_zh} {subject_id} 因“{r.finding}”受到“{r.sanction}”处理，{r.start}{until_zh}限制{scope_zh}（记录 {r.id}，来源：{r.source}）"
        )
        en.append(
            f"{who_en.capitalize()} {subject_id}: “{r.finding}”, sanctioned with “{r.sanction}”, barred from {scope_en.lower()} from {r.start} {until_en} (record {r.id}, source: {r.source})"
        )
    return Debarment(True, tuple(hits), "；".join(zh), "; ".join(en))


def application_debarment(records: Iterable[IntegrityRecord], organization_id: str, pi_id: str, on: dt.date) -> Debarment:
    """An application is barred when its organization or its PI is debarred from applying."""
    records = list(records)
    parts = [debarment(records, ORGANIZATION, organization_id, "apply", on), debarment(records, PERSON, pi_id, "apply", on)]
    barred = [d for d in parts if d.debarred]
    if not barred:
        return Debarment(False, (), "申报单位和项目负责人均无有效的限制记录", "Neither the organization nor the PI is debarred")
    return Debarment(True, tuple(r for d in barred for r in d.records), "；".join(d.zh for d in barred), "; ".join(d.en for d in barred))


def debarred_subjects(records: Iterable[IntegrityRecord], action: str, on: dt.date) -> set[tuple[str, str]]:
    """Every (subject kind, subject id) debarred from `action` on `on`: to leave experts out of a whole call at once."""
    if action not in ACTIONS:
        raise RuleError(f"未知的行为 {action}", f"unknown action {action!r}", "action")
    scopes, out = review_rules().integrity_scopes, set()
    for r in records:
        check_record(r, scopes)
        if r.scope in ACTIONS[action] and in_force(r, on):
            out.add((r.subject_kind, r.subject_id))
    return out
