from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from heluo.core.audit import log_sensitive_read
from heluo.core.codes import normalize_code
from heluo.core.permissions import VIEW, action_rule, delete_in_scope, save_in_scope, scope_for

from .models import Expert, Person, TalentMembership


def person_save(user, person: Person) -> Person:
    person.id_number = normalize_code(person.id_number) or None
    person.full_clean()
    return save_in_scope(user, person)


def person_delete(user, person: Person):
    delete_in_scope(user, person)


@action_rule(Person)
def person_actions(user, person, base):
    scope = scope_for(user)
    own = scope.person_id is not None and scope.person_id == person.pk
    if person.id_number and VIEW in base and (scope.can_view_id_numbers or own):
        yield "reveal_id_number"


def person_reveal_id_number(user, person: Person) -> str:
    """The only way to read an unmasked identifier: needs the permission, and is logged."""
    scope = scope_for(user)
    own = scope.person_id is not None and scope.person_id == person.pk
    if not (scope.can_view_id_numbers or own):
        raise PermissionDenied(_("You may not read personal identifiers."))
    if not Person.objects.restrict(user, VIEW).filter(pk=person.pk).exists():
        raise PermissionDenied(_("You may not see this person."))
    log_sensitive_read("id_number", person, user=user)
    return person.id_number or ""


def expert_save(user, expert: Expert, *, hitech_fields=None, industries=None) -> Expert:
    """hitech_fields / industries: replace the expert's fields when given."""
    expert.full_clean()
    m2m = {name: values for name, values in (("hitech_fields", hitech_fields), ("industries", industries)) if values is not None}
    return save_in_scope(user, expert, m2m=m2m or None)


def expert_delete(user, expert: Expert):
    delete_in_scope(user, expert)


def membership_save(user, membership: TalentMembership) -> TalentMembership:
    membership.full_clean()
    return save_in_scope(user, membership)


def membership_delete(user, membership: TalentMembership):
    delete_in_scope(user, membership)
