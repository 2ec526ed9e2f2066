"""Pool membership and the listing reserve, as the user may see them."""

from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from heluo.core.permissions import CHANGE, VIEW, scope_for
from heluo.cultivation.models import EvaluationResult, EvaluationRun, PoolEntry, enterprise_q
from heluo.cultivation.selectors.rulesets import criteria_by_run
from heluo.orgs.models import OrganizationKind, Qualification, QualificationKind


def latest_run(ruleset: str, year: int) -> EvaluationRun | None:
    return EvaluationRun.objects.filter(ruleset=ruleset, year=year).order_by("-pk").first()


def members(user, code: str, year: int, area_ids=None, include_removed=False):
    qs = PoolEntry.objects.restrict(user).filter(pool=code, year=year).select_related("organization", "organization__area")
    if not include_removed:
        qs = qs.filter(removed_on__isnull=True)
    if area_ids:
        qs = qs.filter(organization__area_id__in=area_ids)
    return qs.order_by("rank", "organization__name")


def member_counts(user, year: int) -> dict[str, int]:
    """{pool code: current members} for the year, counting only what the user may see."""
    qs = PoolEntry.objects.restrict(user).filter(year=year, removed_on__isnull=True).order_by()  # no join for the default order
    return dict(qs.values_list("pool").annotate(n=Count("pk")))


def can_change(user, entry: PoolEntry) -> bool:
    return PoolEntry.objects.restrict(user, CHANGE).filter(pk=entry.pk).exists()


def pool_year() -> int:
    """The year pools are shown for by default: the newest year that has pool entries, else this year."""
    latest = PoolEntry.objects.order_by("-year").values_list("year", flat=True).first()
    return latest or timezone.localdate().year


def entries_of(organization):
    """The pools an enterprise is in now, the newest year first."""
    return PoolEntry.objects.filter(organization=organization, removed_on__isnull=True).order_by("-year", "pool")


def add_english_gaps(entries) -> None:
    """Give pool entries' gaps (stored in Chinese) the English criterion names and gap texts of their evaluation
    (``name_en``, ``gap_en``)."""
    entries = [e for e in entries if e.run_id and e.gaps]
    if not entries:
        return
    results = {
        (r.run_id, r.organization_id): r
        for r in EvaluationResult.objects.filter(
            run_id__in={e.run_id for e in entries}, organization_id__in={e.organization_id for e in entries}
        ).select_related("run")
    }
    criteria = criteria_by_run(r.run for r in results.values())
    for e in entries:
        result = results.get((e.run_id, e.organization_id))
        detail = result.detail.get("criteria", {}) if result else {}
        crits = criteria.get(e.run_id, {})
        gaps = []
        for g in e.gaps:
            d, crit = detail.get(g.get("code"), {}), crits.get(g.get("code"))
            gap_en = _("to be verified") if d.get("state") == "undetermined" else (d.get("gap_en") or _("not met"))
            gaps.append({**g, "name_en": crit.en if crit else "", "gap_en": gap_en})
        e.gaps = gaps


def listing_reserve(user):
    """The reserve's qualifications of the enterprises the user may see (scoped_enterprises, as a join: an IN over
    every enterprise made the database read them all)."""
    qs = Qualification.objects.filter(
        kind=QualificationKind.LISTING_RESERVE, revoked_on__isnull=True, organization__kind=OrganizationKind.ENTERPRISE
    )
    q = enterprise_q(scope_for(user), VIEW, prefix="organization__")
    return qs if q is None else qs.filter(q)


def listing_reserve_first(user, limit: int):
    """The reserve's first `limit` enterprises by name at each stage, in one query."""
    first = Window(RowNumber(), partition_by=F("stage"), order_by=[F("organization__name").asc(), F("pk").asc()])
    qs = listing_reserve(user).select_related("organization", "organization__area").annotate(place=first)
    return qs.filter(place__lte=limit).order_by("organization__name", "pk")


def listing_stage_counts(user) -> dict[str, int]:
    """{stage: reserve enterprises at it} within the user's scope."""
    return dict(listing_reserve(user).values_list("stage").annotate(n=Count("pk")))
