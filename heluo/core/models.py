"""What every domain shares: who a user is (role and scope), the change log, sensitive-read log, API tokens, import jobs."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    BUREAU_ADMIN = "bureau_admin", _("Bureau administrator")
    BUREAU_STAFF = "bureau_staff", _("Bureau staff")
    DISTRICT_STAFF = "district_staff", _("District staff")
    ORG_USER = "org_user", _("Organization user")
    EXPERT = "expert", _("Expert")
    # 三员分立 (等保 2.0): three administrators, none of whom can do another's work or the programme's.
    SYSTEM_ADMIN = "system_admin", _("System administrator")  # accounts and the platform's operation
    SECURITY_ADMIN = "security_admin", _("Security administrator")  # roles, scopes, lockouts, second factors
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")  # reads and exports the audit log


BUREAU_ROLES = (Role.BUREAU_ADMIN, Role.BUREAU_STAFF)
ADMINISTRATOR_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)
STAFF_ROLES = (*BUREAU_ROLES, Role.DISTRICT_STAFF)  # the bureau and the districts' staff: the programme's officials


class UserProfile(models.Model):
    """A user's role and the part of the registry it is scoped to."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    areas = models.ManyToManyField(
        "geo.Area", blank=True, verbose_name=_("areas"), help_text=_("District staff see these areas and the areas under them.")
    )
    organization = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("organization"))
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("person"),
        help_text=_("The expert's own person record."),
    )
    can_view_id_numbers = models.BooleanField(_("may read personal identifiers"), default=False)

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"


class Chained(models.Model):
    """An audit row sealed into its table's hash chain (heluo.core.audit_chain): `chain_seq` is its place in the
    chain, `chain_hash` the keyed hash of its content and of the row before it. Empty until sealed."""

    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    chain_seq = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    chain_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True


