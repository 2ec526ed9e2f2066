from django.contrib import admin

from .models import Organization


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """Only so that a user's profile can pick its organization by search; the registry is edited in the web UI."""

    search_fields = ["name", "uscc"]

    def has_module_permission(self, request):
        return False
