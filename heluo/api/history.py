"""GET /{resource}/{id}/changes: the change log of one registry object, newest first, with the state
before and after each change. Token required; the object must be one the caller may view (else 404).
Personal identifiers are masked in the log itself; annual-data history is a financial read and is logged."""

from ninja import Router

from heluo.core.audit import history_for
from heluo.core.permissions import VIEW
from heluo.orgs import selectors as org_selectors
from heluo.people import selectors as people_selectors
from heluo.people.models import Expert, TalentMembership
from heluo.platforms import selectors as platform_selectors

from .auth import TOKEN, caller
from .common import paged
from .schemas import ChangeOut, Message

router = Router(tags=["change history"], auth=TOKEN)

# resource path → how to fetch one object the caller may view (raises DoesNotExist → 404 otherwise)
RESOURCES = {
    "organizations": org_selectors.organization_get,
    "qualifications": lambda user, pk: org_selectors.qualification_list(user).get(pk=pk),
    "annual-data": org_selectors.annual_get,
    "platforms": platform_selectors.platform_get,
    "people": people_selectors.person_get,
    "experts": lambda user, pk: Expert.objects.restrict(user, VIEW).get(pk=pk),
    "talents": lambda user, pk: TalentMembership.objects.restrict(user, VIEW).get(pk=pk),
}


def _register(resource, getter):
    def changes(request, id: int):
        return history_for(getter(caller(request), id))

    changes.__name__ = f"{resource.replace('-', '_')}_changes"
    router.get(
        f"/{resource}/{{int:id}}/changes",
        response={200: list[ChangeOut], 401: Message, 404: Message},
        operation_id=changes.__name__,
        summary=f"Change history of one of {resource}",
    )(paged(changes))


for _resource, _getter in RESOURCES.items():
    _register(_resource, _getter)
