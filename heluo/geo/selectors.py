"""Reads of areas: the platform's own city, and resolving what people type for an area."""

from django.conf import settings

from heluo.core.lookups import ReferenceLookup
from heluo.core.reference import ReferenceDataError, read_city

from .models import Area


def home_city() -> Area | None:
    """The platform's own city: the area named by ``HELUO_HOME_AREA``, else the city area of the configured
    reference data (``HELUO_CITY``). Other cities' areas (partners, their providers' authorities) never count."""
    code = settings.HELUO_HOME_AREA
    if not code:
        try:
            code = read_city(settings.HELUO_CITY).get("city_area", {}).get("code")
        except ReferenceDataError:
            return None
    return Area.objects.filter(kind=Area.Kind.CITY, code=code).first() if code else None


def area_lookup() -> ReferenceLookup:
    return ReferenceLookup(Area.objects.all(), "区划", "area")
