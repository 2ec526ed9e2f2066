"""What several cultivation pages share."""

from django.utils import timezone
from django.utils.translation import gettext as _

from heluo.cultivation.selectors.pools import evaluation_details
from heluo.cultivation.selectors.rulesets import criteria_by_run


def current_year() -> int:
    return timezone.localdate().year


def gaps_in_english(entries) -> None:
    """Give the entries' gaps (stored in Chinese) the English criterion names and gap texts of their evaluation."""
    entries = [e for e in entries if e.run_id and e.gaps]
    if not entries:
        return
    results = evaluation_details(entries)
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
