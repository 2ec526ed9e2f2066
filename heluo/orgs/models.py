"""Innovation entities: organizations, their qualifications over time, and enterprises' annual data."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from heluo.core import audit
from heluo.core.models import Role
from heluo.core.permissions import CHANGE, NOTHING, VIEW, RestrictedManager, field_rule, fields_except, published_or_own
from heluo.core.validators import validate_uscc

MONEY = dict(max_digits=18, decimal_places=2, null=True, blank=True)
# Figures that cannot be below zero (revenue, income, expenses, assets); net assets may be.
AMOUNT = dict(MONEY, validators=[MinValueValidator(0)])


class OrganizationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    UNIVERSITY = "university", _("University")
    RESEARCH_INSTITUTE = "research_institute", _("Research institute")
    SERVICE_AGENCY = "service_agency", _("Service agency")
    FINANCIAL_INSTITUTION = "financial_institution", _("Financial institution")
    INVESTOR = "investor", _("Investor")
    GOVERNMENT_UNIT = "government_unit", _("Government unit")


@audit.register
class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200, db_index=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganizationKind.choices, default=OrganizationKind.ENTERPRISE)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True, null=True, blank=True, validators=[validate_uscc])
    area = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="organizations", verbose_name=_("area"))
    industry = models.ForeignKey(
        "taxonomy.Industry", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("industry")
    )
    hitech_field = models.ForeignKey(
        "taxonomy.HitechField", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("high-tech field")
    )
    clusters = models.ManyToManyField("taxonomy.Cluster", blank=True, related_name="organizations", verbose_name=_("clusters"))
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    is_published = models.BooleanField(
        _("published"), default=True, help_text=_("Shown to the public (name, area, industry, qualifications).")
    )
    is_synthetic = models.BooleanField(_("synthetic (demo)"), default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

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
            return published_or_own(action, published, Q(pk=scope.organization_id))
        return published_or_own(action, published)


# An enterprise keeps its own profile and contact details up to date; who it is (name, credit code, kind), where it
# is registered and whether it is published are the registry's, kept by the bureau and the districts.
ORGANIZATION_SELF_SERVICE = frozenset(
    {
        "short_name",
        "industry",
        "hitech_field",
        "clusters",
        "founded_on",
        "legal_representative",
        "address",
        "phone",
        "website",
        "description",
    }
)


@field_rule(Organization)
def organization_fields(scope, org):
    return ORGANIZATION_SELF_SERVICE if scope.role == Role.ORG_USER else None


class QualificationKind(models.TextChoices):
    HTE = "hte", _("High-tech enterprise")
    TECH_SME = "tech_sme", _("Tech SME")
    INNOVATIVE_SME = "innovative_sme", _("Innovative SME")
    SRDI_SME = "srdi_sme", _("SRDI SME")
    LITTLE_GIANT = "little_giant", _("Little giant")
    GAZELLE = "gazelle", _("Gazelle")
    HIDDEN_CHAMPION = "hidden_champion", _("Hidden champion")
    SINGLE_CHAMPION = "single_champion", _("Single champion")
    LISTING_RESERVE = "listing_reserve", _("Listing reserve")
    LISTED = "listed", _("Listed")


class ListingStage(models.TextChoices):
    """上市后备企业的阶段: 培育 → 改制 → 辅导 → 报审 → 上市. Stored as codes; labels come from the catalogue."""

    CULTIVATING = "cultivating", pgettext_lazy("listing stage", "Cultivation")
    RESTRUCTURING = "restructuring", pgettext_lazy("listing stage", "Restructuring")
    TUTORING = "tutoring", pgettext_lazy("listing stage", "Tutoring")
    FILED = "filed", pgettext_lazy("listing stage", "Filed for review")
    LISTED = "listed", pgettext_lazy("listing stage", "Listed")


@audit.register
class Qualification(models.Model):
    """A recognition an organization holds for a period (高企 certificate, 科小 入库编号, 专精特新 …)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="qualifications", verbose_name=_("organization"))
    kind = models.CharField(_("kind"), max_length=20, choices=QualificationKind.choices)
    certificate_no = models.CharField(_("certificate / registration number"), max_length=60, blank=True)
    year = models.PositiveSmallIntegerField(
        _("year"), null=True, blank=True, help_text=_("Registration year (tech SMEs register every year).")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    issuer = models.CharField(_("issued by"), max_length=100, blank=True)
    document = models.CharField(_("document"), max_length=200, blank=True)
    stage = models.CharField(
        _("stage"), max_length=20, blank=True, choices=ListingStage.choices, help_text=_("Listing reserve: 培育/改制/辅导/报审/上市")
    )
    stock_code = models.CharField(_("stock code"), max_length=20, blank=True)
    exchange = models.CharField(_("exchange"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["organization", "kind", "-valid_from"]
        indexes = [
            models.Index(fields=["kind", "valid_from", "valid_to"]),
            models.Index(fields=["kind", "year"], name="orgs_qualification_kind_year"),  # registered for a year (科小)
        ]
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")

    def __str__(self):
        return f"{self.organization} · {self.get_kind_display()} {self.certificate_no}".strip()

    def is_valid_on(self, day):
        if self.revoked_on and self.revoked_on <= day:
            return False
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @classmethod
    def valid_on_q(cls, day, prefix=""):
        return (
            Q(**{f"{prefix}valid_from__lte": day})
            & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day}))
            & (Q(**{f"{prefix}revoked_on__isnull": True}) | Q(**{f"{prefix}revoked_on__gt": day}))
        )

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        # Recognitions are announced publicly; the public sees those of published organizations.
        published = Q(organization__is_published=True)
        if scope.role == Role.DISTRICT_STAFF:
            return published_or_own(action, published, Q(organization__area_id__in=scope.area_ids))
        if scope.role == Role.ORG_USER and scope.organization_id:
            return published_or_own(action, published, Q(organization_id=scope.organization_id), own_may_change=False)
        return published_or_own(action, published)


