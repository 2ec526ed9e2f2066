from django.contrib import admin

from .models import Person


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Only so that an expert's account can be linked to its person record by search."""

    search_fields = ["name"]
    fields = ["name", "employer", "title"]

    def has_module_permission(self, request):
        return False
