from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "heluo.taxonomy"
    label = "taxonomy"
    verbose_name = _("Taxonomies")

    def ready(self):
        from heluo.core.registry import NavEntry, ReferenceLoader, add_nav, add_reference_loader

        from . import reference as r

        add_reference_loader(ReferenceLoader("industries", r.read_industries, r.write_industries, order=1, national=True))
        add_reference_loader(ReferenceLoader("high-tech fields", r.read_hitech_fields, r.write_hitech_fields, order=2, national=True))
        add_reference_loader(ReferenceLoader("clusters", r.read_clusters, r.write_clusters, order=20))
        add_nav(
            NavEntry("industry", "web:industry_list", _("Industries (GB/T 4754)"), menu="reference", matches=("web:industry_",), order=20),
            NavEntry(
                "hitechfield", "web:hitechfield_list", _("High-tech fields"), menu="reference", matches=("web:hitechfield_",), order=30
            ),
            NavEntry("cluster", "web:cluster_list", _("Industry clusters"), menu="reference", matches=("web:cluster_",), order=40),
        )
