"""A programme round (a registry programme's strand in a year), the applications made through the employers' accounts,
the experts' reviews (assignment and sheet in one row), the awards within the quota, the support paid in tranches and
the annual checks of the years of service."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import DomainEvent, Role
from heluo.core.permissions import NOTHING, VIEW, RestrictedManager, Scope

from .scoping import talent_q


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open for applications")
    REVIEW = "review", _("In review")
    DECIDED = "decided", _("Decided")


@audit.register
class Round(models.Model):
    programme = models.ForeignKey("people.TalentProgramme", on_delete=models.PROTECT, related_name="rounds", verbose_name=_("programme"))
    strand = models.CharField(_("strand"), max_length=20, help_text=_("The programme's strand in data/programmes.json."))
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=150)
    quotas = models.JSONField(_("quotas"), default=dict, help_text=_("Awards allowed per category."))
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    status = models.CharField(_("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-year", "programme", "strand"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "strand", "year"], name="talent_round_once_a_year"),
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="talent_round_period"),
        ]
        verbose_name = _("programme round")
        verbose_name_plural = _("programme rounds")

    def __str__(self):
        return self.title

    @classmethod
    def scope_q(cls, scope: Scope, action):
        return None if action == VIEW or scope.is_bureau else NOTHING


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    INELIGIBLE = "ineligible", _("Not eligible")
    IN_REVIEW = "in_review", _("In review")
    AWARDED = "awarded", _("Awarded")
    DECLINED = "declined", _("Not selected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


@audit.register
class Application(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="applications", verbose_name=_("round"))
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="talent_applications", verbose_name=_("talent"))
    employer = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("employer"))
    category = models.CharField(_("category"), max_length=30)
    field = models.ForeignKey(
        "taxonomy.HitechField", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("field")
    )
    summary = models.TextField(_("achievements and plans"), max_length=5000)
    status = models.CharField(_("status"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED)
    eligibility = models.JSONField(_("eligibility"), default=list, help_text=_("Each criterion checked, with the reason."))
    score = models.FloatField(_("score"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["round", "category", "-score", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="talent_application_once_per_round")]
        verbose_name = _("talent application")
        verbose_name_plural = _("talent applications")

    def __str__(self):
        return f"{self.person} · {self.round}"

    @classmethod
    def scope_q(cls, scope: Scope, action):
        q = talent_q(scope, action, "person", "employer")
        if q is not None and action == VIEW and scope.role == Role.EXPERT and scope.person_id:
            q |= Q(pk__in=Review.objects.filter(expert__person_id=scope.person_id).values("application_id"))
        return q


@audit.register
class Review(models.Model):
    """An expert assigned to an application (by the exact assignment engine) and, once submitted, its marks."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("application"))
    expert = models.ForeignKey("people.Expert", on_delete=models.PROTECT, related_name="talent_reviews", verbose_name=_("expert"))
    reason = models.CharField(_("why this expert"), max_length=300, blank=True)
    marks = models.JSONField(_("marks"), null=True, blank=True)
    score = models.FloatField(_("weighted score"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["application", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "expert"], name="talent_review_once")]
        verbose_name = _("talent review")
        verbose_name_plural = _("talent reviews")

    @classmethod
    def scope_q(cls, scope: Scope, action):
        if scope.is_bureau:
            return None
        if scope.role == Role.EXPERT and scope.person_id:
            return Q(expert__person_id=scope.person_id)
        return NOTHING


@audit.register
class Award(models.Model):
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="award", verbose_name=_("application"))
    amount = models.DecimalField(_("support awarded"), max_digits=12, decimal_places=2)
    service_years = models.PositiveSmallIntegerField(_("years of service owed"))
    starts_on = models.DateField(_("service from"))
    membership = models.ForeignKey(
        "people.TalentMembership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("registry entry")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-starts_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="talent_award_amount")]
        verbose_name = _("talent award")
        verbose_name_plural = _("talent awards")

    def __str__(self):
        return str(self.application)

    @classmethod
    def scope_q(cls, scope: Scope, action):
        return talent_q(scope, action, "application__person", "application__employer")


@audit.register
class Payment(models.Model):
    """A tranche of the support paid; the tranches never add up to more than the award (services.rounds)."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="payments", verbose_name=_("award"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["award", "paid_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="talent_payment_positive")]
        verbose_name = _("support payment")
        verbose_name_plural = _("support payments")

    @classmethod
    def scope_q(cls, scope: Scope, action):
        return talent_q(scope, action, "award__application__person", "award__application__employer")


@audit.register
class ServiceCheck(models.Model):
    """An annual check of the years of service: is the talent still working in the city."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="checks", verbose_name=_("award"))
    year = models.PositiveSmallIntegerField(_("year"))
    in_service = models.BooleanField(_("still serving in the city"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["award", "year"]
        constraints = [models.UniqueConstraint(fields=["award", "year"], name="talent_check_once_a_year")]
        verbose_name = _("service check")
        verbose_name_plural = _("service checks")

    @classmethod
    def scope_q(cls, scope: Scope, action):
        return talent_q(scope, action, "award__application__person", "award__application__employer")


class TalentEvent(DomainEvent):
    """Each step on a round, an application, an award or a card, with its reason."""

    what = models.CharField(_("step"), max_length=30)
    round = models.ForeignKey(Round, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    card = models.ForeignKey("talent.Card", null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(_("note"), max_length=1000, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("talent event")
        verbose_name_plural = _("talent events")

    @classmethod
    def scope_q(cls, scope: Scope, action):
        if scope.is_bureau:
            return None
        return NOTHING if action != VIEW or not scope.person_id else Q(person_id=scope.person_id)
