"""Rule sets configured in the UI (瞪羚 and the city's own sets), in the same JSON form as the shipped files.

The definition is validated by ``heluo.cultivation.rules.parse_ruleset`` before it is saved, so a custom
set is evaluated by the same engine, with the same citations and gap texts, as a shipped one.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.permissions import NOTHING, VIEW, RestrictedManager


@audit.register
class CustomRuleSet(models.Model):
    name = models.SlugField(_("Rule set name"), max_length=60, unique=True, help_text="e.g. gazelle-2026")
    title = models.CharField(_("Title"), max_length=200)
    version = models.CharField(_("Version"), max_length=40)
    pool = models.CharField(
        _("Used for the cultivation pool"), max_length=40, blank=True, help_text="a pool code of config/pools.json, e.g. gazelle"
    )
    definition = models.JSONField(_("Rule definition"), default=dict)
    active = models.BooleanField(_("Active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("Created by")
    )
    updated = models.DateTimeField(_("Updated at"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("Custom rule set")
        verbose_name_plural = _("Custom rule sets")

    def __str__(self):
        return f"{self.name} {self.version}"

    def parsed(self):
        from heluo.cultivation.engine.rules import parse_ruleset

        return parse_ruleset(self.definition)

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        return None if action == VIEW and scope.role is not None else NOTHING
