"""Talent programmes' writes: each checks who may act, refuses with a bilingual reason, and records its event."""

from django.core.exceptions import PermissionDenied

from heluo.core.i18n import Bilingual, Refusal
from heluo.core.permissions import Scope, scope_for

from ..models import TalentEvent


def bureau_only(user) -> Scope:
    scope = scope_for(user)
    if not scope.is_bureau:
        raise PermissionDenied(Bilingual("只有科技局可以办理此事项", "Only the bureau does this.").both)
    return scope


def plausible(day, field: str):
    """A date the records compute with (terms, expiry): within the data's span of years."""
    if not 2000 <= day.year <= 2100:
        raise Refusal("date_range", f"日期须在2000年至2100年之间：{day}", f"the date must lie between 2000 and 2100: {day}", 422, field)
    return day


def event(user, what: str, note: str = "", **refs) -> TalentEvent:
    return TalentEvent.objects.create(what=what, note=note[:1000], **refs, **TalentEvent.by(user))
