"""Reads of calls and applications, each from `restrict(user, …)`; the facts eligibility is checked on; the answers of
an application as typed values; debarments from the integrity records."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from heluo.core.codes import birth_date_of
from heluo.core.permissions import VIEW
from heluo.orgs.models import Organization

from ..engine import forms, integrity
from ..engine import programmes as engine
from ..models import Application, ApplicationEvent, ApplicationStatus, Call, IntegrityRecord

RUNNING = (ApplicationStatus.FUNDED,)  # a funded application is a running project until the project's own record ends it


def call_list(user):
    return Call.objects.restrict(user, VIEW)


def call_get(user, pk) -> Call:
    return Call.objects.restrict(user, VIEW).get(pk=pk)


def form_of(call: Call) -> forms.FormSpec:
    """The form the call asks for: its own copy, not the file as it may have changed since."""
    return forms.parse(call.form_spec)


def application_list(user, call: Call | None = None):
    qs = Application.objects.restrict(user, VIEW).select_related("call", "applicant__area", "pi")
    return qs.filter(call=call) if call is not None else qs


def application_get(user, pk) -> Application:
    return Application.objects.restrict(user, VIEW).select_related("call", "applicant__area", "pi").get(pk=pk)


def application_events(user, application: Application):
    return ApplicationEvent.objects.restrict(user, VIEW).filter(application=application).order_by("at", "pk")


def answers_of(application: Application) -> dict:
    """The stored answers as typed values, by field key (fields no longer in the form are left out)."""
    fields = form_of(application.call).fields
    rows = application.answers.values("key", "value_text", "value_number", "value_date", "value_bool", "value_json")
    return {r["key"]: forms.stored(fields[r["key"]], r) for r in rows if r["key"] in fields}


def budget_of(application: Application) -> dict:
    return dict(application.budget_lines.values_list("category", "amount"))


# --- integrity ---------------------------------------------------------------------------------------------


def _engine_record(r: IntegrityRecord) -> integrity.IntegrityRecord:
    kind, subject = (integrity.PERSON, r.person_id) if r.person_id else (integrity.ORGANIZATION, r.organization_id)
    return integrity.IntegrityRecord(str(r.pk), kind, str(subject), r.finding, r.sanction, r.starts_on, r.ends_on, r.scope, r.source)


def integrity_records(organization_ids=(), person_ids=()) -> list[integrity.IntegrityRecord]:
    """The records about these subjects (unscoped: a debarment holds whoever asks)."""
    qs = IntegrityRecord.objects.filter(organization_id__in=list(organization_ids)) | IntegrityRecord.objects.filter(
        person_id__in=list(person_ids)
    )
    return [_engine_record(r) for r in qs.order_by("pk")]


def debarment(kind: str, subject_id: int, action: str, on: dt.date | None = None) -> integrity.Debarment:
    on = on or timezone.localdate()
    records = integrity_records(person_ids=[subject_id]) if kind == integrity.PERSON else integrity_records(organization_ids=[subject_id])
    return integrity.debarment(records, kind, str(subject_id), action, on)


# --- eligibility ---------------------------------------------------------------------------------------------


def reference_date(call: Call) -> dt.date:
    """The date ages and debarments are judged on: the call's closing day."""
    return timezone.localtime(call.closes_at).date()


def eligibility_facts(application: Application, on: dt.date | None = None) -> engine.Facts:
    call, today = application.call, on or timezone.localdate()
    applicant = Organization.objects.filter(pk=application.applicant_id).first()
    org_bar = debarment(integrity.ORGANIZATION, application.applicant_id, "apply", today)
    pi_bar = debarment(integrity.PERSON, application.pi_id, "apply", today)
    running = Application.objects.filter(pi_id=application.pi_id, status__in=RUNNING).exclude(pk=application.pk).count()
    return engine.Facts(
        programme=engine.programme(call.programme),
        applicant_in_registry=applicant is not None and applicant.is_published,
        applicant_kind=applicant.kind if applicant else "",
        applicant_debarred=org_bar.zh if org_bar.debarred else None,
        pi_debarred=pi_bar.zh if pi_bar.debarred else None,
        pi_birth_date=birth_date_of(application.pi.id_number or ""),
        pi_running_projects=running,
        commitment_signed=application.commitment_signed_at is not None,
        reference_date=reference_date(call),
    )


def eligibility(application: Application) -> list[engine.Check]:
    return engine.eligibility(eligibility_facts(application))
