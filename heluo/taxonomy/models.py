"""Classifications shared by all modules: GB/T 4754-2017 industries, the 8 national high-tech fields, the plan's clusters."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from heluo.core.i18n import LocalizedNameMixin


class ReferenceScope:
    @classmethod
    def scope_q(cls, scope, action):
        if action == "view":
            return None
        return None if scope.is_admin else models.Q(pk__in=[])


class Industry(ReferenceScope, LocalizedNameMixin, models.Model):
    """国民经济行业分类 GB/T 4754-2017: sections (门类, A–T) and divisions (大类, 01–97)."""

    class Level(models.TextChoices):
        SECTION = "section", _("Section")
        DIVISION = "division", _("Division")

    code = models.CharField(_("code"), max_length=5, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("section"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=120)
    standard = models.CharField(_("standard"), max_length=30, default="GB/T 4754-2017")

    class Meta:
        ordering = ["code"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")

    def __str__(self):
        return f"{self.code} {self.name}"


class HitechField(ReferenceScope, LocalizedNameMixin, models.Model):
    """国家重点支持的高新技术领域 (2016): 8 fields, each with its sub-fields; code "8" or "8.4"."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    number = models.PositiveSmallIntegerField(_("field number"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("field"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=120)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort"]
        verbose_name = _("high-tech field")
        verbose_name_plural = _("high-tech fields")

    def __str__(self):
        return f"{self.code} {self.name}"


class Cluster(ReferenceScope, LocalizedNameMixin, models.Model):
    """The plan's industry clusters (专栏六) and future industries (专栏七)."""

    class Kind(models.TextChoices):
        CLUSTER = "cluster", _("Industry cluster")
        FUTURE = "future_industry", _("Future industry")

    city = models.ForeignKey("geo.Area", on_delete=models.CASCADE, related_name="clusters", verbose_name=_("city"))
    code = models.CharField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=120)
    focus_zh = models.TextField(_("key technology directions"), blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["city", "sort"]
        constraints = [models.UniqueConstraint(fields=["city", "code"], name="cluster_city_code")]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")

    def __str__(self):
        return self.name
