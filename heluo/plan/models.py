"""The plan as data: a city's plan, its indicators (baseline → target) and the observations of each
indicator per area and period, with their sources. An observation is never overwritten: a revised figure
is a new row that supersedes the previous one for the same indicator, area and period."""

import calendar
import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.i18n import LocalizedNameMixin
from heluo.core.models import Role
from heluo.core.permissions import CHANGE, NOTHING, VIEW, RestrictedManager

VALUE = dict(max_digits=20, decimal_places=6)


# The plan's progress thresholds: field names and defaults of heluo.plan.engine.measures.ProgressConfig.
THRESHOLD_FIELDS = ("ratio_on_track", "ratio_acceleration", "ratio_limited", "growth_substantial", "growth_moderate", "growth_limited")


def default_thresholds() -> dict:
    """Statistics Canada / Open SDG: with a target R = d·CAGR_observed / |CAGR_required| is compared with
    0.95 / 0.6 / 0; without a target d·CAGR_observed with 1.5 % / 0.5 % / 0."""
    from heluo.plan.engine.measures import DEFAULT_CONFIG

    return {name: getattr(DEFAULT_CONFIG, name) for name in THRESHOLD_FIELDS}


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class IndicatorKind(models.TextChoices):
    EXPECTED = "expected", _("Expected (预期性)")
    BINDING = "binding", _("Binding (约束性)")


class PathShape(models.TextChoices):
    LINEAR = "linear", _("Linear")
    COMPOUND = "compound", _("Compound growth")


class ValueSource(models.TextChoices):
    REPORTED = "reported", _("Reported statistic")
    COMPUTED = "computed", _("Computed from the platform's records")


class MeasureType(models.TextChoices):
    STOCK = "stock", _("Stock (count or level at a date)")
    FLOW = "flow", _("Flow (accumulates over the period)")
    RATIO = "ratio", _("Ratio or rate")


class IndicatorGroup(models.TextChoices):
    CORE = "core", _("Core indicator table")
    GOAL = "goal", _("Quantified target in the plan text")
    CONTEXT = "context", _("Context statistic (no target)")


class ObservationStatus(models.TextChoices):
    FIRST_RELEASE = "first_release", _("First release")
    REVISED = "revised", _("Revised")
    ESTIMATE = "estimate", _("Estimate")
    DERIVED = "derived", _("Derived")


class Qualifier(models.TextChoices):
    EXACT = "", _("exact")
    MORE_THAN = ">", _("more than")
    AT_LEAST = "≥", _("at least")
    LESS_THAN = "<", _("less than")
    AT_MOST = "≤", _("at most")
    ABOUT = "≈", _("about")


PUBLIC_AREA_KINDS = ("province", "city")


