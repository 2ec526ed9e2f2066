"""Reads of the incubation chain: scoped lists of carriers and incubations, the facts a graduation is checked on (the
registry's qualifications and the enterprises' annual data), and what became of the firms, per carrier and along the
chain. Totals of revenue and jobs are shown only over enough firms (data/chain.json "disclosure"); one firm's figures
only to whom the registry shows its annual data."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from heluo.core.permissions import VIEW
from heluo.orgs import selectors as org_selectors
from heluo.orgs.models import EnterpriseAnnual, Qualification, QualificationKind

from ..engine import graduation as engine
from ..models import Carrier, Incubation, IncubationEvent, IncubationStatus

ENDED = (IncubationStatus.GRADUATED, IncubationStatus.MOVED_ON)


def carrier_list(user, stage: str | None = None):
    qs = (
        Carrier.objects.restrict(user, VIEW)
        .select_related("platform__area")
        .annotate(
            incubating=Count("incubations", filter=Q(incubations__status=IncubationStatus.INCUBATING)),
            graduated=Count("incubations", filter=Q(incubations__status__in=ENDED)),
        )
        .order_by("stage", "platform__name", "pk")  # an aggregate drops the model's ordering
    )
    return qs.filter(stage=stage) if stage else qs


def carrier_get(user, pk) -> Carrier:
    return carrier_list(user).get(pk=pk)


def incubation_list(user, carrier: Carrier | None = None, status: str | None = None, firm=None):
    qs = Incubation.objects.restrict(user, VIEW).select_related("carrier__platform", "firm", "previous__carrier__platform")
    if carrier is not None:
        qs = qs.filter(carrier=carrier)
    if status:
        qs = qs.filter(status=status)
    if firm is not None:
        qs = qs.filter(firm=firm)
    return qs


def incubation_get(user, pk) -> Incubation:
    return incubation_list(user).get(pk=pk)


def events_of(incubation: Incubation):
    return IncubationEvent.objects.filter(incubation=incubation).order_by("at", "pk")


def incubating_count(user) -> int | None:
    return Incubation.objects.restrict(user, VIEW).filter(status=IncubationStatus.INCUBATING).count()


def facts(incubation: Incubation, on: dt.date) -> engine.Facts:
    """What the registry knows of the firm on the day (unscoped: the check needs it; its result is what is shown)."""
    kinds = Qualification.objects.filter(Qualification.valid_on_q(on), organization_id=incubation.firm_id).values_list("kind", flat=True)
    revenue, financing, staff = {}, {}, {}
    rows = EnterpriseAnnual.objects.filter(organization_id=incubation.firm_id, year__lte=on.year)
    for year, rev, fin, people in rows.values_list("year", "operating_revenue", "equity_financing", "total_staff"):
        if rev is not None:
            revenue[year] = rev
        if fin is not None:
            financing[year] = fin
        if people is not None:
            staff[year] = people
    return engine.Facts(incubation.entered_on, on, frozenset(kinds), revenue, financing, staff)


def verdict(incubation: Incubation, on: dt.date | None = None) -> engine.Verdict:
    return engine.check(incubation.carrier.stage, facts(incubation, on or dt.date.today()))


@dataclass
class Outcome:
    """What became of a carrier's (or a stage's) firms since their entry."""

    firms: int = 0
    incubating: int = 0
    graduated: int = 0
    left: int = 0
    qualifications: Counter = field(default_factory=Counter)  # kind → firms that gained it since entry
    reporting: int = 0  # graduated firms with annual data of a year after entry
    revenue: Decimal | None = None  # their latest operating revenue, summed (shown only over enough firms)
    jobs: int | None = None  # their latest staff, summed
    revenue_at_entry: Decimal | None = None
    jobs_at_entry: int | None = None

    @property
    def gained(self) -> list[tuple[str, int]]:
        """(the qualification's label, firms) for the pages."""
        return [(str(QualificationKind(k).label), n) for k, n in sorted(self.qualifications.items())]


def min_firms() -> int:
    return int(engine.chain()["disclosure"]["min_firms"])


def outcome(incubations) -> Outcome:
    incs = list(incubations)
    out = Outcome(firms=len({i.firm_id for i in incs}))
    out.incubating = sum(i.status == IncubationStatus.INCUBATING for i in incs)
    out.graduated = sum(i.status in ENDED for i in incs)
    out.left = sum(i.status == IncubationStatus.LEFT for i in incs)
    firms = {i.firm_id for i in incs}
    entered = defaultdict(list)
    for i in incs:
        entered[i.firm_id].append(i.entered_on)
    gained = set()
    for org, kind, since in Qualification.objects.filter(organization_id__in=firms).values_list("organization_id", "kind", "valid_from"):
        if any(since >= e for e in entered[org]):
            gained.add((org, kind))
    out.qualifications = Counter(kind for _, kind in gained)
    graduates = {i.firm_id: i.entered_on.year for i in incs if i.status in ENDED}
    annual = defaultdict(dict)
    rows = EnterpriseAnnual.objects.filter(organization_id__in=graduates).values_list(
        "organization_id", "year", "operating_revenue", "total_staff"
    )
    for org, year, rev, staff in rows:
        annual[org][year] = (rev, staff)
    now_rev, now_jobs, entry_rev, entry_jobs, reporting = Decimal(0), 0, Decimal(0), 0, 0
    for org, year in graduates.items():
        later = [y for y in annual[org] if y > year]
        if not later:
            continue
        reporting += 1
        rev, staff = annual[org][max(later)]
        now_rev += rev or 0
        now_jobs += staff or 0
        rev0, staff0 = annual[org].get(year, (None, None))
        entry_rev += rev0 or 0
        entry_jobs += staff0 or 0
    out.reporting = reporting
    if reporting >= min_firms():
        out.revenue, out.jobs, out.revenue_at_entry, out.jobs_at_entry = now_rev, now_jobs, entry_rev, entry_jobs
    return out


def carrier_outcome(carrier: Carrier) -> Outcome:
    return outcome(Incubation.objects.filter(carrier=carrier))


@dataclass(frozen=True)
class StageRow:
    stage: engine.StageSpec
    carriers: int
    outcome: Outcome
    moved_on: int  # firms that went on from this stage to a later one


def chain_view(user) -> list[StageRow]:
    """Each stage of the chain over the carriers the user may see: carriers, firms, graduations, moves onward."""
    carriers = Carrier.objects.restrict(user, VIEW)
    rows = []
    for spec in engine.stages():
        at = carriers.filter(stage=spec.code)
        incs = Incubation.objects.filter(carrier__in=at)
        rows.append(StageRow(spec, at.count(), outcome(incs), incs.filter(status=IncubationStatus.MOVED_ON).count()))
    return rows


def annual_for(user, incubation: Incubation):
    """The firm's annual figures as the registry shows them to the user (none to a host or a mentor), read through the
    registry's selector, which logs another party's read."""
    return org_selectors.annual_list(user, {"organization": incubation.firm_id}, log_reason="incubation").order_by("year")


def qualifications_gained(incubation: Incubation):
    return Qualification.objects.filter(organization_id=incubation.firm_id, valid_from__gte=incubation.entered_on).order_by("valid_from")
