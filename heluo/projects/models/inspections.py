"""双随机 random inspections: a draw (the period, the scope, the seed and a fingerprint of its inputs, so that anyone can
re-run engine.inspection and get the same list) and its items (a project, the inspectors drawn for it, the result).

The inspected unit is a Project under way (from a funded application or an awarded bid); its cycle is its period,
named by the project's number and start (selectors.inspections.cycle_of) — an approved schedule change moves the end,
not the cycle. 最多查一次: the draw excludes a project with as many items in its cycle as the rules allow."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import Role
from heluo.core.permissions import NOTHING, VIEW, RestrictedManager


class InspectionResult(models.TextChoices):
    PENDING = "pending", _("Pending")
    NO_ISSUES = "no_issues", _("No issues")
    ISSUES = "issues", _("Issues found")
    REFERRED = "referred", _("Referred")


@audit.register
class InspectionDraw(models.Model):
    period = models.CharField(_("period"), max_length=40, help_text=_("The inspection period, e.g. 2026年上半年."))
    programmes = models.JSONField(_("programme types"), default=list, blank=True, help_text=_("Empty: every type."))
    call = models.ForeignKey("projects.Call", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("call"))
    count = models.PositiveIntegerField(_("sample size"), null=True, blank=True)
    share = models.CharField(_("sample share"), max_length=12, blank=True)
    per_project = models.PositiveSmallIntegerField(_("inspectors per project"))
    seed = models.CharField(_("seed"), max_length=40)  # a non-negative integer below 2**128, kept as digits
    seed_chosen = models.BooleanField(_("seed chosen by the bureau"), default=False)
    inputs = models.JSONField(_("inputs"), default=dict, editable=False)  # the projects and inspectors as the engine saw them
    fingerprint = models.CharField(_("inputs' fingerprint"), max_length=64)  # SHA-256 of the canonical inputs
    algorithm = models.CharField(_("algorithm"), max_length=40)
    excluded = models.JSONField(_("excluded"), default=list, blank=True, editable=False)
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedManager()

    class Meta:
        ordering = ["-drawn_at", "-id"]
        verbose_name = _("inspection draw")
        verbose_name_plural = _("inspection draws")

    def __str__(self):
        return f"{self.period} #{self.pk}"

    @classmethod
    def scope_q(cls, scope, action):
        """The bureau draws; an inspector reads the draws naming them; everyone reads the published ones."""
        if scope.is_bureau:
            return None
        if action != VIEW:
            return NOTHING
        q = Q(items__published=True)
        if scope.role == Role.EXPERT and scope.person_id:
            q |= Q(items__inspectors__person_id=scope.person_id)
        return Q(pk__in=InspectionDraw.objects.filter(q).values("pk"))


class InspectionItem(models.Model):
    draw = models.ForeignKey(InspectionDraw, on_delete=models.CASCADE, related_name="items", verbose_name=_("draw"))
    position = models.PositiveIntegerField(_("position"))
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("project"))
    cycle = models.CharField(_("cycle"), max_length=40)
    inspectors = models.ManyToManyField("people.Expert", related_name="+", blank=True, verbose_name=_("inspectors"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    result = models.CharField(_("result"), max_length=12, choices=InspectionResult.choices, default=InspectionResult.PENDING)
    findings = models.TextField(_("findings"), max_length=5000, blank=True)
    report_date = models.DateField(_("report date"), null=True, blank=True)
    published = models.BooleanField(_("published"), default=False)

    objects = RestrictedManager()

    class Meta:
        ordering = ["draw", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "project"], name="projects_inspection_item_on_project_once"),
            models.CheckConstraint(condition=Q(published=False) | ~Q(result="pending"), name="projects_inspection_published_result"),
        ]
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")

    @classmethod
    def scope_q(cls, scope, action):
        """The bureau records results; an inspector reads their items; the project's organization and the public read
        the published ones."""
        if scope.is_bureau:
            return None
        if action != VIEW:
            return NOTHING
        q = Q(published=True)
        if scope.role == Role.EXPERT and scope.person_id:
            q |= Q(pk__in=InspectionItem.inspectors.through.objects.filter(expert__person_id=scope.person_id).values("inspectionitem_id"))
        return q
