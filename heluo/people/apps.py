from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "heluo.people"
    label = "people"
    verbose_name = _("People")

    def ready(self):
        from heluo.core.models import Role
        from heluo.core.registry import HomeStat, NavEntry, ReferenceLoader, add_home_stat, add_nav, add_reference_loader
        from heluo.web.views.generic import add_detail_context

        from . import reference, selectors, views

        add_reference_loader(ReferenceLoader("talent programmes", reference.read, reference.write, order=30))
        add_nav(
            NavEntry(
                "people", "web:person_list", _("Talents and experts"), "people", roles=tuple(Role), matches=("web:person_",), order=50
            ),
            NavEntry("programme", "web:programme_list", _("Talent programmes"), menu="reference", matches=("web:programme_",), order=50),
        )
        add_home_stat(
            HomeStat("people", "web:person_list", _("Talents and experts"), selectors.person_count, "people", public=False, order=40)
        )
        add_detail_context("orgs.organization", "people", views.organization_people)
        add_detail_context("platforms.platform", "mentors", views.platform_mentors)
