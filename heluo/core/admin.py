"""The Django admin is where the bureau administrator manages accounts: a user's role and scope live on its profile."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, ImportJob, ObjectChange, SensitiveAccess, UserProfile

User = get_user_model()


class ProfileInline(admin.StackedInline):
    model = UserProfile
    can_delete = False
    autocomplete_fields = ["organization", "person"]
    filter_horizontal = ["areas"]


class HeluoUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "first_name", "email", "role", "is_active"]

    @admin.display(description="role")
    def role(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.get_role_display() if profile else ""


admin.site.unregister(User)
admin.site.register(User, HeluoUserAdmin)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created", "last_used", "write_enabled"]
    readonly_fields = ["prefix", "key_hash", "created", "last_used"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ObjectChange)
class ObjectChangeAdmin(ReadOnlyAdmin):
    list_display = ["time", "user_name", "via", "action", "content_type", "object_repr"]
    list_filter = ["action", "via", "content_type"]
    search_fields = ["object_repr", "user_name"]


@admin.register(SensitiveAccess)
class SensitiveAccessAdmin(ReadOnlyAdmin):
    list_display = ["time", "user_name", "via", "kind", "object_repr", "detail"]
    list_filter = ["kind", "via"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["created", "user", "kind", "file_name", "status", "dry_run"]
