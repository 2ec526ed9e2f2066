"""指南 (calls for proposals): a programme type (data/programmes.json), a budget, a window, the application form and
the workflow. The form a call uses is copied into the call when it is created (form_spec), so that a later change of
the form file never changes what an open or past call asked for."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.permissions import NOTHING, VIEW, RestrictedManager

MONEY = dict(max_digits=14, decimal_places=2)


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


@audit.register
class Call(models.Model):
    code = models.CharField(_("call number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    programme = models.CharField(_("programme"), max_length=30, help_text=_("One of the programme types in data/programmes.json."))
    year = models.PositiveSmallIntegerField(_("year"))
    description = models.TextField(_("description"), max_length=20000, blank=True)
    budget = models.DecimalField(_("budget"), **MONEY)
    max_per_project = models.DecimalField(_("at most per project"), null=True, blank=True, **MONEY)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    form_code = models.CharField(_("application form"), max_length=40)
    form_spec = models.JSONField(_("the form as the call asks for it"), default=dict, editable=False)
    workflow_code = models.CharField(_("workflow"), max_length=40, default="application")
    reviewers_per_proposal = models.PositiveSmallIntegerField(_("reviewers per proposal"))
    status = models.CharField(_("status"), max_length=12, choices=CallStatus.choices, default=CallStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-year", "-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="projects_call_window"),
            models.CheckConstraint(condition=Q(budget__gt=0), name="projects_call_budget_positive"),
            models.CheckConstraint(
                condition=Q(max_per_project__isnull=True) | Q(max_per_project__gt=0, max_per_project__lte=F("budget")),
                name="projects_call_max_per_project",
            ),
            models.CheckConstraint(
                condition=Q(reviewers_per_proposal__gte=1, reviewers_per_proposal__lte=15), name="projects_call_reviewers"
            ),
        ]
        verbose_name = _("call for proposals")
        verbose_name_plural = _("calls for proposals")

    def __str__(self):
        return self.title

    @classmethod
    def scope_q(cls, scope, action):
        """Published calls are public; drafts and changes are the bureau's."""
        if scope.is_bureau:
            return None
        if action == VIEW:
            return ~Q(status=CallStatus.DRAFT)
        return NOTHING

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.status == CallStatus.PUBLISHED and self.opens_at <= at < self.closes_at
