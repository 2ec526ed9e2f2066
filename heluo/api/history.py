"""GET /{resource}/{id}/changes: the change log of one object, newest first, with the state before and after
each change. Token required; the object must be one the caller may view (else 404). Personal identifiers are
masked in the log itself; annual-data history is a financial read and is logged.

Each domain adds the route for its own resources with `add_changes_route`."""

from heluo.core.audit import history_for

from .auth import TOKEN, caller
from .common import paged
from .schemas import ChangeOut, Message


def add_changes_route(router, resource: str, getter) -> None:
    """`getter(user, pk)` fetches one object the user may view (raises DoesNotExist → 404 otherwise)."""

    def changes(request, id: int):
        return history_for(getter(caller(request), id))

    changes.__name__ = f"{resource.replace('-', '_')}_changes"
    router.get(
        f"/{resource}/{{int:id}}/changes",
        response={200: list[ChangeOut], 401: Message, 404: Message},
        operation_id=changes.__name__,
        summary=f"Change history of one of {resource}",
        tags=["change history"],
        auth=TOKEN,
    )(paged(changes))
