"""Whether an enterprise may apply to a programme (a read: the application and the enterprise's pages ask it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from heluo.core.i18n import Refusal
from heluo.cultivation.selectors.runs import passing_run
from heluo.geo.models import Area
from heluo.orgs.models import Organization, OrganizationKind, Qualification

from ..models import Programme

# A rule set's family → the qualification that proves the same status (a certificate instead of an evaluation).
RULESET_QUALIFICATIONS = {
    "tech-sme": "tech_sme",
    "hte": "hte",
    "innovative-sme": "innovative_sme",
    "srdi-sme": "srdi_sme",
    "little-giant": "little_giant",
}


def ruleset_qualification(name: str) -> str | None:
    family = name.rsplit("-", 1)[0] if name.rsplit("-", 1)[-1].isdigit() else name
    return RULESET_QUALIFICATIONS.get(family)


@dataclass
class Eligibility:
    ok: bool
    basis: list[str] = field(default_factory=list)
    refusal: Refusal | None = None


def _within(area_id: int, authority_id: int, parent_id: int | None = None) -> bool:
    if area_id == authority_id or (parent_id is not None and parent_id == authority_id):
        return True  # the common case, without a query
    seen = set()
    while area_id is not None and area_id not in seen:
        if area_id == authority_id:
            return True
        seen.add(area_id)
        area_id = Area.objects.filter(pk=area_id).values_list("parent_id", flat=True).first()
    return False


def eligibility(programme: Programme, organization: Organization, on: dt.date | None = None) -> Eligibility:
    """Whether an enterprise may apply to a programme. The rule (kept here, in one function, so the bureau's
    documents can change it):

    * it is an enterprise registered in the programme's authority area (or an area below it);
    * a programme that names no rule set, no qualification and no start-up age is open to all such enterprises;
    * otherwise it qualifies if ANY of these holds:
      - it passed one of `eligible_rulesets` in the latest stored evaluation run of that rule set
        (heluo.cultivation EvaluationRun/EvaluationResult, runs of years after the programme's not counted);
      - it holds, valid on the day, a qualification listed in `eligible_qualifications`, or the one matching an
        eligible rule set (tech-sme-* → 科技型中小企业 registration, hte-* → 高新技术企业 certificate …);
      - it was founded at most `startup_max_years` years before the day (start-ups).
    """
    on = on or timezone.localdate()
    if organization.kind != OrganizationKind.ENTERPRISE:
        return Eligibility(
            False, refusal=Refusal("not_enterprise", "只有企业可以申领创新券", "Only enterprises may apply for vouchers.", 422)
        )
    area = organization.area if "area" in organization._state.fields_cache else None
    if not _within(organization.area_id, programme.authority_id, area.parent_id if area else None):
        return Eligibility(
            False,
            refusal=Refusal(
                "outside_area", "企业注册地不在本计划的发放范围内", "The enterprise is not registered in this programme's area.", 422
            ),
        )
    rulesets = list(programme.eligible_rulesets or [])
    kinds = set(programme.eligible_qualifications or []) | {k for k in map(ruleset_qualification, rulesets) if k}
    if not rulesets and not kinds and not programme.startup_max_years:
        return Eligibility(True, ["open"])
    for name in rulesets:
        run_id = passing_run(organization, name, programme.year)
        if run_id:
            return Eligibility(True, [f"ruleset:{name}#{run_id}"])
    if kinds:
        held = list(
            Qualification.objects.filter(Qualification.valid_on_q(on), organization=organization, kind__in=kinds)
            .order_by("kind", "-valid_from")  # the default order, without the join on the organization's name
            .values_list("kind", flat=True)[:1]
        )
        if held:
            return Eligibility(True, [f"qualification:{held[0]}"])
    if programme.startup_max_years and organization.founded_on:
        years = programme.startup_max_years
        try:
            since = on.replace(year=on.year - years)
        except ValueError:  # 29 February
            since = on.replace(year=on.year - years, day=28)
        if organization.founded_on >= since:
            return Eligibility(True, ["startup"])
    return Eligibility(
        False,
        refusal=Refusal(
            "not_eligible",
            "企业不符合本计划的申领条件（评价结果、资质或初创年限）",
            "The enterprise meets none of this programme's conditions (evaluation, qualification or start-up age).",
            422,
        ),
    )
