"""Reads of the shared-instruments domain, each starting from the caller's scope (Model.objects.restrict)."""
