"""Accounts in the Django admin, under 三员分立: the system administrator creates accounts and keeps their names
and whether they are active; the security administrator gives them roles and scopes, lifts lockouts and resets
second factors; the audit administrator reads the audit records. None does another's part, and none needs to be
a superuser (kept for installing the platform). Who may do what is decided by role, here, once."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .middleware import CHANNELS, in_channel
from .models import ApiToken, ImportJob, ObjectChange, Role, SecurityEvent, SensitiveAccess, UserProfile
from .permissions import scope_for

User = get_user_model()


def has_role(request, *roles) -> bool:
    return request.user.is_active and (request.user.is_superuser or scope_for(request.user).role in roles)


class ProfileInline(admin.StackedInline):
    model = UserProfile
    can_delete = False
    autocomplete_fields = ["organization", "person"]
    filter_horizontal = ["areas"]

    def has_view_permission(self, request, obj=None):
        return has_role(request, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)

    def has_add_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        # roles and scopes are the security administrator's, and never its own
        return has_role(request, Role.SECURITY_ADMIN) and (obj is None or obj.pk != request.user.pk)


class HeluoUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "first_name", "email", "role", "is_active"]
    list_select_related = ["profile"]  # the role column, without a query per account

    @admin.display(description="role")
    def role(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.get_role_display() if profile else ""

    def has_module_permission(self, request):
        return has_role(request, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)

    def has_view_permission(self, request, obj=None):
        return has_role(request, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)

    def has_add_permission(self, request):
        return has_role(request, Role.SYSTEM_ADMIN)

    def has_change_permission(self, request, obj=None):
        # the security administrator changes the profile (an inline of this page), not the account itself
        return has_role(request, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # accounts are deactivated, so that their records keep a name

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        # Django's own permission flags are the superuser's: roles carry every right the platform gives
        return [(name, opts) for name, opts in fieldsets if "is_superuser" not in opts.get("fields", ())] + [
            (None, {"fields": ("is_active",)})
        ]

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ()
        fields = {"is_superuser", "is_staff", "groups", "user_permissions", "last_login", "date_joined"}
        if not has_role(request, Role.SYSTEM_ADMIN):
            fields |= {"username", "first_name", "last_name", "email", "is_active", "password"}
        return tuple(fields)


class SecurityAdministratorDeletes:
    """Lockouts and second factors: the security administrator sees them and deletes one (lifting a lockout by
    deleting the failed attempts; resetting a lost authenticator, set up again at the next sign-in)."""

    def has_module_permission(self, request):
        return has_role(request, Role.SECURITY_ADMIN)

    def has_view_permission(self, request, obj=None):
        return has_role(request, Role.SECURITY_ADMIN)

    def has_delete_permission(self, request, obj=None):
        return has_role(request, Role.SECURITY_ADMIN)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LockoutAdmin(SecurityAdministratorDeletes, AccessAttemptAdmin):
    pass


class SecondFactorAdmin(SecurityAdministratorDeletes, TOTPDeviceAdmin):
    pass


admin.site.unregister(User)
admin.site.register(User, HeluoUserAdmin)
for model, model_admin in ((AccessAttempt, LockoutAdmin), (TOTPDevice, SecondFactorAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)


class ReadOnlyAdmin(admin.ModelAdmin):
    readers: tuple = ()  # the roles that may read these records
    show_full_result_count = False  # a filtered list counts its rows once, not the whole log again

    def has_module_permission(self, request):
        return has_role(request, *self.readers)

    def has_view_permission(self, request, obj=None):
        return has_role(request, *self.readers)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """The security administrator sees who holds which token and revokes one (deletes it)."""

    readers = (Role.SECURITY_ADMIN,)
    list_display = ["user", "name", "prefix", "created", "expires", "last_used", "write_enabled"]
    readonly_fields = ["prefix", "key_hash", "created", "last_used"]

    def has_delete_permission(self, request, obj=None):
        return has_role(request, Role.SECURITY_ADMIN)


class ViaFilter(admin.SimpleListFilter):
    """The channels from their list, not from a DISTINCT over the whole log (0.4 s at province size on SQLite)."""

    title = _("via")
    parameter_name = "via"

    def lookups(self, request, model_admin):
        return list(CHANNELS.items())

    def queryset(self, request, queryset):
        return in_channel(queryset, self.value()) if self.value() in CHANNELS else queryset


@admin.register(ObjectChange)
class ObjectChangeAdmin(ReadOnlyAdmin):
    readers = (Role.AUDIT_ADMIN,)
    list_display = ["time", "user_name", "via", "action", "content_type", "object_repr", "address"]
    list_filter = ["action", ViaFilter, "content_type"]
    search_fields = ["object_repr", "user_name"]


@admin.register(SensitiveAccess)
class SensitiveAccessAdmin(ReadOnlyAdmin):
    readers = (Role.AUDIT_ADMIN,)
    list_display = ["time", "user_name", "via", "kind", "object_repr", "detail", "address"]
    list_filter = ["kind", ViaFilter]


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    readers = (Role.AUDIT_ADMIN,)
    list_display = ["time", "kind", "user_name", "address", "via", "detail"]
    list_filter = ["kind", ViaFilter]
    search_fields = ["user_name", "address"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    readers = (Role.SYSTEM_ADMIN,)
    list_display = ["created", "user", "kind", "file_name", "status", "dry_run"]
