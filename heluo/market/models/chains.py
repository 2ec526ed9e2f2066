"""Industry chains (产业技术地图): each cluster's chain and its links, loaded from the city's chain files, and the
enterprises the bureau attaches to a link by hand."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.i18n import Bilingual, LocalizedNameMixin
from heluo.core.permissions import NOTHING, VIEW, RestrictedManager

from ..engine.chains import STAGES


class Stage(models.TextChoices):
    UPSTREAM = STAGES[0], _("Upstream")
    MIDSTREAM = STAGES[1], _("Midstream")
    DOWNSTREAM = STAGES[2], _("Downstream")


class StaffReadScope:
    """The chains and what sits on them are the officials' working map: bureau and district staff read them
    (each list of records then through that record's own scope); the bureau changes them."""

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        return None if action == VIEW and scope.is_staff else NOTHING


class IndustryChain(StaffReadScope, models.Model):
    """A cluster's industry chain, as its data file has it (a labelled example until the bureau confirms it)."""

    cluster = models.OneToOneField("taxonomy.Cluster", on_delete=models.CASCADE, related_name="chain", verbose_name=_("cluster"))
    version = models.CharField(_("version"), max_length=40)
    source = models.JSONField(_("source"), default=dict)  # document, issuer, year, section
    example_zh = models.CharField(_("example label (Chinese)"), max_length=300, blank=True)
    example_en = models.CharField(_("example label (English)"), max_length=300, blank=True)
    rules = models.JSONField(_("rules"), default=dict)  # the city's rules file as loaded: weights, targets, gap thresholds
    source_digest = models.CharField(max_length=64, blank=True)
    updated = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["cluster__sort"]
        verbose_name = _("industry chain")
        verbose_name_plural = _("industry chains")

    def __str__(self):
        return str(self.cluster)

    @property
    def example(self) -> str:
        """The label saying whose example the chain is, in the page's language."""
        return str(Bilingual(self.example_zh, self.example_en))


class ChainLink(StaffReadScope, LocalizedNameMixin, models.Model):
    """A link (环节) of a chain with its key technologies and the rules that attach records to it. A link that a
    newer version of the file no longer has is kept, not current, with its manual attachments."""

    chain = models.ForeignKey(IndustryChain, on_delete=models.CASCADE, related_name="links", verbose_name=_("industry chain"))
    code = models.CharField(_("code"), max_length=40)
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    key_technologies = models.JSONField(_("key technologies"), default=list)
    industries = models.JSONField(_("industries (GB/T 4754 divisions)"), default=list)
    hitech_fields = models.JSONField(_("high-tech fields"), default=list)
    keywords = models.JSONField(_("keywords"), default=list)
    is_current = models.BooleanField(_("current"), default=True)
    sort = models.PositiveSmallIntegerField(default=0)

    objects = RestrictedManager()

    class Meta:
        ordering = ["chain", "sort"]
        constraints = [models.UniqueConstraint(fields=["chain", "code"], name="chainlink_chain_code")]
        verbose_name = _("chain link")
        verbose_name_plural = _("chain links")

    def __str__(self):
        return f"{self.chain} · {self.name}"


@audit.register
class ChainAttachment(StaffReadScope, models.Model):
    """An enterprise the bureau put on a link by hand (one the rules miss), with who did it, when and why."""

    link = models.ForeignKey(ChainLink, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("chain link"))
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="chain_attachments", verbose_name=_("enterprise")
    )
    note = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("attached by")
    )
    created = models.DateTimeField(_("attached at"), auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["link", "-created"]
        constraints = [models.UniqueConstraint(fields=["link", "organization"], name="chainattachment_link_org")]
        verbose_name = _("manual chain attachment")
        verbose_name_plural = _("manual chain attachments")

    def __str__(self):
        return f"{self.link} · {self.organization}"
