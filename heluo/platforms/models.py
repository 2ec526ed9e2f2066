"""Innovation platforms and carriers (创新平台载体): labs, centres, new-type R&D institutions, incubators …"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from heluo.core import audit
from heluo.core.models import Role
from heluo.core.permissions import RestrictedManager, published_or_own


class PlatformKind(models.TextChoices):
    NATIONAL_KEY_LAB = "national_key_lab", _("National key lab")
    PROVINCIAL_LAB = "provincial_lab", _("Provincial lab")
    KEY_LAB = "key_lab", _("Key lab")
    TECH_INNOVATION_CENTER = "tech_innovation_center", _("Technology innovation centre")
    MANUFACTURING_INNOVATION_CENTER = "manufacturing_innovation_center", _("Manufacturing innovation centre")
    ENGINEERING_RESEARCH_CENTER = "engineering_research_center", _("Engineering research centre")
    ENGINEERING_TECH_CENTER = "engineering_tech_center", _("Engineering technology research centre")
    ENTERPRISE_TECH_CENTER = "enterprise_tech_center", _("Enterprise technology centre")
    NEW_TYPE_RD_INSTITUTION = "new_type_rd_institution", _("New-type R&D institution")
    INDUSTRY_RESEARCH_INSTITUTE = "industry_research_institute", _("Industry research institute")
    PILOT_BASE = "pilot_base", _("Pilot base")
    INCUBATOR = "incubator", _("Incubator")
    MAKER_SPACE = "maker_space", _("Maker space")
    UNIVERSITY_SCIENCE_PARK = "university_science_park", _("University science park")
    TECH_INDUSTRY_COMMUNITY = "tech_industry_community", _("Tech industry community")
    TECH_TRANSFER_INSTITUTION = "tech_transfer_institution", _("Technology transfer institution")
    OTHER = "other", _("Other platform")


class PlatformLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")
    DISTRICT = "district", pgettext_lazy("platform level", "District")


class PlatformStatus(models.TextChoices):
    CULTIVATING = "cultivating", _("Cultivating")
    APPROVED = "approved", _("Approved")
    REVOKED = "revoked", _("Revoked")


@audit.register
class Platform(models.Model):
    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=40, choices=PlatformKind.choices)
    level = models.CharField(_("level"), max_length=20, choices=PlatformLevel.choices)
    area = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="platforms", verbose_name=_("area"))
    cluster = models.ForeignKey(
        "taxonomy.Cluster", null=True, blank=True, on_delete=models.SET_NULL, related_name="platforms", verbose_name=_("cluster")
    )
    hosts = models.ManyToManyField(
        "orgs.Organization", through="PlatformHost", blank=True, related_name="platforms", verbose_name=_("host organizations")
    )
    status = models.CharField(
        _("current status"),
        max_length=20,
        choices=PlatformStatus.choices,
        default=PlatformStatus.CULTIVATING,
        help_text=_("Kept in step with the latest status change."),
    )
    status_since = models.DateField(_("status since"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    is_synthetic = models.BooleanField(_("synthetic (demo)"), default=False)
    updated = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "level"], name="platforms_platform_kind_level")]  # counts by kind
        verbose_name = _("innovation platform")
        verbose_name_plural = _("innovation platforms")

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        published = Q(is_published=True)
        if scope.role == Role.DISTRICT_STAFF:
            return published_or_own(action, published, Q(area_id__in=scope.area_ids))
        if scope.role == Role.ORG_USER and scope.organization_id:
            hosted = Q(pk__in=PlatformHost.objects.filter(organization_id=scope.organization_id).values("platform_id"))
            return published_or_own(action, published, hosted, own_may_change=False)
        return published_or_own(action, published)

    def status_on(self, day):
        change = self.status_changes.filter(date__lte=day).order_by("-date", "-pk").first()
        return change.status if change else None


@audit.register
class PlatformHost(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        PARTNER = "partner", _("Partner")

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="host_links")
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="platform_links", verbose_name=_("organization")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.LEAD)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "organization"], name="platformhost_unique")]

    def __str__(self):
        return f"{self.platform} · {self.organization} ({self.get_role_display()})"


@audit.register
class PlatformStatusChange(models.Model):
    """Status over time: the platform's history of cultivation, approval and revocation."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("platform"))
    status = models.CharField(_("status"), max_length=20, choices=PlatformStatus.choices)
    date = models.DateField(_("date"))
    document = models.CharField(_("document"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["platform", "date", "pk"]
        # a platform's status on a day: its latest change on or before it
        indexes = [models.Index(fields=["platform", "date", "id"], name="platforms_status_on_day")]
        verbose_name = _("platform status change")
        verbose_name_plural = _("platform status changes")

    def __str__(self):
        return f"{self.platform} {self.get_status_display()} {self.date}"

    @classmethod
    def scope_q(cls, scope, action):
        inner = Platform.scope_q(scope, action)
        if inner is None:
            return None
        return Q(platform__in=Platform.objects.filter(inner))