class DomainEvent(models.Model):
    """A step someone took on a domain's record (a workflow transition, a ledger entry, a contact): who — the
    account, and its name kept should the account go —, through which channel, when. Append-only: never changed,
    never deleted. A domain's event model adds what the step was and its record; `by(user)` fills the rest."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    via = models.CharField(_("via"), max_length=20, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        abstract = True

    @staticmethod
    def by(user) -> dict:
        """The actor fields for a step taken by `user` (an account, or a Scope / None: the system) now."""
        from .middleware import current_actor

        who = user if getattr(user, "pk", None) and getattr(user, "is_authenticated", False) else None
        return {"actor": who, "actor_name": who.get_username() if who else "system", "via": current_actor().via}

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError(f"{type(self).__name__} rows are append-only")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} rows are append-only")


class ChangeAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")


class ObjectChange(Chained):
    """One create/update/delete of a registry object, with its state before and after."""

    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("user")
    )
    user_name = models.CharField(_("user name"), max_length=150, blank=True)
    request_id = models.CharField(_("request"), max_length=36, blank=True)
    via = models.CharField(_("via"), max_length=20, blank=True, help_text=_("web, api, import, cli, demo"))
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices)
    # Found by (content type, object) and (content type, id) below: no index of their own, which every write would keep.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(_("object"), max_length=200)
    prechange_data = models.JSONField(_("before"), null=True, blank=True)
    postchange_data = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["content_type", "id"], name="core_objectchange_newest"),  # heluo.core.figures.stamp
            models.Index(fields=["request_id"], name="core_objectchange_request"),  # equality only: no LIKE index
        ]
        verbose_name = _("change record")
        verbose_name_plural = _("change records")

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"

    def diff(self):
        """Fields whose values differ, as (field, before, after)."""
        before, after = self.prechange_data or {}, self.postchange_data or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class SensitiveAccess(Chained):
    """A read of personal identifiers or of another party's enterprise financials."""

    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("user")
    )
    user_name = models.CharField(_("user name"), max_length=150, blank=True)
    via = models.CharField(_("via"), max_length=20, blank=True)
    kind = models.CharField(_("what was read"), max_length=40)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField(null=True, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name = _("sensitive read")
        verbose_name_plural = _("sensitive reads")


class SecurityEvent(Chained):
    """A security-relevant event that is not a change of a record: signing in and out, failed sign-ins and
    lockouts, token issue and revocation, two-factor enrolment, bulk exports, audit purges, field key rotations."""

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
        LOCKED_OUT = "locked_out", _("Locked out after failed sign-ins")
        SIGN_OUT = "sign_out", _("Signed out")
        SESSION_EXPIRED = "session_expired", _("Session timed out")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        TOKEN_ISSUED = "token_issued", _("API token issued")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        OTP_ENROLLED = "otp_enrolled", _("Two-factor sign-in set up")
        OTP_FAILED = "otp_failed", _("Wrong two-factor code")
        EXPORT = "export", _("Bulk export")
        AUDIT_PURGED = "audit_purged", _("Old audit records removed")
        FIELD_KEY_ROTATED = "field_key_rotated", _("Encrypted fields re-encrypted with a new key")

    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("user")
    )
    user_name = models.CharField(_("user name"), max_length=150, blank=True, help_text=_("As entered, for a failed sign-in."))
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices, db_index=True)
    via = models.CharField(_("via"), max_length=20, blank=True)
    request_id = models.CharField(_("request"), max_length=36, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-time", "-id"]
        verbose_name = _("security event")
        verbose_name_plural = _("security events")

    def __str__(self):
        return f"{self.get_kind_display()} {self.user_name}"


class AuditAnchor(models.Model):
    """Where a chain starts after old rows were removed under the retention rule: the last removed row's place
    and hash, so that `heluo audit verify` can check the first row kept."""

    table = models.CharField(max_length=100)
    chain_seq = models.BigIntegerField()
    chain_hash = models.CharField(max_length=64)
    time = models.DateTimeField(default=timezone.now)
    removed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["table", "-chain_seq"]


class PasswordRecord(models.Model):
    """A password a user has had (its hash), for the history rule and the password's age."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_records")
    password = models.CharField(max_length=128)
    changed = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed", "-id"]
        get_latest_by = "changed"


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """Bearer token for the REST API. Only a hash is stored; the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField(null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)
    write_enabled = models.BooleanField(_("may write"), default=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    @classmethod
    def issue(cls, user, name="", write_enabled=True, key=None, days=None):
        """A new token and its key (shown once). It expires after `days` (default HELUO_TOKEN_DAYS; 0: never)."""
        days = settings.HELUO_TOKEN_DAYS if days is None else days
        expires = timezone.now() + dt.timedelta(days=days) if days else None
        key = key or secrets.token_hex(20)
        token = cls.objects.create(
            user=user, name=name, prefix=key[:8], key_hash=hash_token(key), write_enabled=write_enabled, expires=expires
        )
        return token, key

    @classmethod
    def authenticate(cls, key: str):
        """The live token of this key, read in one query with its user, the user's profile (the scope) and an
        organization user's organization."""
        try:
            token = cls.objects.select_related("user__profile__organization__area").get(key_hash=hash_token(key or ""))
        except cls.DoesNotExist:
            return None
        if not token.user.is_active or (token.expires and token.expires < timezone.now()):
            return None
        return token


class ImportJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        FAILED = "failed", _("Rejected")
        SUCCEEDED = "succeeded", _("Imported")
        CHECKED = "checked", _("Checked (dry run)")

    kind = models.CharField(_("kind"), max_length=40)
    file_name = models.CharField(_("file"), max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/")
    dry_run = models.BooleanField(_("dry run"), default=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    phase = models.CharField(max_length=40, blank=True)
    done_rows = models.PositiveIntegerField(default=0)
    total_rows = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    @property
    def percent(self):
        return int(100 * self.done_rows / self.total_rows) if self.total_rows else 0