@audit.register
class Plan(LocalizedNameMixin, models.Model):
    code = models.CharField(_("code"), max_length=60, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    city = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="plans", verbose_name=_("city"))
    period_start = models.PositiveSmallIntegerField(_("first year"))
    period_end = models.PositiveSmallIntegerField(_("last year"))
    issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    document_link = models.CharField(_("document link"), max_length=500, blank=True)
    document_date = models.DateField(_("document date"), null=True, blank=True)
    document_note = models.TextField(_("about the document"), blank=True)
    thresholds = models.JSONField(_("progress thresholds"), default=default_thresholds, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    source_digest = models.CharField(_("digest of the loaded data files"), max_length=64, blank=True, editable=False)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-period_start", "code"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self):
        return self.name

    def clean(self):
        if self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The plan ends before it starts.")})
        try:
            self.progress_config()
        except (TypeError, ValueError) as exc:
            raise ValidationError({"thresholds": str(exc)}) from None

    def progress_thresholds(self) -> dict:
        return {**default_thresholds(), **(self.thresholds or {})}

    def progress_config(self):
        """The plan's thresholds as a measures.ProgressConfig (unknown keys are ignored)."""
        import dataclasses

        from heluo.plan.engine.measures import ProgressConfig

        names = {f.name for f in dataclasses.fields(ProgressConfig)}
        return ProgressConfig(**{k: v for k, v in self.progress_thresholds().items() if k in names})

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        if action == VIEW:
            return None if scope.role == Role.DISTRICT_STAFF else Q(is_published=True)
        return NOTHING


@audit.register
class Indicator(LocalizedNameMixin, models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("plan"))
    code = models.CharField(_("code"), max_length=30)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=60, blank=True)
    definition = models.TextField(_("definition"), blank=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    kind = models.CharField(_("kind"), max_length=10, choices=IndicatorKind.choices, default=IndicatorKind.EXPECTED)
    path = models.CharField(_("expected path"), max_length=10, choices=PathShape.choices, default=PathShape.LINEAR)
    measure_type = models.CharField(
        _("type of measure"),
        max_length=10,
        choices=MeasureType.choices,
        default=MeasureType.STOCK,
        help_text=_("A partial-period value of a flow is not compared with an annual target."),
    )
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    baseline_value = models.DecimalField(_("baseline"), **VALUE, null=True, blank=True)
    baseline_text = models.CharField(_("baseline as written"), max_length=60, blank=True)
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True)
    target_value = models.DecimalField(_("target"), **VALUE, null=True, blank=True)
    target_text = models.CharField(_("target as written"), max_length=80, blank=True)
    source = models.CharField(_("how the value is obtained"), max_length=10, choices=ValueSource.choices, default=ValueSource.REPORTED)
    computation = models.CharField(
        _("computation"), max_length=40, blank=True, help_text=_("Key of the computation (heluo.plan.selectors.COMPUTATIONS).")
    )
    computation_params = models.JSONField(_("computation parameters"), default=dict, blank=True)
    group = models.CharField(_("group"), max_length=10, choices=IndicatorGroup.choices, default=IndicatorGroup.CORE)
    theme = models.CharField(_("theme"), max_length=40, blank=True)
    citation = models.CharField(_("plan section"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    decimals = models.PositiveSmallIntegerField(_("decimals shown"), default=2)
    sort = models.PositiveSmallIntegerField(default=0)
    is_published = models.BooleanField(_("published"), default=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["plan", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="indicator_plan_code")]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    @property
    def natural_limit(self):
        """A coverage share cannot exceed 100%: a district already at full coverage is not "stalled"."""
        return 100.0 if (self.computation or "").endswith("_coverage") else None

    def __str__(self):
        return f"{self.name}（{self.unit}）" if self.unit else self.name

    def clean(self):
        if self.source == ValueSource.COMPUTED and not self.computation:
            raise ValidationError({"computation": _("A computed indicator needs its computation.")})

    @property
    def has_target(self) -> bool:
        return self.target_value is not None and self.target_year is not None

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        if action == VIEW:
            return None if scope.role == Role.DISTRICT_STAFF else Q(is_published=True, plan__is_published=True)
        return NOTHING


def make_period_key(year, quarter=None, month=None, partial=False) -> str:
    """One string per period, so 'the same period' is a plain equality: 2024, 2024Q3, 2024M09, 2025P."""
    if month:
        return f"{year}M{int(month):02d}"
    if quarter:
        return f"{year}Q{int(quarter)}"
    return f"{year}P" if partial else f"{year}"


@audit.register
class Observation(models.Model):
    """One published value of an indicator for an area and period. Never overwritten: a revision is a new
    row whose `supersedes` points at the previous one; exactly one row per (indicator, area, period) is current."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="observations", verbose_name=_("indicator"))
    area = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), null=True, blank=True, help_text=_("Year to date up to the end of this quarter.")
    )
    month = models.PositiveSmallIntegerField(
        _("month"), null=True, blank=True, help_text=_("Year to date up to the end of this month (1-9月 = 9).")
    )
    period_label = models.CharField(_("period"), max_length=60, blank=True, help_text=_("As the source writes it, e.g. 2025年1-9月."))
    is_partial_period = models.BooleanField(_("part of the year only"), default=False)
    period_key = models.CharField(max_length=16, editable=False, db_index=True)
    value = models.DecimalField(_("value"), **VALUE)
    value_qualifier = models.CharField(_("qualifier"), max_length=2, choices=Qualifier.choices, blank=True, default="")
    status = models.CharField(_("status"), max_length=15, choices=ObservationStatus.choices, default=ObservationStatus.FIRST_RELEASE)
    is_uncertain = models.BooleanField(_("uncertain"), default=False, help_text=_("A conflict or ambiguity in the sources; see the note."))
    source_document = models.CharField(_("source document"), max_length=300, blank=True)
    source_publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    source_date = models.DateField(_("source date"), null=True, blank=True)
    source_link = models.CharField(_("source link"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True)
    vintage = models.DateTimeField(
        _("vintage"), db_index=True, help_text=_("When this value became known; later vintages supersede earlier ones.")
    )
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="superseded_by", verbose_name=_("supersedes")
    )
    is_current = models.BooleanField(_("current"), default=True)
    is_published = models.BooleanField(_("published"), default=True)
    recorded = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["indicator", "area", "year", "period_key", "vintage", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "period_key"], condition=Q(is_current=True), name="observation_one_current"
            ),
            models.CheckConstraint(condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4), name="observation_quarter_1_4"),
            models.CheckConstraint(condition=Q(month__isnull=True) | Q(month__gte=1, month__lte=12), name="observation_month_1_12"),
            models.CheckConstraint(condition=Q(quarter__isnull=True) | Q(month__isnull=True), name="observation_quarter_or_month"),
        ]
        indexes = [models.Index(fields=["indicator", "area", "year"])]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")

    def __str__(self):
        return f"{self.indicator.name_zh} {self.period_label or self.period_key} {self.value_display}"

    def save(self, *args, **kwargs):
        if (self.quarter and self.quarter < 4) or (self.month and self.month < 12):
            self.is_partial_period = True
        self.period_key = make_period_key(self.year, self.quarter, self.month, self.is_partial_period)
        super().save(*args, **kwargs)

    def clean(self):
        if self.quarter and self.month:
            raise ValidationError(_("Give a quarter or a month, not both."))

    @property
    def value_display(self) -> str:
        return f"{self.value_qualifier}{format(self.value.normalize(), 'f')}"

    @property
    def period_end(self) -> dt.date:
        if self.month:
            return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        if self.quarter:
            month = self.quarter * 3
            return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])
        return dt.date(self.year, 12, 31)

    @property
    def comparable_with_annual(self) -> bool:
        """A year-to-date value of a flow (contract turnover Jan–Sep) is not a value for the year."""
        return not (self.is_partial_period and self.indicator.measure_type == MeasureType.FLOW)

    @classmethod
    def public_q(cls):
        return Q(is_published=True, indicator__is_published=True, indicator__plan__is_published=True)

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        if scope.role == Role.DISTRICT_STAFF:
            mine = Q(area_id__in=scope.area_ids)
            if action == VIEW:
                return cls.public_q() | Q(area__kind__in=PUBLIC_AREA_KINDS) | mine
            return mine if action == CHANGE else NOTHING
        return cls.public_q() if action == VIEW else NOTHING


class AssessmentRun(models.Model):
    """A stored district assessment (县区考核): the definition it used (code, version, digest and a copy), the
    method, the data matrix and the result, so a published ranking can be shown and recomputed as it was."""

    year = models.PositiveSmallIntegerField(_("year"))
    definition_code = models.CharField(_("assessment definition"), max_length=60)
    definition_version = models.CharField(_("definition version"), max_length=40, blank=True)
    definition_digest = models.CharField(_("definition digest"), max_length=64)
    definition = models.JSONField(_("definition as used"), default=dict)
    method = models.JSONField(_("method"), default=dict)
    inputs = models.JSONField(
        _("data matrix"), default=dict, help_text=_("Raw value of each indicator per district, with the records behind it.")
    )
    data_digest = models.CharField(_("data digest"), max_length=64)
    result = models.JSONField(_("result"), default=dict)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["year", "definition_code", "created"])]
        verbose_name = _("assessment run")
        verbose_name_plural = _("assessment runs")

    def __str__(self):
        return (
            f"{self.definition_code} {self.year} · {self.created:%Y-%m-%d %H:%M}" if self.created else f"{self.definition_code} {self.year}"
        )
