"""The bureau's annual sharing evaluation of the instrument owners: every owner's figures for the year scored by the
scheme file (engine.evaluation); the year's rows replaced as a whole, so recomputing gives the same list."""

from __future__ import annotations

from django.db import transaction

from heluo.core.i18n import Refusal

from ..engine import evaluation, rules
from ..models import SharingEvaluation
from ..selectors.statistics import owner_figures
from .instruments import bureau_only

FIRST_YEAR, LAST_YEAR = 2000, 2100


def evaluate_year(user, year: int) -> list[SharingEvaluation]:
    bureau_only(user)
    if not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise Refusal("year", f"年度须在{FIRST_YEAR}–{LAST_YEAR}之间", f"The year must be {FIRST_YEAR}–{LAST_YEAR}.", 422, "year")
    scheme = rules.scheme()
    rows = []
    for owner_id, f in owner_figures(year).items():
        r = evaluation.evaluate(f, scheme)
        rows.append(
            SharingEvaluation(
                year=year,
                owner_id=owner_id,
                scheme_version=scheme["version"],
                instruments=f.instruments,
                value=f.value,
                hours=f.hours,
                outside_hours=f.outside_hours,
                income=f.income,
                outside_income=f.outside_income,
                values={k: str(v) for k, v in r.values.items()},
                scores={k: str(v) for k, v in r.scores.items()},
                score=r.total,
                grade=r.grade,
                subsidy=r.subsidy,
            )
        )
    with transaction.atomic():
        SharingEvaluation.objects.filter(year=year).delete()
        SharingEvaluation.objects.bulk_create(rows)
    return rows
