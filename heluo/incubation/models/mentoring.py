"""Start-up mentors (创业导师) at work: the registry's mentors' profiles (fields, industries, experience,
availability), their pairings with incubated firms (suggested by the market's matching engine), the sessions each
side logs with its outcome, and the 导师县区行、园区行 events per district and park."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import DomainEvent, Role
from heluo.core.permissions import NOTHING, VIEW, RestrictedManager

from .scoping import pairing_q


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available")
    LIMITED = "limited", _("Limited")
    UNAVAILABLE = "unavailable", _("Not available")


class Side(models.TextChoices):
    MENTOR = "mentor", _("Mentor")
    FIRM = "firm", _("Firm")


@audit.register
class MentorProfile(models.Model):
    """What the pool knows of a mentor beyond the registry's record (specialty, carrier)."""

    mentor = models.OneToOneField("people.Mentor", on_delete=models.CASCADE, related_name="profile", verbose_name=_("mentor"))
    hitech_fields = models.ManyToManyField("taxonomy.HitechField", blank=True, related_name="+", verbose_name=_("high-tech fields"))
    industries = models.ManyToManyField("taxonomy.Industry", blank=True, related_name="+", verbose_name=_("industries"))
    experience_years = models.PositiveSmallIntegerField(_("years of experience"), default=0)
    experience = models.TextField(_("experience"), blank=True)
    availability = models.CharField(_("availability"), max_length=20, choices=Availability.choices, default=Availability.AVAILABLE)
    hours_per_month = models.PositiveSmallIntegerField(_("hours per month"), default=0)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("mentor profile")
        verbose_name_plural = _("mentor profiles")

    def __str__(self):
        return str(self.mentor)

    @classmethod
    def scope_q(cls, scope, action):
        # the pool is open to every signed-in user; the bureau and the mentor itself keep the profile
        if scope.is_bureau:
            return None
        if action == VIEW:
            return None if not scope.is_public else NOTHING
        if scope.role == Role.EXPERT and scope.person_id:
            return Q(mentor__person_id=scope.person_id)
        return NOTHING


@audit.register
class Pairing(models.Model):
    mentor = models.ForeignKey("people.Mentor", on_delete=models.CASCADE, related_name="pairings", verbose_name=_("mentor"))
    incubation = models.ForeignKey("incubation.Incubation", on_delete=models.CASCADE, related_name="pairings", verbose_name=_("incubation"))
    started_on = models.DateField(_("paired on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    affinity = models.FloatField(_("affinity"), null=True, blank=True)
    terms = models.JSONField(_("shared terms"), default=list, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["mentor", "incubation"], condition=Q(ended_on__isnull=True), name="pairing_one_open")
        ]
        verbose_name = _("mentor pairing")
        verbose_name_plural = _("mentor pairings")

    def __str__(self):
        return f"{self.mentor} → {self.incubation.firm}"

    @classmethod
    def scope_q(cls, scope, action):
        return pairing_q(scope, action)


@audit.register
class Session(models.Model):
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("pairing"))
    held_on = models.DateField(_("held on"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    topic = models.CharField(_("topic"), max_length=200)
    logged_by = models.CharField(_("logged by"), max_length=10, choices=Side.choices)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("mentoring session")
        verbose_name_plural = _("mentoring sessions")

    def __str__(self):
        return f"{self.pairing} {self.held_on} {self.topic}"

    @classmethod
    def scope_q(cls, scope, action):
        return pairing_q(scope, action, "pairing__")


class SessionReport(DomainEvent):
    """Append-only: one side's account of a session — what came of it, and how useful it was (1–5)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reports")
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    outcome = models.CharField(_("outcome"), max_length=2000)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "side"], name="session_report_one_per_side")]

    @classmethod
    def scope_q(cls, scope, action):
        return pairing_q(scope, action, "session__pairing__")


@audit.register
class MentorEvent(models.Model):
    """导师县区行 (a district) or 园区行 (a park: a carrier's platform): the mentors who went and the firms they met."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("Mentors to the districts")
        PARK = "park", _("Mentors to the parks")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    area = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    park = models.ForeignKey(
        "platforms.Platform", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("park")
    )
    held_on = models.DateField(_("held on"))
    mentors = models.ManyToManyField("people.Mentor", blank=True, related_name="+", verbose_name=_("mentors"))
    firms = models.ManyToManyField("orgs.Organization", blank=True, related_name="+", verbose_name=_("firms"))
    summary = models.TextField(_("summary"), blank=True)
    is_synthetic = models.BooleanField(_("synthetic (demo)"), default=False)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("mentor event")
        verbose_name_plural = _("mentor events")

    def __str__(self):
        return self.title

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau or action == VIEW:
            return None  # the events are announced publicly
        if scope.role == Role.DISTRICT_STAFF:
            return Q(area_id__in=scope.area_ids)
        return NOTHING
