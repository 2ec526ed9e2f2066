"""An evaluation round (年度绩效评价) of innovation platforms: the hosts' figures, the experts' marks, the score,
grade and consequence of each platform, and every step as an event."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import DomainEvent, Role
from heluo.core.permissions import NOTHING, VIEW, RestrictedManager
from heluo.platforms.models import PlatformHost

STATES = [
    ("open", _("Collecting figures")),
    ("scoring", _("Expert review")),
    ("graded", _("Graded")),
    ("applied", _("Consequences applied")),
]


class Consequence(models.TextChoices):
    NONE = "none", _("None")
    REWARD = "reward", _("Reward")
    WARNING = "warning", _("Warning")
    REVOCATION = "revocation", _("Revocation")


@audit.register
class EvaluationRound(models.Model):
    year = models.PositiveSmallIntegerField(_("year evaluated"))
    title = models.CharField(_("title"), max_length=200, unique=True)
    kinds = models.JSONField(_("platform kinds"), default=list)
    status = models.CharField(_("status"), max_length=20, choices=STATES, default="open")
    due_on = models.DateField(_("figures due on"))
    published = models.BooleanField(_("results published"), default=False)
    created = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-year", "-pk"]
        verbose_name = _("evaluation round")
        verbose_name_plural = _("evaluation rounds")

    def __str__(self):
        return self.title

    @classmethod
    def scope_q(cls, scope, action):
        """Everyone signed in sees the rounds (the hosts report into them); the public the published ones."""
        if scope.is_bureau:
            return None
        if action != VIEW:
            return NOTHING
        return Q(published=True) if scope.is_public else Q()


@audit.register
class Evaluation(models.Model):
    """One platform in one round."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("round"))
    platform = models.ForeignKey("platforms.Platform", on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("platform"))
    figures = models.JSONField(_("figures"), default=dict)  # indicator code → the figure as text (exact decimals)
    submitted_at = models.DateTimeField(_("figures submitted"), null=True, blank=True)
    figures_score = models.DecimalField(_("score from the figures"), max_digits=6, decimal_places=2, null=True, blank=True)
    expert_score = models.DecimalField(_("score from the experts"), max_digits=6, decimal_places=2, null=True, blank=True)
    total = models.DecimalField(_("total score"), max_digits=6, decimal_places=2, null=True, blank=True)
    points = models.JSONField(_("points by indicator"), default=dict)
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    consequence = models.CharField(_("consequence"), max_length=20, choices=Consequence.choices, blank=True)
    reward_amount = models.DecimalField(_("reward (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    applied = models.BooleanField(_("consequence applied"), default=False)

    objects = RestrictedManager()

    class Meta:
        ordering = ["round", "platform__kind", "platform__name"]
        constraints = [models.UniqueConstraint(fields=["round", "platform"], name="carriers_evaluation_unique")]
        verbose_name = _("platform evaluation")
        verbose_name_plural = _("platform evaluations")

    def __str__(self):
        return f"{self.round} · {self.platform}"

    @classmethod
    def scope_q(cls, scope, action):
        """The bureau all; a district its area's platforms (reading); a host its own platforms (reporting their
        figures); an expert those assigned to it (reading). The public reads the published grades through
        selectors.results, never these records."""
        if scope.is_bureau:
            return None
        if scope.role == Role.ORG_USER and scope.organization_id:
            hosted = PlatformHost.objects.filter(organization_id=scope.organization_id).values("platform_id")
            return Q(platform_id__in=hosted)
        if action != VIEW:
            return NOTHING
        if scope.role == Role.DISTRICT_STAFF:
            return Q(platform__area_id__in=scope.area_ids)
        if scope.role == Role.EXPERT and scope.person_id:
            return Q(pk__in=ExpertAssignment.objects.filter(expert__person_id=scope.person_id).values("evaluation_id"))
        return NOTHING


@audit.register
class ExpertAssignment(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("evaluation"))
    expert = models.ForeignKey("people.Expert", on_delete=models.PROTECT, related_name="platform_evaluations", verbose_name=_("expert"))
    mark = models.DecimalField(_("mark (0–100)"), max_digits=5, decimal_places=2, null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    marked_at = models.DateTimeField(_("marked"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["evaluation", "pk"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "expert"], name="carriers_assignment_unique")]
        verbose_name = _("expert assignment")
        verbose_name_plural = _("expert assignments")

    def __str__(self):
        return f"{self.evaluation} · {self.expert}"

    @classmethod
    def scope_q(cls, scope, action):
        """Who marks what stays between the bureau and the expert."""
        if scope.is_bureau:
            return None
        if scope.role == Role.EXPERT and scope.person_id:
            return Q(expert__person_id=scope.person_id)
        return NOTHING


class EvaluationEvent(DomainEvent):
    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="events")
    evaluation = models.ForeignKey(Evaluation, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("evaluation event")
        verbose_name_plural = _("evaluation events")
