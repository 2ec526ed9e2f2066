"""Risk flags: the detectors (engine.risk) run over the stored data, their findings recorded as flags for the
bureau's review, explained, and cleared or reopened only with a reason.

scan() semantics. Each finding has a stable key (what it is about: the pair in a programme, the first contract
of a group, the evidence hash, the voucher and the check …) and a fingerprint of its *material* facts: related_party —
the matched fields and values; split_contract — the vouchers of the group and the cap; recurring_pair — the
vouchers; evidence_reused — the redemptions; just_under — the amount and the threshold. Re-scanning:

* a new key creates an open flag;
* an open flag with the same key is updated only if its explanation or details changed (no write otherwise);
* a cleared flag stays cleared while the fingerprint is unchanged; if the material facts changed (another
  voucher joined the group, another field matches, the amount or the cap changed) it is reopened, and the
  earlier clearance is kept in details["history"] (and in the change log);
* an open flag whose finding is no longer found is never deleted or cleared automatically: it gets
  details["no_longer_found_at"] for the reviewer, removed again if the finding comes back.

A scan of one programme runs the detectors over all stored data (cross-programme checks need it) and keeps the
findings that involve that programme.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from heluo.core.permissions import SYSTEM

from ..engine.risk import Finding, Rules, detect_all, load_rules
from ..models import RiskFlag, RiskStatus
from ..selectors.risk import area_prefixes, organization_rows, programme_id_of, redemption_rows, voucher_rows
from .common import Refused, actor, bureau_only

RELATED_PARTIES_SETTING = "HELUO_VOUCHER_RELATED_PARTIES"


def no_related_parties(org_ids) -> dict:
    """The default related-party source: the registry holds no shareholders, so there is nothing to return."""
    return {}


def related_party_source() -> Callable[[Sequence[int]], Mapping[int, Sequence]]:
    path = getattr(settings, RELATED_PARTIES_SETTING, None)
    return import_string(path) if path else no_related_parties


def _who(user) -> str:
    who = actor(user)
    return who.username if who else "system"


def findings(programme=None, *, rules: Rules | None = None, related_parties: Callable | None = None) -> list[Finding]:
    """Run every detector over the stored data; with a programme, keep the findings that involve it."""
    rules = rules or load_rules()
    vouchers, reds = voucher_rows(), redemption_rows()
    org_ids = {v["enterprise_id"] for v in vouchers} | {v["provider_org_id"] for v in vouchers if v["provider_org_id"]}
    related = {}
    if "shareholder" in rules.related_fields:
        related = (related_parties or related_party_source())(sorted(org_ids)) or {}
    found = detect_all(vouchers, reds, organization_rows(org_ids), rules, related=related, prefixes=area_prefixes(rules))
    prog = programme_id_of(programme)
    return [f for f in found if prog is None or prog in f.programme_ids]


FK_FIELDS = ("programme_id", "voucher_id", "redemption_id", "provider_id", "enterprise_id")


def scan(user, *, programme=None, rules: Rules | None = None, related_parties: Callable | None = None) -> dict:
    """Run the checks and record a RiskFlag per finding (see the module docstring for the re-scan rules).
    Bureau only; the command line acts as the system. Returns counts."""
    user = user if user is not None else SYSTEM
    bureau_only(user)
    prog = programme_id_of(programme)
    found = findings(prog, rules=rules, related_parties=related_parties)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "reopened": 0, "kept_cleared": 0, "no_longer_found": 0}
    now = timezone.now()
    with transaction.atomic():
        # Lock what exists: two scans at once serialise here (and on the unique key for new flags).
        existing = {f.key: f for f in RiskFlag.objects.select_for_update().all()}
        for f in found:
            flag = existing.get(f.key)
            if flag is None:
                flag = RiskFlag(kind=f.kind, key=f.key, status=RiskStatus.OPEN, created=now)
                _fill(flag, f, {})
                try:
                    with transaction.atomic():
                        flag.save()
                    counts["created"] += 1
                    existing[f.key] = flag
                    continue
                except IntegrityError:  # a concurrent scan created it first: treat it as existing
                    flag = RiskFlag.objects.select_for_update().get(key=f.key)
            counts[_refresh(flag, f, now)] += 1
        keys = {f.key for f in found}
        stale = RiskFlag.objects.filter(status=RiskStatus.OPEN).exclude(key__in=keys)
        if prog is not None:
            stale = stale.filter(programme_id=prog)
        for flag in stale:
            counts["no_longer_found"] += 1
            if "no_longer_found_at" not in (flag.details or {}):
                flag.details = {**flag.details, "no_longer_found_at": now.isoformat()}
                flag.save(update_fields=["details"])
    by_kind: dict[str, int] = defaultdict(int)
    for f in found:
        by_kind[str(f.kind)] += 1
    open_q = RiskFlag.objects.filter(status=RiskStatus.OPEN)
    return {
        "programme": prog,
        "findings": len(found),
        **counts,
        "by_kind": dict(sorted(by_kind.items())),
        "open": (open_q.filter(programme_id=prog) if prog is not None else open_q).count(),
    }


def _fill(flag: RiskFlag, f: Finding, keep: dict):
    flag.kind, flag.explanation_zh, flag.explanation_en = f.kind, f.explanation_zh, f.explanation_en
    flag.details = {**f.stored_details(), **keep}
    for name in FK_FIELDS:
        setattr(flag, name, getattr(f, name))


def _refresh(flag: RiskFlag, f: Finding, now) -> str:
    old = flag.details or {}
    keep = {"history": old["history"]} if old.get("history") else {}
    if flag.status == RiskStatus.CLEARED:
        if old.get("fingerprint") == f.fingerprint:
            return "kept_cleared"  # the reviewer's decision holds while the material facts are the same
        entry = {
            "cleared_by": flag.cleared_by.username if flag.cleared_by_id else "",
            "cleared_at": flag.cleared_at and flag.cleared_at.isoformat(),
            "clear_reason": flag.clear_reason,
            "reopened_at": now.isoformat(),
            "reopened_by": "scan",
            "reopen_reason": "检测结果发生实质变化 / the finding changed materially",
            "previous_fingerprint": old.get("fingerprint"),
        }
        keep = {"history": [*keep.get("history", []), entry]}
        _fill(flag, f, keep)
        flag.status, flag.cleared_by, flag.cleared_at, flag.clear_reason = RiskStatus.OPEN, None, None, ""
        flag.save()
        return "reopened"
    before = (flag.kind, flag.explanation_zh, flag.explanation_en, old, *(getattr(flag, n) for n in FK_FIELDS))
    _fill(flag, f, keep)
    after = (flag.kind, flag.explanation_zh, flag.explanation_en, flag.details, *(getattr(flag, n) for n in FK_FIELDS))
    if before == after:
        return "unchanged"
    flag.save()
    return "updated"


# --- clearing -----------------------------------------------------------------------------------------


def _locked(flag) -> RiskFlag:
    return RiskFlag.objects.select_for_update().get(pk=flag.pk if isinstance(flag, RiskFlag) else flag)


def _reason(reason: str, zh: str, en: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Refused("reason_required", zh, en, 422, "reason")
    return reason[:500]


def clear(user, flag, *, reason: str) -> RiskFlag:
    """The bureau clears a flag after review, with its reason (kept on the flag and in the change log)."""
    bureau_only(user)
    reason = _reason(reason, "清除风险标记须填写理由", "A reason is required to clear a flag.")
    with transaction.atomic():
        f = _locked(flag)
        if f.status == RiskStatus.CLEARED:
            raise Refused("already_cleared", "该风险标记已清除", "This flag is already cleared.", 409)
        f.status, f.cleared_by, f.cleared_at, f.clear_reason = RiskStatus.CLEARED, actor(user), timezone.now(), reason
        f.save()
    return f


def reopen(user, flag, *, reason: str) -> RiskFlag:
    """The bureau reopens a cleared flag; the clearance it undoes is kept in details["history"]."""
    bureau_only(user)
    reason = _reason(reason, "重新打开风险标记须填写理由", "A reason is required to reopen a flag.")
    with transaction.atomic():
        f = _locked(flag)
        if f.status != RiskStatus.CLEARED:
            raise Refused("not_cleared", "该风险标记未被清除", "This flag is not cleared.", 409)
        entry = {
            "cleared_by": f.cleared_by.username if f.cleared_by_id else "",
            "cleared_at": f.cleared_at and f.cleared_at.isoformat(),
            "clear_reason": f.clear_reason,
            "reopened_at": timezone.now().isoformat(),
            "reopened_by": _who(user),
            "reopen_reason": reason,
        }
        f.details = {**(f.details or {}), "history": [*(f.details or {}).get("history", []), entry]}
        f.status, f.cleared_by, f.cleared_at, f.clear_reason = RiskStatus.OPEN, None, None, ""
        f.save()
    return f
