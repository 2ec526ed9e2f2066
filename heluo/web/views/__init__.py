"""Views of the web UI: generic object views (generic.py) driven by the object types (objects.py), and pages."""

from .objects import TYPES  # noqa: F401  (the object types the URLs are built from)
