"""Administrative areas, functional zones and the plan's planning zones, loaded from a city data file."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heluo.core.i18n import LocalizedNameMixin


class PlanningZone(LocalizedNameMixin, models.Model):
    """A zone of the city's plan (e.g. 都市核心区); districts are assessed against their zone's standard."""

    city = models.ForeignKey("Area", on_delete=models.CASCADE, related_name="planning_zones", verbose_name=_("city"))
    code = models.CharField(_("code"), max_length=30)
    name_zh = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=80)
    confidence = models.CharField(_("confidence of membership"), max_length=20, blank=True)
    source = models.TextField(_("source"), blank=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["city", "sort"]
        constraints = [models.UniqueConstraint(fields=["city", "code"], name="planningzone_city_code")]
        verbose_name = _("planning zone")
        verbose_name_plural = _("planning zones")

    def __str__(self):
        return self.name


class Area(LocalizedNameMixin, models.Model):
    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        COUNTY = "county", _("County")
        COUNTY_CITY = "county_city", _("County-level city")
        FUNCTIONAL_ZONE = "functional_zone", _("Functional zone")

    code = models.CharField(
        _("code"), max_length=12, unique=True, help_text=_("GB/T 2260 code; statistical or local codes for functional zones")
    )
    code_is_official = models.BooleanField(_("official administrative code"), default=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent"))
    planning_zone = models.ForeignKey(
        PlanningZone, null=True, blank=True, on_delete=models.SET_NULL, related_name="areas", verbose_name=_("planning zone")
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("retired on"), null=True, blank=True)
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors", verbose_name=_("successor")
    )
    note = models.TextField(_("note"), blank=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self):
        return self.name

    @property
    def is_current(self):
        return self.valid_to is None

    @classmethod
    def expand_ids(cls, ids) -> set[int]:
        """The areas given and every area below them (a district staff member sees its sub-areas)."""
        result, frontier = set(ids), set(ids)
        while frontier:
            frontier = set(cls.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - result
            result |= frontier
        return result

    def ids_below(self) -> set[int]:
        """This area and every area below it, read once per object (a page computes many figures for one area)."""
        if getattr(self, "_ids_below", None) is None:
            self._ids_below = Area.expand_ids([self.pk])
        return self._ids_below

    @classmethod
    def below_each(cls, areas) -> dict[int, set[int]]:
        """Each area's `ids_below`, from one read of the whole tree when any is not known yet (a map's districts)."""
        missing = [a for a in areas if getattr(a, "_ids_below", None) is None]
        if missing:
            children: dict[int | None, list[int]] = {}
            for pk, parent in cls.objects.order_by().values_list("pk", "parent_id"):
                children.setdefault(parent, []).append(pk)
            for area in missing:
                ids, todo = {area.pk}, [area.pk]
                while todo:
                    for child in children.get(todo.pop(), ()):
                        if child not in ids:
                            ids.add(child)
                            todo.append(child)
                area._ids_below = ids
        return {a.pk: a._ids_below for a in areas}

    @classmethod
    def scope_q(cls, scope, action):
        # Reference data: everyone reads it; only the bureau administrator edits it (through the data file).
        if action == "view":
            return None
        return None if scope.is_admin else Q(pk__in=[])
