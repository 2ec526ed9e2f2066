"""GET /{resource}/{id}/changes: the change log of one object, newest first, with the state before and after
each change. Token required; the object must be one the caller may view (else 404). Personal identifiers are
masked in the log itself; annual-data history is a financial read and is logged.

Each domain adds the route for its own resources with `add_changes_route`."""

from django.core.exceptions import PermissionDenied

from heluo.core.audit import history_for, may_see_history

from .auth import TOKEN, caller
from .common import paged
from .schemas import ChangeOut, Message


def add_changes_route(router, resource: str, getter) -> None:
    """`getter(user, pk)` fetches one object the user may view (raises DoesNotExist → 404 otherwise)."""

    def changes(request, id: int):
        user = caller(request)
        obj = getter(user, id)
        if not may_see_history(user, obj):  # the page's rule: the bureau, and whoever may change the record
            raise PermissionDenied(
                "只有科技局和可修改此记录的用户可以查看变更记录 / Only the bureau and those who may change this record see its history."
            )
        return history_for(obj)

    changes.__name__ = f"{resource.replace('-', '_')}_changes"
    router.get(
        f"/{resource}/{{int:id}}/changes",
        response={200: list[ChangeOut], 401: Message, 403: Message, 404: Message},
        operation_id=changes.__name__,
        summary=f"Change history of one of {resource}",
        tags=["change history"],
        auth=TOKEN,
    )(paged(changes))