@field_rule(Qualification)
def qualification_fields(scope, qual):
    # District staff record their areas' recognitions (scope_q keeps the organization within their areas), but a
    # recognition stays with the organization it was issued to: moving it is the bureau's correction. Enterprises
    # do not record their own recognitions (scope_q: they may not change them at all).
    if scope.role == Role.DISTRICT_STAFF and qual.pk is not None:
        return fields_except(Qualification, "organization")
    return None


class DataStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Verified")


@audit.register
class EnterpriseAnnual(models.Model):
    """One enterprise's figures for one accounting year. Money in yuan (元)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="annual_data", verbose_name=_("enterprise"))
    year = models.PositiveSmallIntegerField(_("year"))
    operating_revenue = models.DecimalField(_("operating revenue"), **AMOUNT)
    sales_revenue = models.DecimalField(_("sales revenue"), **AMOUNT)
    hitech_income = models.DecimalField(_("high-tech product/service revenue"), **AMOUNT)
    total_income = models.DecimalField(_("total income"), **AMOUNT)
    rd_expense = models.DecimalField(_("R&D expense"), **AMOUNT)
    rd_expense_domestic = models.DecimalField(_("R&D expense in China"), **AMOUNT)
    # The 工作指引's categories of R&D expense.
    rd_personnel = models.DecimalField(_("R&D: personnel costs"), **AMOUNT)
    rd_direct_input = models.DecimalField(_("R&D: direct inputs"), **AMOUNT)
    rd_depreciation = models.DecimalField(_("R&D: depreciation and long-term prepaid"), **AMOUNT)
    rd_amortization = models.DecimalField(_("R&D: amortisation of intangibles"), **AMOUNT)
    rd_design = models.DecimalField(_("R&D: design costs"), **AMOUNT)
    rd_equipment_trial = models.DecimalField(_("R&D: equipment set-up and trial costs"), **AMOUNT)
    rd_outsourced = models.DecimalField(_("R&D: commissioned research"), **AMOUNT)
    rd_other = models.DecimalField(_("R&D: other costs"), **AMOUNT)
    total_staff = models.PositiveIntegerField(_("total staff"), null=True, blank=True)
    st_staff = models.PositiveIntegerField(_("S&T staff"), null=True, blank=True)
    net_assets = models.DecimalField(_("net assets"), **MONEY)
    total_assets = models.DecimalField(_("total assets"), **AMOUNT)
    ip_class1 = models.PositiveIntegerField(
        _("class I IP"), null=True, blank=True, help_text=_("Invention patents, plant varieties, IC layouts, new drugs …")
    )
    ip_class2 = models.PositiveIntegerField(
        _("class II IP"), null=True, blank=True, help_text=_("Utility models, designs, software copyrights …")
    )
    invention_patents = models.PositiveIntegerField(_("invention patents"), null=True, blank=True)
    high_value_invention_patents = models.PositiveIntegerField(_("high-value invention patents"), null=True, blank=True)
    tech_contract_income = models.DecimalField(_("technology contract income"), **AMOUNT)
    equity_financing = models.DecimalField(_("equity financing"), **AMOUNT)
    source = models.CharField(_("source"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=DataStatus.choices, default=DataStatus.DRAFT)
    is_synthetic = models.BooleanField(_("synthetic (demo)"), default=False)
    updated = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["organization", "-year"]
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="annual_org_year")]
        indexes = [models.Index(fields=["year"])]
        verbose_name = _("enterprise annual data")
        verbose_name_plural = _("enterprise annual data")

    def __str__(self):
        return f"{self.organization} {self.year}"

    @property
    def rd_intensity(self):
        if self.rd_expense is None or not self.sales_revenue:
            return None
        return self.rd_expense / self.sales_revenue

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        if scope.role == Role.DISTRICT_STAFF:
            return Q(organization__area_id__in=scope.area_ids) if action in (VIEW, CHANGE) else NOTHING
        if scope.role == Role.ORG_USER and scope.organization_id:
            mine = Q(organization_id=scope.organization_id)
            if action == VIEW:
                return mine
            # An enterprise edits and withdraws its own figures until the bureau has verified them.
            return mine & ~Q(status=DataStatus.VERIFIED)
        return NOTHING


# An enterprise reports its own figures and source, and submits or takes them back (status draft/submitted: scope_q
# refuses "verified" and anything already verified). Which enterprise and which year a row is about are set when it
# is created (scope_q: only the enterprise itself) and fixed after: a wrong year is withdrawn and entered anew.
@field_rule(EnterpriseAnnual)
def annual_fields(scope, row):
    new = row.pk is None
    if scope.role == Role.ORG_USER:
        return fields_except(EnterpriseAnnual, "is_synthetic", *(() if new else ("organization", "year")))
    if scope.role == Role.DISTRICT_STAFF and not new:
        return fields_except(EnterpriseAnnual, "organization")  # as for qualifications: a report stays with its enterprise
    return None
