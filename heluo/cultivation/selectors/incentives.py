"""The registry rows the R&D incentives are computed from (the computation is ``engine.incentives``)."""

import datetime as dt

from heluo.cultivation.selectors.enterprises import enterprises
from heluo.orgs.models import EnterpriseAnnual, Qualification, QualificationKind


def incentive_frame(year: int) -> list[dict]:
    """Rows for years Y−1 and Y: R&D expense, sales revenue, industry and the qualifications held at year end."""
    rows = list(
        EnterpriseAnnual.objects.filter(year__in=[year - 1, year], organization__in=enterprises()).values(
            "organization_id", "year", "rd_expense", "sales_revenue", "organization__industry__code"
        )
    )
    held = {}
    for kind in (QualificationKind.HTE, QualificationKind.TECH_SME):
        for y in (year - 1, year):
            day = dt.date(y, 12, 31)
            held[(kind, y)] = set(
                Qualification.objects.filter(Qualification.valid_on_q(day), kind=kind).values_list("organization_id", flat=True)
            )
    data = [
        {
            "organization_id": r["organization_id"],
            "year": r["year"],
            "rd_expense": r["rd_expense"],
            "sales_revenue": r["sales_revenue"],
            "industry_code": r["organization__industry__code"],
            "is_hte": r["organization_id"] in held[(QualificationKind.HTE, r["year"])],
            "is_tech_sme": r["organization_id"] in held[(QualificationKind.TECH_SME, r["year"])],
        }
        for r in rows
    ]
    return data
