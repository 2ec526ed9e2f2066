"""技术合同认定登记: the registered technology contracts, each review step as an event, and the registration
number sequences (per registering office and year)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import DomainEvent, Role
from heluo.core.permissions import CHANGE, NOTHING, VIEW, RestrictedManager, field_rule, fields_except
from heluo.core.validators import validate_uscc
from heluo.orgs.models import Organization

from ..engine import contracts as rules

MONEY = dict(max_digits=16, decimal_places=2)


class ContractType(models.TextChoices):
    """The five kinds of 技术合同 (民法典 第三编第二十章); each rule set (data/contract-rules) names its articles."""

    DEVELOPMENT = "development", _("Technology development")
    TRANSFER = "transfer", _("Technology transfer")
    LICENSING = "licensing", _("Technology licensing")
    CONSULTING = "consulting", _("Technology consulting")
    SERVICE = "service", _("Technology service")


class ContractState(models.TextChoices):
    """The states of data/contract-registration.json's workflow (its transitions, roles and labels are data)."""

    SUBMITTED = "submitted", _("Submitted")
    REGISTERED = "registered", _("Registered")
    REFUSED = "refused", _("Refused")


class BuyerLocation(models.TextChoices):
    CITY = rules.CITY, _("In the city")
    PROVINCE = rules.PROVINCE, _("Elsewhere in the province")
    ELSEWHERE = rules.ELSEWHERE, _("Outside the province")


class ContractSource(models.TextChoices):
    ENTERED = "entered", _("Entered by the registering office")
    IMPORTED = "imported", _("Imported from the national system")


@audit.register
class TechnologyContract(models.Model):
    registration_number = models.CharField(_("registration number"), max_length=30, unique=True, null=True, blank=True)
    contract_number = models.CharField(_("contract number"), max_length=60, blank=True)
    name = models.CharField(_("contract name"), max_length=200)
    contract_type = models.CharField(_("contract type"), max_length=20, choices=ContractType.choices)
    subtype = models.CharField(_("sub-type"), max_length=20, blank=True)
    original_type = models.CharField(_("type as submitted"), max_length=20, choices=ContractType.choices, blank=True)
    rule_set = models.CharField(_("rule set"), max_length=30, help_text=_("the registration rules applied (data/contract-rules)"))
    state = models.CharField(_("state"), max_length=20, choices=ContractState.choices, default=ContractState.SUBMITTED)
    refusal_reason = models.CharField(_("refusal reason"), max_length=500, blank=True)

    seller_name = models.CharField(_("seller"), max_length=200)
    seller_uscc = models.CharField(_("seller's credit code"), max_length=18, validators=[validate_uscc], db_index=True)
    seller = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("seller (registered)")
    )
    seller_area = models.ForeignKey(
        "geo.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("seller's area")
    )
    buyer_name = models.CharField(_("buyer"), max_length=200)
    buyer_uscc = models.CharField(_("buyer's credit code"), max_length=18, blank=True, validators=[validate_uscc], db_index=True)
    buyer = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("buyer (registered)")
    )
    buyer_area = models.ForeignKey(
        "geo.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("buyer's area")
    )
    buyer_location = models.CharField(_("buyer's location"), max_length=20, choices=BuyerLocation.choices)

    contract_amount = models.DecimalField(_("contract amount"), **MONEY)
    non_technical_costs = models.DecimalField(_("non-technical costs"), default=0, **MONEY)
    transaction_amount = models.DecimalField(_("technical transaction amount"), **MONEY)
    cost_items = models.JSONField(_("non-technical costs by category"), default=dict, blank=True)

    signed_on = models.DateField(_("signed on"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    submitted_on = models.DateField(_("accepted for review on"))
    registered_on = models.DateField(_("registered on"), null=True, blank=True, db_index=True)
    office = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("registering office"))
    hitech_field = models.ForeignKey(
        "taxonomy.HitechField", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("high-tech field")
    )
    cluster = models.ForeignKey(
        "taxonomy.Cluster", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("industry cluster")
    )
    source = models.CharField(_("source"), max_length=10, choices=ContractSource.choices, default=ContractSource.ENTERED)
    is_synthetic = models.BooleanField(_("synthetic (demo)"), default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-registered_on", "-id"]
        indexes = [models.Index(fields=["state", "registered_on"]), models.Index(fields=["seller_area", "registered_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(contract_amount__gt=0), name="tech_contract_amount_positive"),
            models.CheckConstraint(
                condition=Q(non_technical_costs__gte=0, non_technical_costs__lte=F("contract_amount")), name="tech_contract_costs_bounded"
            ),
            models.CheckConstraint(
                condition=Q(transaction_amount=F("contract_amount") - F("non_technical_costs")), name="tech_contract_transaction_rule"
            ),
            models.CheckConstraint(
                condition=Q(state="registered", registration_number__isnull=False, registered_on__isnull=False) | ~Q(state="registered"),
                name="tech_contract_registered_numbered",
            ),
        ]
        verbose_name = _("technology contract")
        verbose_name_plural = _("technology contracts")

    def __str__(self):
        return f"{self.registration_number or '—'} {self.name}"

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        if scope.role == Role.DISTRICT_STAFF:
            office = Q(office_id__in=scope.area_ids)
            if action == VIEW:
                return office | Q(seller_area_id__in=scope.area_ids) | Q(buyer_area_id__in=scope.area_ids)
            return office if action == CHANGE and district_may_register() else NOTHING
        if scope.role == Role.ORG_USER and scope.organization_id and action == VIEW:
            # its own contracts: linked to it, or naming its credit code (registered before it was in the registry)
            code = Organization.objects.filter(pk=scope.organization_id, uscc__isnull=False).values("uscc")
            own = Q(seller_id=scope.organization_id) | Q(buyer_id=scope.organization_id)
            return own | Q(seller_uscc__in=code) | Q(buyer_uscc__in=code)
        return NOTHING


def district_may_register() -> bool:
    """The role rule (data/contract-registration.json, entry): may a district's station enter and review its own contracts."""
    entry = rules.registration_config()["entry"]
    return Role.DISTRICT_STAFF in entry["roles"]["value"] and entry["district_may_register"]["value"]


# The review's outcome (state, number, registration date, refusal) is written only by the workflow's transitions.
WORKFLOW_FIELDS = frozenset({"state", "registration_number", "registered_on", "refusal_reason", "original_type"})


@field_rule(TechnologyContract)
def contract_fields(scope, contract):
    if scope.is_bureau:
        return None
    if contract.pk is None or contract.state == ContractState.SUBMITTED:
        return fields_except(TechnologyContract, *WORKFLOW_FIELDS)
    return frozenset()


@audit.register
class ContractEvent(DomainEvent):
    """One step of a contract's review (submitted, accept, reclassify, refuse, reopen, imported): append-only."""

    contract = models.ForeignKey(TechnologyContract, on_delete=models.CASCADE, related_name="events", verbose_name=_("contract"))
    kind = models.CharField(_("event"), max_length=20)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("contract event")
        verbose_name_plural = _("contract events")

    def __str__(self):
        return f"{self.contract_id} {self.kind}"

    @classmethod
    def scope_q(cls, scope, action):
        if action != VIEW:
            return NOTHING
        q = TechnologyContract.scope_q(scope, VIEW)
        return None if q is None else Q(contract__in=TechnologyContract.objects.filter(q))


class RegistrationSequence(models.Model):
    """The last registration number handed out by an office in a year (read and bumped under a row lock)."""

    office = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "year"], name="contract_sequence_office_year")]
