"""科技创新券 (innovation vouchers): programmes, voucher types, service providers, vouchers and their events.

Money is in yuan (元), Decimal with two places. Vouchers are money, so the database itself refuses what
must never happen, not only the Python code:

* the issuers' counters cannot exceed their limits (CHECK committed ≤ limit on BudgetCounter and
  EnterpriseCounter): nothing is issued beyond budget or above an enterprise's cap;
* a voucher has at most one accepted and at most one pending redemption (partial unique indexes), and an
  invoice is redeemed once per provider;
* redeemed ≤ face value and settled ≤ redeemed on every voucher (CHECK);
* (user, Idempotency-Key) is unique, so a retried application never issues twice;
* events are append-only: on PostgreSQL a trigger refuses UPDATE and DELETE (migration 0002).

Designed to grow: a partner city's provider redeeming our voucher is a Provider whose `authority` is the
partner city and a Redemption with channel "partner" and the partner's reference; risk flags will be a
model of their own pointing at Voucher/Redemption/Provider.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from heluo.core import audit
from heluo.core.models import DomainEvent, Role
from heluo.core.permissions import CHANGE, NOTHING, VIEW, RestrictedManager

MONEY = dict(max_digits=14, decimal_places=2)
ZERO = Decimal("0.00")  # in-memory rows print like stored ones ("0.00", not "0")


class AllocationMode(models.TextChoices):
    FCFS = "fcfs", _("First come, first served")
    REVIEW = "review", _("Review and ranking")


class ServiceCategory(models.TextChoices):
    RD = "rd_services", _("R&D services")
    TESTING = "testing", _("Testing and inspection")
    TECH = "tech_services", _("Technology services")
    IP = "ip_services", _("IP services")
    OTHER = "other", _("Other services")


@audit.register
class Programme(models.Model):
    """One voucher programme: one issuing authority (an area, e.g. the city) and one year. Every rule is
    data here; nothing about a particular city is in the code."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    authority = models.ForeignKey(
        "geo.Area",
        on_delete=models.PROTECT,
        related_name="voucher_programmes",
        verbose_name=_("issuing authority"),
        help_text=_("Enterprises registered in this area and the areas below it may apply."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    budget = models.DecimalField(_("budget (yuan)"), **MONEY)
    window_opens = models.DateTimeField(_("application window opens"))
    window_closes = models.DateTimeField(_("application window closes"))
    allocation_mode = models.CharField(_("allocation"), max_length=10, choices=AllocationMode.choices, default=AllocationMode.FCFS)
    validity_days = models.PositiveIntegerField(_("validity (days)"), help_text=_("Days from issue until an unredeemed voucher expires."))
    cap_per_enterprise = models.DecimalField(_("cap per enterprise (yuan)"), null=True, blank=True, **MONEY)
    eligible_rulesets = models.JSONField(
        _("eligible rule sets"),
        default=list,
        blank=True,
        help_text=_("Names of cultivation rule sets; passing any of them in its latest stored evaluation qualifies."),
    )
    eligible_qualifications = models.JSONField(
        _("eligible qualifications"),
        default=list,
        blank=True,
        help_text=_("Qualification kinds; holding any of them, valid on the day of application, qualifies."),
    )
    startup_max_years = models.PositiveSmallIntegerField(
        _("start-ups up to (years)"), null=True, blank=True, help_text=_("Enterprises founded at most this many years ago qualify.")
    )
    is_example = models.BooleanField(
        _("example configuration"), default=False, help_text=_("The values are examples, not official figures.")
    )
    note_zh = models.TextField(_("note (Chinese)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)
    source = models.TextField(_("source"), blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-year", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0), name="voucher_programme_budget_nonneg"),
            models.CheckConstraint(condition=Q(window_closes__gt=models.F("window_opens")), name="voucher_programme_window"),
            models.CheckConstraint(condition=Q(validity_days__gt=0), name="voucher_programme_validity"),
        ]
        verbose_name = _("voucher programme")
        verbose_name_plural = _("voucher programmes")

    def __str__(self):
        return f"{self.name_zh} ({self.code})"

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        return Q(is_published=True) if action == VIEW else NOTHING

    def window_is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.window_opens <= at < self.window_closes


@audit.register
class VoucherType(models.Model):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="types", verbose_name=pgettext_lazy("voucher", "programme")
    )
    code = models.SlugField(_("code"), max_length=40)
    category = models.CharField(_("service category"), max_length=20, choices=ServiceCategory.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    share_of_contract = models.DecimalField(
        _("share of the contract value"),
        max_digits=5,
        decimal_places=4,
        help_text=_("The voucher pays at most this share of the service contract's value."),
    )
    cap_per_voucher = models.DecimalField(_("cap per voucher (yuan)"), **MONEY)
    budget = models.DecimalField(
        _("budget of this type (yuan)"), null=True, blank=True, help_text=_("Optional share of the programme's budget."), **MONEY
    )
    sort = models.PositiveSmallIntegerField(default=0)

    objects = RestrictedManager()

    class Meta:
        ordering = ["programme", "sort", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="voucher_type_programme_code"),
            models.CheckConstraint(condition=Q(share_of_contract__gt=0, share_of_contract__lte=1), name="voucher_type_share"),
            models.CheckConstraint(condition=Q(cap_per_voucher__gt=0), name="voucher_type_cap_pos"),
        ]
        verbose_name = _("voucher type")
        verbose_name_plural = _("voucher types")

    def __str__(self):
        return f"{self.programme.code}/{self.code}"

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        return Q(programme__is_published=True) if action == VIEW else NOTHING


class BudgetCounter(models.Model):
    """The row FCFS issuers queue on (their UPDATE locks it): one per programme (voucher_type empty) and one per
    voucher type that has a budget of its own. `committed` caches what the events derive; `next_seq` hands
    out the order of arrival. The CHECK makes an overrun impossible even for a buggy caller."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="counters")
    voucher_type = models.ForeignKey(VoucherType, null=True, blank=True, on_delete=models.CASCADE, related_name="counters")
    limit = models.DecimalField(**MONEY)
    committed = models.DecimalField(default=ZERO, **MONEY)
    next_seq = models.BigIntegerField(default=0)
    # The place in the order of arrival of the last application the budget admitted: how the allocating UPDATE,
    # which takes a place and commits the amount in one statement, tells whether it committed it.
    granted_seq = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme"], condition=Q(voucher_type__isnull=True), name="voucher_counter_programme"),
            models.UniqueConstraint(
                fields=["programme", "voucher_type"], condition=Q(voucher_type__isnull=False), name="voucher_counter_type"
            ),
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(committed__lte=models.F("limit")), name="voucher_counter_within_limit"
            ),
        ]


class EnterpriseCounter(models.Model):
    """An enterprise's committed amount in a programme (the cap per enterprise per year), locked with the
    programme's counter."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="enterprise_counters")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    limit = models.DecimalField(null=True, blank=True, **MONEY)
    committed = models.DecimalField(default=ZERO, **MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "organization"], name="voucher_enterprise_counter"),
            models.CheckConstraint(
                condition=Q(committed__gte=0) & (Q(limit__isnull=True) | Q(committed__lte=models.F("limit"))),
                name="voucher_enterprise_within_cap",
            ),
        ]


class ProviderStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Approved")
    SUSPENDED = "suspended", _("Suspended")
    REJECTED = "rejected", _("Rejected")


@audit.register
class Provider(models.Model):
    """A service provider (科技服务机构) admitted by an authority's bureau. A provider of a partner city
    is the same model with the partner city as its authority."""

    organization = models.OneToOneField(
        "orgs.Organization", on_delete=models.PROTECT, related_name="voucher_provider", verbose_name=_("organization")
    )
    authority = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("admitted by"))
    status = models.CharField(_("status"), max_length=12, choices=ProviderStatus.choices, default=ProviderStatus.APPLIED)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    review_reason = models.CharField(_("reason"), max_length=500, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["organization__name"]
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")

    def __str__(self):
        return str(self.organization)

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        approved = Q(status__in=[ProviderStatus.APPROVED, ProviderStatus.SUSPENDED])
        own = Q(organization_id=scope.organization_id) if scope.role == Role.ORG_USER and scope.organization_id else None
        if action == VIEW:
            if scope.role == Role.DISTRICT_STAFF:
                return approved | Q(organization__area_id__in=scope.area_ids)
            return approved | own if own is not None else approved
        return own if action == CHANGE and own is not None else NOTHING


@audit.register
class ProviderService(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="services", verbose_name=_("provider"))
    category = models.CharField(_("service category"), max_length=20, choices=ServiceCategory.choices)
    name = models.CharField(_("service"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(_("price (yuan)"), **MONEY)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["provider", "category", "name"]
        constraints = [models.CheckConstraint(condition=Q(price__gte=0), name="voucher_service_price_nonneg")]
        verbose_name = _("provider service")
        verbose_name_plural = _("provider services")

    def __str__(self):
        return f"{self.provider} · {self.name}"


class VoucherStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    REJECTED = "rejected", _("Rejected")
    ISSUED = "issued", _("Issued")
    CONTRACTED = "contracted", _("Contract signed")
    DELIVERED = "delivered", _("Service delivered")
    REDEMPTION_SUBMITTED = "redemption_submitted", _("Redemption submitted")
    REDEEMED = "redeemed", _("Redeemed")
    SETTLED = "settled", _("Settled")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


@audit.register
class Voucher(models.Model):
    """An application and, once issued, the voucher. A refused application stays as a row in status
    rejected, with its reason, so every request that reached the allocation has an answer on record."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="vouchers", verbose_name=pgettext_lazy("voucher", "programme")
    )
    voucher_type = models.ForeignKey(VoucherType, on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("voucher type"))
    enterprise = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("enterprise"))
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("applicant")
    )
    number = models.CharField(_("voucher number"), max_length=80, null=True, blank=True, unique=True)
    status = models.CharField(_("status"), max_length=24, choices=VoucherStatus.choices, default=VoucherStatus.APPLIED, db_index=True)
    requested_amount = models.DecimalField(_("requested amount"), **MONEY)
    face_value = models.DecimalField(_("face value"), default=ZERO, **MONEY)
    seq = models.BigIntegerField(
        _("order of arrival"), null=True, blank=True, help_text=_("The order in which the allocation took the application up.")
    )
    arrived_at = models.DateTimeField(_("received at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    reason_code = models.CharField(_("reason code"), max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    review_score = models.DecimalField(_("review score"), max_digits=7, decimal_places=2, null=True, blank=True)
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("provider")
    )
    contract_no = models.CharField(_("contract number"), max_length=80, blank=True)
    contract_value = models.DecimalField(_("contract value"), null=True, blank=True, **MONEY)
    contract_signed_on = models.DateField(_("contract signed on"), null=True, blank=True)
    payable_limit = models.DecimalField(
        _("payable at most"), null=True, blank=True, help_text=_("min(face value, share × contract value)"), **MONEY
    )
    redeemed_amount = models.DecimalField(_("redeemed"), default=ZERO, **MONEY)
    settled_amount = models.DecimalField(_("settled"), default=ZERO, **MONEY)
    updated = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "seq"], name="voucher_programme_seq"),
            models.CheckConstraint(condition=Q(requested_amount__gt=0), name="voucher_requested_pos"),
            models.CheckConstraint(
                condition=Q(face_value__gte=0) & Q(redeemed_amount__gte=0) & Q(settled_amount__gte=0), name="voucher_amounts_nonneg"
            ),
            models.CheckConstraint(condition=Q(redeemed_amount__lte=models.F("face_value")), name="voucher_redeemed_le_face"),
            models.CheckConstraint(condition=Q(settled_amount__lte=models.F("redeemed_amount")), name="voucher_settled_le_redeemed"),
            models.CheckConstraint(
                condition=Q(status__in=["applied", "rejected"]) | Q(face_value__gt=0) | Q(status="cancelled"),
                name="voucher_issued_has_face",
            ),
        ]
        indexes = [models.Index(fields=["programme", "status"]), models.Index(fields=["enterprise", "programme"])]
        verbose_name = _("innovation voucher")
        verbose_name_plural = _("innovation vouchers")

    def __str__(self):
        return self.number or f"#{self.pk}"

    @classmethod
    def scope_q(cls, scope, action):
        """Bureau: all. District staff: their areas' enterprises (read only). An organization user: its
        enterprise's vouchers, and as a provider the vouchers contracted with it."""
        if scope.is_bureau:
            return None
        if scope.role == Role.DISTRICT_STAFF:
            return Q(enterprise__area_id__in=scope.area_ids) if action == VIEW else NOTHING
        if scope.role == Role.ORG_USER and scope.organization_id:
            mine = Q(enterprise_id=scope.organization_id) | Q(provider__organization_id=scope.organization_id)
            return mine if action in (VIEW, CHANGE) else NOTHING
        return NOTHING


class EventKind(models.TextChoices):
    APPLIED = "applied", _("Applied")
    REVIEWED = "reviewed", _("Reviewed")
    ISSUED = "issued", _("Issued")
    REJECTED = "rejected", _("Rejected")
    CONTRACTED = "contracted", _("Contract signed")
    DELIVERED = "delivered", _("Service delivered")
    REDEMPTION_SUBMITTED = "redemption_submitted", _("Redemption submitted")
    REDEMPTION_REJECTED = "redemption_rejected", _("Redemption rejected")
    VERIFIED = "verified", _("Redemption verified")
    SETTLED = "settled", _("Settled")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class VoucherEvent(DomainEvent):
    """Append-only: who did what to which voucher, when and why. Balances are derived from these rows
    (see ledger.py). Not in the change log: it is a log itself, and is never updated or deleted."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="events", verbose_name=_("voucher"))
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")  # for the per-programme ledger read
    kind = models.CharField(_("event"), max_length=24, choices=EventKind.choices)
    amount = models.DecimalField(_("amount"), default=ZERO, **MONEY)
    # an account that moved money is kept (PROTECT), not only its name
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    reason_code = models.CharField(_("reason code"), max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["programme", "id"]), models.Index(fields=["at"])]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="voucher_event_amount_nonneg")]
        verbose_name = _("voucher event")
        verbose_name_plural = _("voucher events")

    def __str__(self):
        return f"{self.voucher_id} {self.kind} {self.amount}"

    @classmethod
    def scope_q(cls, scope, action):
        if action != VIEW:
            return NOTHING  # append-only, for everyone
        q = Voucher.scope_q(scope, VIEW)
        return None if q is None else Q(voucher__in=Voucher.objects.filter(q))


class RedemptionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class RedemptionChannel(models.TextChoices):
    LOCAL = "local", _("Local provider")
    PARTNER = "partner", _("Partner city")


@audit.register
class Redemption(models.Model):
    """A provider's claim: contract, invoice and acceptance evidence (files are held elsewhere; their
    SHA-256 hashes are recorded here so the evidence cannot be swapped afterwards)."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("voucher"))
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("provider"))
    status = models.CharField(_("status"), max_length=10, choices=RedemptionStatus.choices, default=RedemptionStatus.SUBMITTED)
    contract_no = models.CharField(_("contract number"), max_length=80)
    contract_value = models.DecimalField(_("contract value"), **MONEY)
    invoice_no = models.CharField(_("invoice number"), max_length=60)
    invoice_amount = models.DecimalField(_("invoice amount"), **MONEY)
    amount = models.DecimalField(_("amount claimed"), **MONEY)
    accepted_amount = models.DecimalField(_("amount accepted"), null=True, blank=True, **MONEY)
    evidence = models.JSONField(
        _("evidence"), default=list, blank=True, help_text=_('[{"name": ..., "sha256": ...}] of contract, invoice and acceptance report')
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=500, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=RedemptionChannel.choices, default=RedemptionChannel.LOCAL)
    partner_authority = models.ForeignKey(
        "geo.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("partner city")
    )
    partner_reference = models.CharField(_("partner reference"), max_length=100, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # The database, not only the code, keeps a voucher from being redeemed twice.
            models.UniqueConstraint(fields=["voucher"], condition=Q(status="accepted"), name="voucher_redeemed_once"),
            models.UniqueConstraint(fields=["voucher"], condition=Q(status="submitted"), name="voucher_one_pending_redemption"),
            models.UniqueConstraint(fields=["provider", "invoice_no"], condition=~Q(status="rejected"), name="voucher_invoice_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="redemption_amount_pos"),
            models.CheckConstraint(
                condition=Q(accepted_amount__isnull=True) | Q(accepted_amount__lte=models.F("amount")),
                name="redemption_accepted_le_claimed",
            ),
        ]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")

    def __str__(self):
        return f"{self.voucher} · {self.invoice_no}"

    @classmethod
    def scope_q(cls, scope, action):
        q = Voucher.scope_q(scope, action)
        return None if q is None else Q(voucher__in=Voucher.objects.filter(q))


@audit.register
class Settlement(models.Model):
    """A payment to the provider for a redeemed voucher (instalments allowed; their sum ≤ redeemed)."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="settlements", verbose_name=_("voucher"))
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="settlements", verbose_name=_("provider"))
    amount = models.DecimalField(_("amount paid"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    payment_ref = models.CharField(_("payment reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="settlement_amount_pos"),
            models.UniqueConstraint(fields=["voucher", "payment_ref"], condition=~Q(payment_ref=""), name="settlement_payment_once"),
        ]
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")

    @classmethod
    def scope_q(cls, scope, action):
        q = Voucher.scope_q(scope, VIEW)
        if action != VIEW and not scope.is_bureau:
            return NOTHING
        return None if q is None else Q(voucher__in=Voucher.objects.filter(q))


class IdempotencyKey(models.Model):
    """The first answer to a request carrying an Idempotency-Key, replayed to every retry. Unique per user:
    a retry racing its original blocks on the unique index until the original commits, then reads it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body's meaning")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    voucher = models.ForeignKey(Voucher, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="voucher_idempotency_user_key")]
