"""Applications (项目申报) to a call: the applicant organization, the principal investigator and team, partners, the
form's answers (one typed row per field, so that they can be reported on), the budget by category and the
attachments (kept under their SHA-256). The workflow is data (data/workflows/application.json); each step an
ApplicationEvent.

Who sees an application: the applicant organization, its district, the bureau, and whoever a rule in
APPLICATION_VIEW_RULES names (the review adds the experts assigned to it, in the review phase: models.review). Only the applicant writes its content, and only while the workflow
leaves it editable (draft, returned for correction)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import DomainEvent, Role
from heluo.core.permissions import CHANGE, DELETE, NOTHING, VIEW, RestrictedManager, Scope, field_rule, fields_except

from ..engine import programmes
from .calls import MONEY, Call


class ApplicationStatus(models.TextChoices):
    """The workflow's states (engine.programmes reads their order and transitions from the data file)."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    RECOMMENDED = "recommended", _("Recommended")
    ACCEPTED = "accepted", _("Passed the formal check")
    REJECTED = "rejected", _("Failed the formal check")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    IN_REVIEW = "in_review", _("In review")
    REVIEWED = "reviewed", _("Review finished")
    FUNDED = "funded", _("Funded")
    NOT_FUNDED = "not_funded", _("Not funded")


# Rules `(scope) -> Q over Application` naming more readers (VIEW only): registered by the modules that know them, so
# that this one imports none of them (models.review registers the assigned experts).
APPLICATION_VIEW_RULES: list[Callable[[Scope], Q]] = []


@audit.register
class Application(models.Model):
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications", verbose_name=_("call for proposals"))
    number = models.CharField(_("application number"), max_length=40, null=True, blank=True, unique=True)
    applicant = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("applicant"))
    pi = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("principal investigator"))
    title = models.CharField(_("title"), max_length=200)
    abstract = models.TextField(_("abstract"), max_length=5000)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    requested = models.DecimalField(_("amount requested"), **MONEY)
    status = models.CharField(_("status"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT)
    commitment_signed_at = models.DateTimeField(_("integrity commitment signed at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(requested__gt=0), name="projects_application_requested_positive"),
            # one application of a title per applicant and call: what makes an import or a double click idempotent
            models.UniqueConstraint(fields=["call", "applicant", "title"], name="projects_application_once"),
        ]
        indexes = [models.Index(fields=["call", "status"])]
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def __str__(self):
        return self.title

    @classmethod
    def scope_q(cls, scope: Scope, action):
        if scope.is_bureau:
            return None
        if scope.role == Role.DISTRICT_STAFF:
            return Q(applicant__area_id__in=scope.area_ids) if action == VIEW else NOTHING
        if scope.role == Role.ORG_USER and scope.organization_id:
            own = Q(applicant_id=scope.organization_id)
            if action == DELETE:
                return own & Q(status=ApplicationStatus.DRAFT)
            return own
        if action == VIEW and APPLICATION_VIEW_RULES:
            q = NOTHING
            for rule in APPLICATION_VIEW_RULES:
                q |= rule(scope)
            return q
        return NOTHING


SYSTEM_FIELDS = ("status", "number", "commitment_signed_at", "submitted_at", "decided_at", "created", "updated")
CONTENT_FIELDS = fields_except(Application, "call", "applicant", *SYSTEM_FIELDS)


@field_rule(Application)
def application_fields(scope: Scope, application: Application):
    """The applicant writes the content while the workflow leaves it editable; the call and the applicant only when
    it is made; nobody writes the status (only a transition moves it)."""
    if scope.role != Role.ORG_USER:
        return frozenset()
    if application._state.adding:
        return CONTENT_FIELDS | {"call", "applicant"}
    if application.status in programmes.visibility().get("editable_by_applicant", ()):
        return CONTENT_FIELDS
    return frozenset()


def _part_of(model_field: str):
    """The scope of an application's parts: those of the application (CHANGE: while it may be changed)."""

    def scope_q(cls, scope, action):
        q = Application.scope_q(scope, VIEW if action == VIEW else CHANGE)
        if q is None or q is NOTHING:
            return q
        return Q(**{f"{model_field}__in": Application.objects.filter(q)})

    return classmethod(scope_q)


class ApplicationAnswer(models.Model):
    """One field's answer, in the column of its type (engine.forms.storage)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="answers")
    key = models.CharField(max_length=40)
    value_text = models.TextField(blank=True)
    value_number = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    value_date = models.DateField(null=True, blank=True)
    value_bool = models.BooleanField(null=True, blank=True)
    value_json = models.JSONField(null=True, blank=True)

    objects = RestrictedManager()
    scope_q = _part_of("application")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "key"], name="projects_answer_once")]
        indexes = [models.Index(fields=["key", "value_number"])]


class BudgetLine(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.CharField(_("budget category"), max_length=30)
    amount = models.DecimalField(_("amount"), **MONEY)

    objects = RestrictedManager()
    scope_q = _part_of("application")

    class Meta:
        ordering = ["application", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "category"], name="projects_budget_line_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="projects_budget_line_positive"),
        ]


class Participant(models.Model):
    """A person on the application's team (the PI among them) or a partner organization: who the conflict checks read."""

    class Kind(models.TextChoices):
        MEMBER = "member", _("Team member")
        PARTNER = "partner", _("Partner organization")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="participants")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = RestrictedManager()
    scope_q = _part_of("application")

    class Meta:
        ordering = ["application", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="member", person__isnull=False, organization__isnull=True)
                | Q(kind="partner", person__isnull=True, organization__isnull=False),
                name="projects_participant_kind",
            ),
            models.UniqueConstraint(fields=["application", "person"], condition=Q(kind="member"), name="projects_member_once"),
            models.UniqueConstraint(fields=["application", "organization"], condition=Q(kind="partner"), name="projects_partner_once"),
        ]


class ApplicationAttachment(models.Model):
    """A file the form asks for (kind: one of its attachments), kept under its SHA-256."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("attachment"), max_length=30)
    name = models.CharField(_("file name"), max_length=120)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = RestrictedManager()
    scope_q = _part_of("application")

    class Meta:
        ordering = ["application", "kind", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "kind", "sha256"], name="projects_attachment_once")]


class ApplicationEvent(DomainEvent):
    """Append-only: each workflow step of an application (its creation too), who took it and why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    transition = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12)
    reason = models.CharField(_("reason"), max_length=2000, blank=True)
    checks = models.JSONField(_("eligibility checks"), default=list, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["at", "id"]

    @classmethod
    def scope_q(cls, scope, action):
        if action != VIEW or scope.role == Role.EXPERT:  # the workflow's steps are not the reviewers'
            return NOTHING
        q = Application.scope_q(scope, VIEW)
        return q if q is None or q is NOTHING else Q(application__in=Application.objects.filter(q))
