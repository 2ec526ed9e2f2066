"""Stored district assessments: a run keeps the definition, the method, the data matrix and the result, so a
published ranking can be shown and recomputed as it was."""

from __future__ import annotations

from django.db import transaction

from ..engine.assessment import Assessment, jsonable
from ..models import AssessmentRun


def record_assessment_run(user, *, assessment: Assessment, note: str = "") -> AssessmentRun:
    run = AssessmentRun(
        year=assessment.year,
        definition_code=assessment.definition.code,
        definition_version=assessment.definition.version,
        definition_digest=assessment.definition.digest,
        definition=assessment.definition.data,
        method=assessment.choices.as_dict(),
        inputs=jsonable(assessment.matrix.as_dict()),
        data_digest=assessment.matrix.digest,
        result=assessment.as_dict(),
        note=note[:300],
        created_by=user if getattr(user, "pk", None) else None,
    )
    run.full_clean()
    with transaction.atomic():
        run.save()
    return run
