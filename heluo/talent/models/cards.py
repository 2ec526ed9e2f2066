"""The talent database entry (level and field), the 河洛英才卡 with its uses, the card's service providers, and the
enterprises' declared needs that make the shortage catalogue (急需紧缺人才目录)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import Role
from heluo.core.permissions import NOTHING, VIEW, RestrictedManager, Scope

from .scoping import talent_q


@audit.register
class Talent(models.Model):
    """A person in the talent database: the level (data/card.json levels) and field the map counts by."""

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="talent", verbose_name=_("person"))
    level = models.CharField(_("level"), max_length=4)
    field = models.ForeignKey(
        "taxonomy.HitechField", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("field")
    )
    since = models.PositiveSmallIntegerField(_("on record since"))

    objects = RestrictedManager()

    class Meta:
        ordering = ["level", "person__name"]
        verbose_name = _("talent")
        verbose_name_plural = _("talents")

    def __str__(self):
        return str(self.person)

    @classmethod
    def scope_q(cls, scope: Scope, action):
        return talent_q(scope, action, "person", "person__employer")


@audit.register
class Card(models.Model):
    number = models.CharField(_("card number"), max_length=20, unique=True)
    talent = models.ForeignKey(Talent, on_delete=models.PROTECT, related_name="cards", verbose_name=_("talent"))
    level = models.CharField(_("level"), max_length=4)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-issued_on", "number"]
        constraints = [models.CheckConstraint(condition=Q(expires_on__gt=F("issued_on")), name="talent_card_period")]
        verbose_name = _("talent card")
        verbose_name_plural = _("talent cards")

    def __str__(self):
        return self.number

    def valid_on(self, day) -> bool:
        return self.issued_on <= day < self.expires_on and (self.revoked_on is None or day < self.revoked_on)

    @classmethod
    def scope_q(cls, scope: Scope, action):
        q = talent_q(scope, action, "talent__person", "talent__person__employer")
        if q is not None and action == VIEW and scope.role == Role.ORG_USER and scope.organization_id:
            # a provider sees the cards it has served
            q |= Q(pk__in=CardUse.objects.filter(provider_id=scope.organization_id).values("card_id"))
        return q


@audit.register
class CardProvider(models.Model):
    """An organization that serves card holders for one service (a hospital, a school, the housing office …)."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("organization"))
    service = models.CharField(_("service"), max_length=20)

    objects = RestrictedManager()

    class Meta:
        ordering = ["service", "organization"]
        constraints = [models.UniqueConstraint(fields=["organization", "service"], name="talent_card_provider_once")]
        verbose_name = _("card service provider")
        verbose_name_plural = _("card service providers")

    @classmethod
    def scope_q(cls, scope: Scope, action):
        return None if action == VIEW or scope.is_bureau else NOTHING


@audit.register
class CardUse(models.Model):
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="uses", verbose_name=_("card"))
    service = models.CharField(_("service"), max_length=20)
    used_on = models.DateField(_("used on"))
    provider = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("provider")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedManager()

    class Meta:
        ordering = ["-used_on", "-id"]
        verbose_name = _("card service use")
        verbose_name_plural = _("card service uses")

    @classmethod
    def scope_q(cls, scope: Scope, action):
        q = talent_q(scope, action, "card__talent__person", "card__talent__person__employer")
        if q is not None and action == VIEW and scope.role == Role.ORG_USER and scope.organization_id:
            q |= Q(provider_id=scope.organization_id)
        return q


@audit.register
class SkillNeed(models.Model):
    """An enterprise's stated need: how many talents of a level in a field, for a year."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise"))
    year = models.PositiveSmallIntegerField(_("year"))
    field = models.ForeignKey("taxonomy.HitechField", on_delete=models.PROTECT, related_name="+", verbose_name=_("field"))
    level = models.CharField(_("level"), max_length=4)
    count = models.PositiveSmallIntegerField(_("number needed"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-year", "organization", "field"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "field", "level"], name="talent_need_once"),
            models.CheckConstraint(condition=Q(count__gte=1), name="talent_need_count"),
        ]
        verbose_name = _("talent need")
        verbose_name_plural = _("talent needs")

    @classmethod
    def scope_q(cls, scope: Scope, action):
        if scope.is_bureau:
            return None
        if scope.role == Role.ORG_USER and scope.organization_id:
            return Q(organization_id=scope.organization_id)
        if scope.role == Role.DISTRICT_STAFF and action == VIEW:
            return Q(organization__area_id__in=scope.area_ids)
        return NOTHING
