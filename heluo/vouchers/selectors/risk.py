"""Reads for the risk checks: the rows the detectors take (the only ORM reads of their input) and the
bureau's flags (RiskFlag.scope_q gives everyone else nothing)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from heluo.core.permissions import VIEW
from heluo.geo.models import Area
from heluo.orgs.models import Organization

from ..engine.risk import Rules, address_prefix_names
from ..models import Programme, Redemption, RiskFlag, RiskKind, RiskStatus, Voucher


def programme_id_of(programme) -> int | None:
    if programme is None or programme == "":
        return None
    return programme.pk if isinstance(programme, Programme) else int(programme)


def voucher_rows() -> list[dict]:
    cols = (
        "pk",
        "number",
        "programme_id",
        "programme__code",
        "programme__year",
        "status",
        "enterprise_id",
        "enterprise__name",
        "provider_id",
        "provider__organization_id",
        "provider__organization__name",
        "voucher_type__code",
        "voucher_type__name_zh",
        "voucher_type__name_en",
        "voucher_type__category",
        "voucher_type__cap_per_voucher",
        "voucher_type__share_of_contract",
        "programme__cap_per_enterprise",
        "requested_amount",
        "face_value",
        "redeemed_amount",
        "contract_no",
        "contract_value",
        "contract_signed_on",
        "payable_limit",
    )
    names = (
        "id",
        "number",
        "programme_id",
        "programme_code",
        "year",
        "status",
        "enterprise_id",
        "enterprise_name",
        "provider_id",
        "provider_org_id",
        "provider_name",
        "type_code",
        "type_name_zh",
        "type_name_en",
        "category",
        "cap_per_voucher",
        "share",
        "cap_per_enterprise",
        "requested_amount",
        "face_value",
        "redeemed_amount",
        "contract_no",
        "contract_value",
        "signed_on",
        "payable_limit",
    )
    return [dict(zip(names, row)) for row in Voucher.objects.order_by("pk").values_list(*cols).iterator(chunk_size=5000)]


def redemption_rows() -> list[dict]:
    cols = (
        "pk",
        "voucher_id",
        "status",
        "provider_id",
        "provider__organization__name",
        "invoice_no",
        "invoice_amount",
        "amount",
        "evidence",
    )
    names = ("id", "voucher_id", "status", "provider_id", "provider_name", "invoice_no", "invoice_amount", "amount", "evidence")
    return [dict(zip(names, row)) for row in Redemption.objects.order_by("pk").values_list(*cols).iterator(chunk_size=5000)]


def organization_rows(ids: Iterable[int]) -> dict[int, dict]:
    rows = Organization.objects.filter(pk__in=list(ids)).values("id", "name", "legal_representative", "address", "phone", "uscc")
    return {r["id"]: r for r in rows}


def area_prefixes(rules: Rules) -> tuple[str, ...]:
    """Names of the province/city (rules: address_strip_area_kinds) above or at every programme's issuing area —
    the platform's own city, never a partner city (whose same street names must not match ours)."""
    parents = dict(Area.objects.values_list("pk", "parent_id"))
    kinds = dict(Area.objects.values_list("pk", "kind"))
    names = dict(Area.objects.values_list("pk", "name_zh"))
    chosen = set()
    for area_id in set(Programme.objects.values_list("authority_id", flat=True)):
        seen = set()
        while area_id is not None and area_id not in seen:
            seen.add(area_id)
            if kinds.get(area_id) in rules.address_strip_area_kinds:
                chosen.add(names[area_id])
            area_id = parents.get(area_id)
    return address_prefix_names(chosen, rules.address_prefixes)


def flag_list(user, *, status=None, kind=None, programme=None):
    qs = RiskFlag.objects.restrict(user, VIEW).select_related(
        "programme", "voucher", "redemption", "provider__organization", "enterprise", "cleared_by"
    )
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    prog = programme_id_of(programme)
    if prog is not None:
        qs = qs.filter(programme_id=prog)
    return qs


def open_flags(user, programme=None, kind=None):
    return flag_list(user, status=RiskStatus.OPEN, kind=kind, programme=programme)


def flag_get(user, pk) -> RiskFlag:
    return flag_list(user).get(pk=pk)


def flags_for_voucher(user, voucher):
    """Every flag (open or cleared) that involves the voucher: as its subject, through a redemption, or as one
    of the vouchers of a group (details["voucher_ids"], read in Python so it works on SQLite too)."""
    vid = voucher.pk if isinstance(voucher, Voucher) else int(voucher)
    ent = (
        voucher.enterprise_id
        if isinstance(voucher, Voucher)
        else Voucher.objects.filter(pk=vid).values_list("enterprise_id", flat=True).first()
    )
    base = RiskFlag.objects.restrict(user, VIEW)
    candidates = base.filter(Q(voucher_id=vid) | Q(redemption__voucher_id=vid) | Q(enterprise_id=ent) | Q(kind=RiskKind.EVIDENCE_REUSED))
    ids = [
        pk
        for pk, subject, details in candidates.values_list("pk", "voucher_id", "details")
        if subject == vid or vid in (details or {}).get("voucher_ids", ())
    ]
    return flag_list(user).filter(pk__in=ids)
