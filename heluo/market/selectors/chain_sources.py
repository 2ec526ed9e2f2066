"""The market's own records on the industry chains: published achievements and published technology demands, each
registered as a `RecordSource` (selectors.chains) from the market's `apps.ready()`.

Counts take every published record, whatever a demand's confidentiality (numbers only); the lists, the exports and
the API keep to `restrict(user, VIEW)`, so a confidential demand's title reaches only those who may see it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from heluo.orgs.models import Organization

from ..engine.chains import Record
from ..models import Achievement, AchievementStatus, Demand, DemandStatus
from .chains import RecordSource, register_source


def _record(kind, pk, area, cluster, industry, field, text) -> Record:
    return Record(
        kind,
        pk,
        area,
        frozenset([cluster] if cluster else ()),
        frozenset([industry] if industry else ()),
        frozenset([field] if field else ()),
        text,
    )


def achievement_records(area_ids) -> Iterable[Record]:
    """Published achievements, placed by their owner organization's area; keywords looked for in the title, the
    keywords and the abstract."""
    qs = Achievement.objects.filter(status=AchievementStatus.PUBLISHED)
    if area_ids is not None:
        qs = qs.filter(organization__area_id__in=area_ids)
    rows = qs.values_list(
        "pk", "organization__area__code", "cluster__code", "industry__code", "hitech_field__code", "title", "keywords", "abstract"
    )
    for pk, area, cluster, industry, field, title, keywords, abstract in rows.iterator(chunk_size=5000):
        yield _record("achievement", pk, area, cluster, industry, field, f"{title} {keywords} {abstract}")


def demand_records(area_ids) -> Iterable[Record]:
    """Published demands of every confidentiality (counted, never listed beyond restrict), placed by the posting
    enterprise's area; keywords looked for in the title and the problem."""
    qs = Demand.objects.filter(status=DemandStatus.PUBLISHED)
    if area_ids is not None:
        qs = qs.filter(enterprise__area_id__in=area_ids)
    rows = qs.values_list("pk", "enterprise__area__code", "cluster__code", "industry__code", "hitech_field__code", "title", "problem")
    for pk, area, cluster, industry, field, title, problem in rows.iterator(chunk_size=5000):
        yield _record("demand", pk, area, cluster, industry, field, f"{title} {problem}")


def register_market_sources() -> None:
    register_source(
        RecordSource(
            "achievement",
            _("Achievements"),
            Achievement,
            achievement_records,
            [_("Title"), _("Organization"), _("Area"), _("TRL")],
            lambda a: [a.title, a.organization.name, a.organization.area.name, a.trl],
            audited=(Achievement, Organization),
            url=lambda a: reverse("market:achievement", args=[a.pk]),
            prepare=lambda qs: qs.select_related("organization", "organization__area"),
            order=40,
        )
    )
    register_source(
        RecordSource(
            "demand",
            _("Technology demands"),
            Demand,
            demand_records,
            [_("Title"), _("Enterprise"), _("Area"), _("Confidentiality")],
            lambda d: [d.title, d.enterprise.name, d.enterprise.area.name, str(d.get_confidentiality_display())],
            audited=(Demand, Organization),
            url=lambda d: reverse("market:demand", args=[d.pk]),
            prepare=lambda qs: qs.select_related("enterprise", "enterprise__area"),
            order=50,
        )
    )
