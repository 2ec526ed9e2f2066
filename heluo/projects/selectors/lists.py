"""The filtered lists of calls, applications and integrity records (pages and API alike), each from
`restrict(user, VIEW)`; the call's applications counted by status; the attachments a user may download."""

from __future__ import annotations

import django_filters as df
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heluo.core.i18n import is_chinese
from heluo.core.permissions import VIEW, scope_for
from heluo.geo.models import Area

from ..engine import programmes as engine
from ..models import Application, ApplicationAttachment, ApplicationStatus, Call, CallStatus, IntegrityRecord, IntegrityScope


def programme_choices() -> list[tuple[str, str]]:
    zh = is_chinese()
    return [(p.code, p.label[0] if zh else p.label[1]) for p in engine.programmes().values()]


def programme_label(code: str) -> str:
    return dict(programme_choices()).get(code, code)


class CallFilterSet(df.FilterSet):
    q = df.CharFilter(method="search", label=_("Search"))
    status = df.MultipleChoiceFilter(choices=CallStatus.choices, label=_("Status"))
    programme = df.MultipleChoiceFilter(choices=(), label=_("Programme type"))
    year = df.NumberFilter(label=_("Year"), min_value=2000, max_value=2100)

    class Meta:
        model = Call
        fields = ["q", "status", "programme", "year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["programme"].extra["choices"] = programme_choices()

    def search(self, qs, name, value):
        value = value.strip()[:100]
        return qs.filter(Q(title__icontains=value) | Q(code__icontains=value)) if value else qs


class ApplicationFilterSet(df.FilterSet):
    q = df.CharFilter(method="search", label=_("Search"))
    call = df.ModelChoiceFilter(queryset=Call.objects.all(), label=_("Call for proposals"))
    status = df.MultipleChoiceFilter(choices=ApplicationStatus.choices, label=_("Status"))
    programme = df.MultipleChoiceFilter(field_name="call__programme", choices=(), label=_("Programme type"))
    area = df.ModelChoiceFilter(queryset=Area.objects.all(), method="in_area", label=_("Area"))

    class Meta:
        model = Application
        fields = ["q", "call", "status", "programme", "area"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["programme"].extra["choices"] = programme_choices()
        if user is not None:  # only the calls the user sees are offered
            self.filters["call"].queryset = Call.objects.restrict(user, VIEW)

    def search(self, qs, name, value):
        value = value.strip()[:100]
        if not value:
            return qs
        return qs.filter(Q(title__icontains=value) | Q(number__icontains=value) | Q(applicant__name__icontains=value))

    def in_area(self, qs, name, value):
        return qs.filter(applicant__area_id__in=Area.expand_ids([value.pk])) if value else qs


def application_filtered(user, data) -> df.FilterSet:
    qs = Application.objects.restrict(user, VIEW).select_related("call", "applicant__area", "pi")
    return ApplicationFilterSet(data, queryset=qs, user=user)


def call_filtered(user, data) -> df.FilterSet:
    return CallFilterSet(data, queryset=Call.objects.restrict(user, VIEW))


def status_counts(user, call: Call) -> list[tuple[str, str, int]]:
    """The call's applications the user sees, by status: (status, label, count), in the workflow's order."""
    counts = dict(
        Application.objects.restrict(user, VIEW).filter(call=call).values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return [(code, label, counts[code]) for code, label in ApplicationStatus.choices if counts.get(code)]


def open_calls(user) -> int | None:
    """The home page's figure: calls open now (shown once there is one)."""
    now = timezone.now()
    return Call.objects.restrict(user, VIEW).filter(status=CallStatus.PUBLISHED, opens_at__lte=now, closes_at__gt=now).count() or None


def awaiting_count(user) -> int | None:
    """The staff's to-do: submitted applications (the district recommends) and recommended ones (the bureau checks)."""
    scope = scope_for(user)
    if not scope.is_staff:
        return None
    waiting = [ApplicationStatus.RECOMMENDED] if scope.is_bureau else [ApplicationStatus.SUBMITTED]
    if scope.is_bureau:
        waiting.append(ApplicationStatus.SUBMITTED)
    return Application.objects.restrict(user, VIEW).filter(status__in=waiting).count()


def attachments(user, application: Application):
    return ApplicationAttachment.objects.restrict(user, VIEW).filter(application=application).order_by("kind", "id")


def attachment_get(user, pk) -> ApplicationAttachment:
    return ApplicationAttachment.objects.restrict(user, VIEW).select_related("application__call").get(pk=pk)


class IntegrityFilterSet(df.FilterSet):
    q = df.CharFilter(method="search", label=_("Search"))
    scope = df.MultipleChoiceFilter(choices=IntegrityScope.choices, label=_("Barred from"))

    class Meta:
        model = IntegrityRecord
        fields = ["q", "scope"]

    def search(self, qs, name, value):
        value = value.strip()[:100]
        if not value:
            return qs
        return qs.filter(
            Q(person__name__icontains=value)
            | Q(organization__name__icontains=value)
            | Q(finding__icontains=value)
            | Q(source__icontains=value)
        )


def integrity_filtered(user, data) -> df.FilterSet:
    qs = IntegrityRecord.objects.restrict(user, VIEW).select_related("person", "organization")
    return IntegrityFilterSet(data, queryset=qs)


def integrity_get(user, pk) -> IntegrityRecord:
    return IntegrityRecord.objects.restrict(user, VIEW).select_related("person", "organization").get(pk=pk)
