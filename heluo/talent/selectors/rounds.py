"""Rounds, applications (with their review and award), awards with what was paid and the obligation's status."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from heluo.core.permissions import VIEW

from ..engine import programmes as rules
from ..engine.records import Obligation, obligation
from ..models import Application, Award, Review, Round, RoundStatus, TalentEvent


def open_count(user) -> int:
    return Round.objects.filter(status=RoundStatus.OPEN).count()


def rounds(user):
    return Round.objects.restrict(user, VIEW).select_related("programme")


def round_get(user, pk) -> Round:
    return rounds(user).get(pk=pk)


def strand_of(r: Round) -> dict:
    return rules.strand(r.programme.code, r.strand) or {"categories": [], "benefits": [], "zh": r.title, "en": r.title}


def applications(user, round_id=None, status=None):
    qs = Application.objects.restrict(user, VIEW).select_related("round", "person", "employer", "field")
    if round_id:
        qs = qs.filter(round_id=round_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def application_get(user, pk) -> Application:
    return applications(user).get(pk=pk)


def my_reviews(user):
    return Review.objects.restrict(user, VIEW).select_related("application__round", "application__person", "expert__person")


def reviews_of(user, application: Application):
    return Review.objects.restrict(user, VIEW).filter(application=application).select_related("expert__person")


@dataclass(frozen=True)
class AwardRow:
    award: Award
    paid: Decimal
    obligation: Obligation


def awards(user, round_id=None) -> list[AwardRow]:
    qs = Award.objects.restrict(user, VIEW).select_related("application__person", "application__employer", "application__round")
    if round_id:
        qs = qs.filter(application__round_id=round_id)
    qs = qs.annotate(paid=Sum("payments__amount")).prefetch_related("checks")
    today = timezone.localdate()
    return [
        AwardRow(a, a.paid or Decimal(0), obligation(a.starts_on, a.service_years, [(c.year, c.in_service) for c in a.checks.all()], today))
        for a in qs
    ]


def award_get(user, pk) -> Award:
    return Award.objects.restrict(user, VIEW).select_related("application__person").get(pk=pk)


def events(user, **refs):
    return TalentEvent.objects.restrict(user, VIEW).filter(**refs)
