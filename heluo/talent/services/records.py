"""A talent's own record: an account linked to the person (UserProfile.person) reads it and corrects the details a
person keeps itself (people.models.PERSON_SELF_SERVICE); name, ID number and employer stay the registry's. The ID
number is read only through people.services.person_reveal_id_number (permission checked, the read audited)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from heluo.core.i18n import Bilingual, Refusal
from heluo.core.permissions import scope_for
from heluo.people.models import PERSON_SELF_SERVICE, Person
from heluo.people.services import person_save

from . import event


def own_person(user) -> Person:
    scope = scope_for(user)
    if scope.person_id is None:
        raise PermissionDenied(Bilingual("此账号未关联人员记录", "This account is not linked to a person.").both)
    return Person.objects.get(pk=scope.person_id)


def correct_own(user, changes: dict, reason: str) -> Person:
    person = own_person(user)
    refused = sorted(set(changes) - PERSON_SELF_SERVICE)
    if refused:
        raise Refusal(
            "not_self_service",
            f"以下信息由登记机关维护，不能自行修改：{'、'.join(refused)}",
            f"these are kept by the registry, not by the person: {', '.join(refused)}",
            422,
            refused[0],
        )
    if not reason.strip():
        raise Refusal("reason_missing", "请说明更正原因", "state why the record is corrected", 422, "reason")
    before = {k: getattr(person, k) for k in changes}
    for name, value in changes.items():
        setattr(person, name, value)
    person_save(user, person)
    changed = ", ".join(f"{k}: {before[k]!s} → {v!s}" for k, v in changes.items() if before[k] != v)
    event(user, "record_corrected", f"{reason} ({changed})", person=person)
    return person
