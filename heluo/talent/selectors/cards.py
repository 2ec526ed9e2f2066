"""Talents on record, cards with the services they open, uses, providers and the enterprises' needs."""

from __future__ import annotations

from heluo.core.permissions import VIEW

from ..engine import programmes as rules
from ..models import Card, CardProvider, CardUse, SkillNeed, Talent


def talents(user):
    return Talent.objects.restrict(user, VIEW).select_related("person__employer__area", "field")


def talent_get(user, pk) -> Talent:
    return talents(user).get(pk=pk)


def cards(user):
    return Card.objects.restrict(user, VIEW).select_related("talent__person")


def card_get(user, pk) -> Card:
    return cards(user).get(pk=pk)


def card_by_number(user, number: str) -> Card:
    return cards(user).get(number=number.strip())


def services_of(card: Card) -> list[dict]:
    return rules.services_for(card.level)


def uses(user, card_id=None):
    qs = CardUse.objects.restrict(user, VIEW).select_related("card__talent__person", "provider")
    return qs.filter(card_id=card_id) if card_id else qs


def providers(user):
    return CardProvider.objects.restrict(user, VIEW).select_related("organization")


def needs(user, year=None):
    qs = SkillNeed.objects.restrict(user, VIEW).select_related("organization", "field")
    return qs.filter(year=year) if year else qs
