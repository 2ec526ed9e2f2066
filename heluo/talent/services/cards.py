"""The 河洛英才卡: issued by the bureau to a talent on record at the talent's level, valid for the data's years; its
services (data/card.json) used at the providers, each use recorded by the provider or the bureau on a valid card."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction

from heluo.core.i18n import Bilingual, Refusal
from heluo.core.permissions import save_in_scope, scope_for

from ..engine import programmes as rules
from ..engine.records import add_years
from ..models import Card, CardProvider, CardUse, SkillNeed, Talent
from . import bureau_only, event, plausible


@transaction.atomic
def card_issue(user, talent: Talent, issued_on: dt.date) -> Card:
    bureau_only(user)
    plausible(issued_on, "issued_on")
    talent = Talent.objects.select_for_update().get(pk=talent.pk)
    if any(c.valid_on(issued_on) for c in talent.cards.all()):
        raise Refusal("card_held", "该人才已持有有效的河洛英才卡", "the talent already holds a valid card")
    card = Card.objects.create(
        number=f"HLYC{issued_on.year}{talent.pk:06d}{talent.cards.count() + 1}",
        talent=talent,
        level=talent.level,
        issued_on=issued_on,
        expires_on=add_years(issued_on, rules.card_validity_years()),
    )
    event(user, "card_issued", card.level, card=card, person=talent.person)
    return card


def card_revoke(user, card: Card, on: dt.date, reason: str) -> Card:
    bureau_only(user)
    if not reason.strip():
        raise Refusal("reason_missing", "请说明注销原因", "state the reason", 422, "reason")
    card.revoked_on = on
    card.save(update_fields=["revoked_on"])
    event(user, "card_revoked", reason, card=card, person=card.talent.person)
    return card


def provider_add(user, organization, service: str) -> CardProvider:
    bureau_only(user)
    if service not in {s["code"] for s in rules.card_services()}:
        raise Refusal("unknown_service", f"未知的服务项目“{service}”", f"unknown card service '{service}'", 422, "service")
    provider, _created = CardProvider.objects.get_or_create(organization=organization, service=service)
    return provider


def use_record(user, card: Card, service: str, used_on: dt.date, note: str = "") -> CardUse:
    """The bureau, or an organization account of a provider of that service."""
    scope = scope_for(user)
    provider = None
    if not scope.is_bureau:
        if not scope.organization_id or not CardProvider.objects.filter(organization_id=scope.organization_id, service=service).exists():
            raise PermissionDenied(Bilingual("只有该服务的提供单位可以登记使用", "Only a provider of this service records its use.").both)
        provider = scope.organization_id
    opened = {s["code"]: s for s in rules.services_for(card.level)}
    if service not in opened:
        raise Refusal(
            "service_not_open", f"{card.level}卡不含此项服务", f"a level {card.level} card does not open this service", 422, "service"
        )
    if not card.valid_on(used_on):
        raise Refusal(
            "card_invalid",
            f"该卡在{used_on}无效（有效期至{card.expires_on}）",
            f"the card is not valid on {used_on} (expires {card.expires_on})",
        )
    use = CardUse.objects.create(
        card=card,
        service=service,
        used_on=used_on,
        provider_id=provider,
        note=note,
        recorded_by=user if getattr(user, "pk", None) else None,
    )
    event(user, "card_used", f"{service} {note}", card=card, person=card.talent.person)
    return use


def need_save(user, need: SkillNeed) -> SkillNeed:
    """An enterprise states its need (its own account) or the bureau records it."""
    scope = scope_for(user)
    if not scope.is_bureau and scope.organization_id != need.organization_id:
        raise PermissionDenied(Bilingual("只能填报本单位的需求", "An organization states its own needs only.").both)
    if need.level not in {lv["code"] for lv in rules.load("map")["need_levels"]}:
        raise Refusal("unknown_level", f"未知的人才层次“{need.level}”", f"unknown level '{need.level}'", 422, "level")
    same = SkillNeed.objects.filter(organization_id=need.organization_id, year=need.year, field_id=need.field_id, level=need.level)
    if same.exclude(pk=need.pk).exists():
        raise Refusal(
            "need_stated",
            "该年度此领域此层次的需求已填报，请修改原记录",
            "this need is already stated for the year: change it instead",
            409,
            "field",
        )
    need.full_clean()
    return save_in_scope(user, need)
