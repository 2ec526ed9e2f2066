from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "heluo.geo"
    label = "geo"
    verbose_name = _("Geography")

    def ready(self):
        from heluo.core.registry import NavEntry, ReferenceLoader, SetupStep, add_nav, add_reference_loader, add_setup_step

        from . import reference

        add_reference_loader(ReferenceLoader("areas", reference.read, reference.write, order=10))
        add_setup_step(SetupStep("reference data", reference.ensure_reference, order=10))
        add_nav(NavEntry("area", "web:area_list", _("Areas"), menu="reference", matches=("web:area_",), order=10))
