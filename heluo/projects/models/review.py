"""The review round of a call (issue 13, Experts and review): the call's rubric, the experts' assignments (each with
its affinity and reason), their score sheets, the conflicts experts declare and the applicants' 回避 requests, and the
panel meeting (会评) with its ranking. Funding decisions are the applications' "fund" / "decline" events.

Who sees what: the bureau everything; an expert its own assignments, sheets and declarations (and, through
APPLICATION_VIEW_RULES, the applications it is assigned while they are in review); an applicant its own 回避
requests, never who reviewed it; districts nothing of the review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import Role
from heluo.core.permissions import NOTHING, VIEW, RestrictedManager, Scope

from ..engine import programmes
from .applications import APPLICATION_VIEW_RULES, Application, ApplicationStatus
from .calls import Call


class AggregationMethod(models.TextChoices):
    MEAN = "mean", _("Mean")
    TRIMMED_MEAN = "trimmed_mean", _("Trimmed mean")
    MEDIAN = "median", _("Median")


@audit.register
class Rubric(models.Model):
    """A call's scoring rubric: criteria as data (engine.review.parse_rubric checks them), and how sheets are combined."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="rubric", verbose_name=_("call for proposals"))
    criteria = models.JSONField(_("criteria"))
    method = models.CharField(_("aggregation"), max_length=14, choices=AggregationMethod.choices, default=AggregationMethod.TRIMMED_MEAN)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("scoring rubric")
        verbose_name_plural = _("scoring rubrics")

    @classmethod
    def scope_q(cls, scope: Scope, action):
        if scope.is_bureau:
            return None
        if action == VIEW and scope.role == Role.EXPERT and scope.person_id:
            return Q(call_id__in=ReviewAssignment.objects.filter(expert__person_id=scope.person_id).values("call_id"))
        return NOTHING


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    DECLINED = "declined", _("Declined")
    SUBMITTED = "submitted", _("Submitted")


def _expert_own(path: str):
    """Bureau: all; an expert: its own (VIEW); nobody else."""

    def scope_q(cls, scope: Scope, action):
        if scope.is_bureau:
            return None
        if action == VIEW and scope.role == Role.EXPERT and scope.person_id:
            return Q(**{path: scope.person_id})
        return NOTHING

    return classmethod(scope_q)


@audit.register
class ReviewAssignment(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="review_assignments", verbose_name=_("call for proposals"))
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="review_assignments", verbose_name=_("application"))
    expert = models.ForeignKey("people.Expert", on_delete=models.PROTECT, related_name="review_assignments", verbose_name=_("expert"))
    affinity = models.FloatField(_("affinity"))
    reason = models.CharField(_("why this expert"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.ASSIGNED)
    decline_reason = models.CharField(_("reason for declining"), max_length=1000, blank=True)
    replacement = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces", verbose_name=_("reassigned to")
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()
    scope_q = _expert_own("expert__person_id")

    class Meta:
        ordering = ["call", "application", "-affinity", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "expert"], name="projects_review_assignment_once")]
        indexes = [models.Index(fields=["call", "status"])]
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")


@audit.register
class ReviewSheet(models.Model):
    """An expert's submitted marks: {criterion: {"value", "comment"}}, checked against the rubric (engine.review)."""

    assignment = models.OneToOneField(ReviewAssignment, on_delete=models.CASCADE, related_name="sheet", verbose_name=_("assignment"))
    marks = models.JSONField(_("marks"))
    comments = models.TextField(_("comments"), max_length=5000, blank=True)
    score = models.FloatField(_("weighted score"))
    submitted_at = models.DateTimeField(_("submitted at"))

    objects = RestrictedManager()
    scope_q = _expert_own("assignment__expert__person_id")

    class Meta:
        ordering = ["assignment"]
        constraints = [models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="projects_review_sheet_score")]
        verbose_name = _("review sheet")
        verbose_name_plural = _("review sheets")


@audit.register
class ConflictDeclaration(models.Model):
    """A conflict of interest stated before the assignment: an expert's own (with an application, an organization or a
    person), or an applicant's 回避 request naming a person as the applicant knows them (name and employer, never a pool
    id: the pool is confidential); the bureau's side matches the name to the pool's experts (selectors.avoidance)."""

    class Kind(models.TextChoices):
        EXPERT = "expert", _("Declared by the expert")
        APPLICANT = "applicant", _("Requested by the applicant")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    expert = models.ForeignKey(
        "people.Expert", null=True, blank=True, on_delete=models.CASCADE, related_name="conflict_declarations", verbose_name=_("expert")
    )
    named_person = models.CharField(_("name of the person to avoid"), max_length=100, blank=True)
    named_employer = models.CharField(_("their employer"), max_length=200, blank=True)
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("application")
    )
    organization = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("person"))
    reason = models.CharField(_("reason"), max_length=1000)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="expert", expert__isnull=False, named_person="", named_employer="")
                & (
                    Q(application__isnull=False, organization__isnull=True, person__isnull=True)
                    | Q(application__isnull=True, organization__isnull=False, person__isnull=True)
                    | Q(application__isnull=True, organization__isnull=True, person__isnull=False)
                )
                | (
                    Q(kind="applicant", expert__isnull=True, application__isnull=False, organization__isnull=True, person__isnull=True)
                    & ~Q(named_person="")
                ),
                name="projects_conflict_declaration_subject",
            )
        ]
        verbose_name = _("conflict of interest declaration")
        verbose_name_plural = _("conflict of interest declarations")

    @classmethod
    def scope_q(cls, scope: Scope, action):
        if scope.is_bureau:
            return None
        if action != VIEW:
            return NOTHING
        if scope.role == Role.EXPERT and scope.person_id:
            return Q(kind=cls.Kind.EXPERT, expert__person_id=scope.person_id)
        if scope.role == Role.ORG_USER and scope.organization_id:
            return Q(kind=cls.Kind.APPLICANT, application__applicant_id=scope.organization_id)
        return NOTHING


@audit.register
class ReviewPanel(models.Model):
    """会评: the panel meeting of a call, with the ranking as it stood (a snapshot: later sheets do not change it)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="review_panels", verbose_name=_("call for proposals"))
    held_on = models.DateField(_("held on"))
    note = models.TextField(_("minutes"), max_length=10000, blank=True)
    ranking = models.JSONField(_("ranking"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["call", "-held_on", "-id"]
        verbose_name = _("panel meeting")
        verbose_name_plural = _("panel meetings")

    @classmethod
    def scope_q(cls, scope: Scope, action):
        return None if scope.is_bureau else NOTHING


def assigned_in_review(scope: Scope) -> Q:
    """An expert sees the applications it is assigned (not declined) while the workflow shows them to experts."""
    if scope.role != Role.EXPERT or not scope.person_id:
        return NOTHING
    assigned = ReviewAssignment.objects.filter(expert__person_id=scope.person_id).exclude(status=AssignmentStatus.DECLINED)
    shown = programmes.visibility().get("experts_see", (ApplicationStatus.IN_REVIEW,))
    return Q(status__in=list(shown), pk__in=assigned.values("application_id"))


if assigned_in_review not in APPLICATION_VIEW_RULES:
    APPLICATION_VIEW_RULES.append(assigned_in_review)
