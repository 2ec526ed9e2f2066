"""科技成果库 (the library of achievements): an organization's technology achievements, their intellectual property,
attachments and workflow events. The workflow itself is data (data/achievement-workflow.json, on heluo.core.workflow)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from heluo.core import audit
from heluo.core.models import DomainEvent, Role
from heluo.core.permissions import NOTHING, VIEW, RestrictedManager, field_rule

TRL_MIN, TRL_MAX = 1, 9
MAX_PRICE_WAN = 10_000_000  # 万元: a reference price above 1,000 亿元 is a typing error
TITLE_MAX, ABSTRACT_MAX, KEYWORDS_MAX, TEAM_MAX = 200, 5000, 200, 1000


class AchievementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    REVIEWED = "reviewed", pgettext_lazy("a record passed its review (审核)", "Reviewed")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TransferMode(models.TextChoices):
    TRANSFER = "transfer", _("Assignment")  # 转让
    LICENSE = "license", _("Licensing")  # 许可
    EQUITY = "equity", _("Investment as equity")  # 作价入股
    JOINT = "joint_development", _("Joint development")  # 合作开发


class IPKind(models.TextChoices):
    INVENTION = "invention", _("Invention patent")
    UTILITY_MODEL = "utility_model", _("Utility model patent")
    DESIGN = "design", _("Design patent")
    SOFTWARE = "software_copyright", _("Software copyright")
    IC_LAYOUT = "ic_layout", _("Integrated circuit layout design")
    PLANT_VARIETY = "plant_variety", _("New plant variety")
    TECHNICAL_SECRET = "technical_secret", _("Technical secret")
    OTHER = "other", _("Other")


def transfer_modes_q(code: str) -> Q:
    """Achievements offered in this mode (codes are stored comma-joined, none a part of another)."""
    return Q(transfer_modes__contains=code)


@audit.register
class Achievement(models.Model):
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    abstract = models.TextField(_("abstract"), max_length=ABSTRACT_MAX)
    keywords = models.CharField(_("keywords"), max_length=KEYWORDS_MAX, blank=True, help_text=_("Separated by 、 or commas."))
    hitech_field = models.ForeignKey(
        "taxonomy.HitechField", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("high-tech field")
    )
    industry = models.ForeignKey(
        "taxonomy.Industry", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("industry")
    )
    cluster = models.ForeignKey(
        "taxonomy.Cluster", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("cluster")
    )
    trl = models.PositiveSmallIntegerField(
        _("technology readiness level"),
        validators=[MinValueValidator(TRL_MIN), MaxValueValidator(TRL_MAX)],
        help_text=_("TRL 1 (principle) to 9 (proven in operation)."),
    )
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="achievements", verbose_name=_("owner organization")
    )
    leader = models.CharField(_("team leader"), max_length=50, blank=True)
    team = models.CharField(_("team members"), max_length=TEAM_MAX, blank=True, help_text=_("Names, separated by 、 or commas."))
    transfer_modes = models.CharField(_("transfer modes"), max_length=80, blank=True)
    price = models.DecimalField(
        _("reference price (10,000 yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_PRICE_WAN)],
    )
    negotiable = models.BooleanField(_("price negotiable"), default=False)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), max_length=100, blank=True)
    contact_public = models.BooleanField(_("contact details public"), default=False, help_text=_("Shown on the public pages."))
    status = models.CharField(_("status"), max_length=12, choices=AchievementStatus.choices, default=AchievementStatus.DRAFT, db_index=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    is_synthetic = models.BooleanField(_("synthetic (demo)"), default=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "published_at"], name="market_achievement_catalogue")]
        constraints = [
            models.CheckConstraint(condition=Q(trl__gte=TRL_MIN, trl__lte=TRL_MAX), name="market_achievement_trl_range"),
            models.CheckConstraint(condition=Q(price__isnull=True) | Q(price__gte=0), name="market_achievement_price_nonneg"),
        ]
        verbose_name = _("achievement")
        verbose_name_plural = _("achievements")

    def __str__(self):
        return self.title

    @property
    def mode_codes(self) -> list[str]:
        return [c for c in self.transfer_modes.split(",") if c]

    def get_transfer_modes_display(self) -> list[str]:
        labels = dict(TransferMode.choices)
        return [str(labels.get(c, c)) for c in self.mode_codes]

    @classmethod
    def scope_q(cls, scope, action):
        """Published ones: everyone (the public too). The owner organization's users: all of theirs, and change
        (and delete) them while draft. District staff: their areas' organizations' ones once submitted (they review
        them through the workflow, and change nothing else). Bureau: all, and corrects any."""
        published = Q(status=AchievementStatus.PUBLISHED)
        if scope.is_bureau:
            return None
        if scope.role == Role.ORG_USER and scope.organization_id:
            own = Q(organization_id=scope.organization_id)
            return published | own if action == VIEW else own & Q(status=AchievementStatus.DRAFT)
        if scope.role == Role.DISTRICT_STAFF and action == VIEW:
            return published | (Q(organization__area_id__in=scope.area_ids) & ~Q(status=AchievementStatus.DRAFT))
        return published if action == VIEW else NOTHING


# Who writes what (forms, the API and imports alike): the workflow's own fields only through its transitions;
# the owner organization is the organization user's own (scope_q checks the value) and, once the record exists,
# moves only by the bureau's correction.
WORKFLOW_FIELDS = ("status", "submitted_at", "published_at", "is_synthetic", "created", "updated")


ACHIEVEMENT_CONTENT = frozenset(
    f.name for f in Achievement._meta.concrete_fields if not f.primary_key and f.name not in (*WORKFLOW_FIELDS, "organization")
)


@field_rule(Achievement)
def achievement_fields(scope, achievement):
    if scope.is_bureau or achievement._state.adding:
        return ACHIEVEMENT_CONTENT | {"organization"}
    return ACHIEVEMENT_CONTENT


@audit.register
class AchievementIP(models.Model):
    """A patent, software copyright or other right an achievement rests on (成果的知识产权)."""

    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="ip_rights", verbose_name=_("achievement"))
    kind = models.CharField(_("kind"), max_length=20, choices=IPKind.choices)
    number = models.CharField(_("number"), max_length=60, help_text=_("Patent or registration number, e.g. ZL202310000001.X"))
    title = models.CharField(_("title"), max_length=200, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["achievement", "kind", "number"]
        constraints = [models.UniqueConstraint(fields=["achievement", "kind", "number"], name="market_achievement_ip_unique")]
        verbose_name = _("intellectual property right")
        verbose_name_plural = _("intellectual property rights")

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    @classmethod
    def scope_q(cls, scope, action):
        q = Achievement.scope_q(scope, action)
        return None if q is None else Q(achievement__in=Achievement.objects.filter(q))


@audit.register
class AchievementAttachment(models.Model):
    """A file attached to an achievement (a report, a certificate's scan), kept under its SHA-256 (services)."""

    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("achievement"))
    name = models.CharField(_("file name"), max_length=120)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(_("size"))
    kind = models.CharField(_("file type"), max_length=10)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["achievement", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, scope, action):
        q = Achievement.scope_q(scope, action)
        return None if q is None else Q(achievement__in=Achievement.objects.filter(q))


class AchievementEvent(DomainEvent):
    """Append-only: each workflow transition of an achievement, who took it, when and why. Not in the change log
    (it is a log itself); the achievement's own status change is."""

    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="events", verbose_name=_("achievement"))
    transition = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=12, choices=AchievementStatus.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=AchievementStatus.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    workflow_version = models.CharField(_("workflow version"), max_length=20, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["achievement", "id"]
        verbose_name = _("achievement event")
        verbose_name_plural = _("achievement events")

    def __str__(self):
        return f"{self.achievement_id} {self.transition}"

    @classmethod
    def scope_q(cls, scope, action):
        """The history of what one may see, except the public's (who sees the published record only)."""
        if action != VIEW or scope.is_public:
            return NOTHING
        q = Achievement.scope_q(scope, VIEW)
        return None if q is None else Q(achievement__in=Achievement.objects.filter(q))
