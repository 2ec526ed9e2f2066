"""Who may see and change what. Scoping lives in the query layer: every list, detail, export, import and
API call starts from `Model.objects.restrict(user, action)`, so no channel can leak what another hides.

Each scoped model implements `scope_q(scope, action) -> Q | None` (None = everything).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.db.models.base import ModelState
from django.utils import translation
from django.utils.translation import gettext as _

from .i18n import Bilingual
from .models import Role

VIEW, CHANGE, DELETE = "view", "change", "delete"
NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    role: str | None  # None: anonymous public
    user_id: int | None = None
    area_ids: frozenset[int] = frozenset()
    organization_id: int | None = None
    person_id: int | None = None
    can_view_id_numbers: bool = False

    @property
    def is_bureau(self) -> bool:
        return self.role in (Role.BUREAU_ADMIN, Role.BUREAU_STAFF)

    @property
    def is_staff(self) -> bool:
        """The programme's officials: the bureau, and district staff (who then act within their areas)."""
        return self.is_bureau or self.role == Role.DISTRICT_STAFF

    @property
    def is_admin(self) -> bool:
        return self.role == Role.BUREAU_ADMIN

    @property
    def is_public(self) -> bool:
        return self.role is None

    @property
    def is_system_admin(self) -> bool:
        return self.role == Role.SYSTEM_ADMIN

    @property
    def is_security_admin(self) -> bool:
        return self.role == Role.SECURITY_ADMIN

    @property
    def is_audit_admin(self) -> bool:
        return self.role == Role.AUDIT_ADMIN


PUBLIC = Scope(role=None)
# The command line acts with the bureau's authority: whoever runs it already holds the database.
SYSTEM = Scope(role=Role.BUREAU_ADMIN, can_view_id_numbers=True)


_UNREAD = object()


def scope_for(user, profile=_UNREAD) -> Scope:
    """The user's scope, worked out once per user object. `profile`: the user's profile (or None) where the caller
    has just read it together with the user, so it is not read again."""
    if isinstance(user, Scope):
        return user
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return PUBLIC
    cached = getattr(user, "_heluo_scope", None)
    if cached is not None:
        return cached
    from .models import UserProfile

    if profile is _UNREAD:
        profile = UserProfile.objects.filter(user=user).first()
    if user.is_superuser:
        scope = Scope(role=Role.BUREAU_ADMIN, user_id=user.pk, can_view_id_numbers=True)
    elif profile is None:
        scope = Scope(role=None, user_id=user.pk)  # a login without a role sees what the public sees
    else:
        area_ids = frozenset()
        if profile.role == Role.DISTRICT_STAFF:  # its areas and every area below them (the area model knows its tree)
            area_ids = frozenset(profile.areas.model.expand_ids(profile.areas.values_list("pk", flat=True)))
        scope = Scope(
            role=profile.role,
            user_id=user.pk,
            area_ids=area_ids,
            organization_id=profile.organization_id,
            person_id=profile.person_id,
            can_view_id_numbers=profile.can_view_id_numbers or profile.role == Role.BUREAU_ADMIN,
        )
    user._heluo_scope = scope
    return scope


def published_or_own(action: str, published: Q, own: Q | None = None, own_may_change: bool = True):
    """The common rule of public registries: anyone views the published part; a user also views (and, where
    allowed, changes) its own part; nobody but the bureau deletes."""
    if action == VIEW:
        return published | own if own is not None else published
    if action == CHANGE and own is not None and own_may_change:
        return own
    return NOTHING


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        scope = scope_for(user)
        q = self.model.scope_q(scope, action)
        return self if q is None else self.filter(q)


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)


def require_bureau(user) -> Scope:
    """The bureau's own pages and actions: anyone else is refused (403), not shown an empty page."""
    scope = scope_for(user)
    if not scope.is_bureau:
        raise PermissionDenied
    return scope


def require_staff(user) -> Scope:
    """Pages for the bureau and district staff (districts then see their own areas through the querysets)."""
    scope = scope_for(user)
    if not scope.is_staff:
        raise PermissionDenied
    return scope


def can(user, action: str, obj) -> bool:
    return type(obj)._default_manager.restrict(user, action).filter(pk=obj.pk).exists()


# What a user may do to one object beyond view/change/delete ("verify", "record_status" …). Each domain's
# services declare the rule for their models with `@action_rule(Model)`; pages show buttons from
# `allowed_actions` and the services refuse what it does not allow, so the rule lives in one place.
_action_rules: dict[type, Callable] = {}


def action_rule(model: type):
    """Register `rule(user, obj, base) -> iterable of action names`; `base` holds the view/change/delete allowed."""

    def register(rule):
        _action_rules[model] = rule
        return rule

    return register


def allowed_actions(user, obj) -> frozenset[str]:
    base = frozenset(a for a in (VIEW, CHANGE, DELETE) if can(user, a, obj))
    rule = _action_rules.get(type(obj))
    return base | frozenset(rule(user, obj, base)) if rule else base


def require_action(user, obj, action: str) -> None:
    if action not in allowed_actions(user, obj):
        raise PermissionDenied(_("You may not do this."))


# Which fields a role may write on a record, declared once per model (`@field_rule(Model)`, next to its
# scope_q) and used by save_in_scope — so by every form, API call and import — and by the forms, which show
# the other fields read-only. Which *values* it may set (its own area, its own employer) is scope_q's part:
# save_in_scope refuses a record that would end up outside what the user may change.
_field_rules: dict[type, Callable] = {}


def field_rule(model: type):
    """Register `rule(scope, obj) -> set of field names, or None for every field`."""

    def register(rule):
        _field_rules[model] = rule
        return rule

    return register


def fields_except(model, *names) -> frozenset[str]:
    """Every field of the model a form, the API or an import could write, but `names` (for a rule's "all but …")."""
    fields = [*model._meta.concrete_fields, *model._meta.many_to_many]
    return frozenset(f.name for f in fields if not f.primary_key and f.name not in names)


def writable_fields(user, obj) -> frozenset[str] | None:
    rule = _field_rules.get(type(obj))
    fields = rule(scope_for(user), obj) if rule else None
    return None if fields is None else frozenset(fields)


def changed_fields(instance, m2m: dict | None = None) -> set[str]:
    """Fields whose value the save would change: against the stored row, or (a new record) the defaults."""
    model = type(instance)
    stored = model._default_manager.filter(pk=instance.pk).first() if instance.pk else None
    changed = _changed(model, instance.__getattribute__, None if stored is None else stored.__getattribute__)
    for name, values in (m2m or {}).items():
        current = set(getattr(stored, name).values_list("pk", flat=True)) if stored is not None else set()
        if {getattr(v, "pk", v) for v in values} != current:
            changed.add(name)
    return changed


def _changed(model, value_of, stored_value_of) -> set[str]:
    """value_of, stored_value_of: a field's value by attname (None for a new record: the field's default)."""
    changed = set()
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        value = value_of(f.attname)
        before = stored_value_of(f.attname) if stored_value_of is not None else f.get_default()
        if value != before and not (stored_value_of is None and value in (None, "")):
            changed.add(f.name)
    return changed


class FieldsRefused(PermissionDenied):
    """A change to fields the user's role may not write; `reason` names them in both languages (for imports)."""

    def __init__(self, reason: Bilingual):
        self.reason = reason
        super().__init__(reason.both)


def check_writable(user, instance, m2m: dict | None = None) -> None:
    allowed = writable_fields(user, instance)
    if allowed is None:
        return
    refused = sorted(changed_fields(instance, m2m) - allowed)
    if refused:
        raise _refusal(type(instance), refused)


def _refusal(model, refused: list[str]) -> FieldsRefused:
    names = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            names[language] = [str(model._meta.get_field(n).verbose_name) for n in refused]
    return FieldsRefused(Bilingual(f"您不能修改：{'、'.join(names['zh-hans'])}", f"You may not change: {', '.join(names['en'])}"))


def check_writable_many(user, model, records) -> dict:
    """check_writable for many records of one model at once (a bulk import): `records` maps a key to (the record's
    values by attname, as a dict or (attname, value) pairs; its stored values by attname or None for a new one);
    returns {key: FieldsRefused} for those
    refused. Each record is given to the model's field rule as an instance built from its values (without running
    __init__, which would cost more than the rule); the changed fields are worked out only where the rule limits them."""
    rule = _field_rules.get(model)
    if rule is None:
        return {}
    scope, refusals = scope_for(user), {}
    for key, (values, stored) in records.items():
        instance = model.__new__(model)
        instance.__dict__.update(values)
        instance._state = ModelState()
        instance._state.adding = stored is None
        allowed = rule(scope, instance)
        if allowed is not None:
            refused = sorted(_changed(model, instance.__dict__.get, None if stored is None else stored.get) - frozenset(allowed))
            if refused:
                refusals[key] = _refusal(model, refused)
    return refusals


def save_in_scope(user, instance, m2m: dict | None = None):
    """Save an object the user creates or changes; refuse (and roll back) if it is, or ends up, outside
    what the user may change, or if it changes a field the user's role may not write. One rule source:
    the same `scope_q` that filters lists, and the model's `field_rule`."""
    model = type(instance)
    with transaction.atomic():
        if instance.pk and not model._default_manager.restrict(user, CHANGE).filter(pk=instance.pk).exists():
            raise PermissionDenied(_("You may not change this record."))
        check_writable(user, instance, m2m)
        instance.save()
        for name, values in (m2m or {}).items():
            getattr(instance, name).set(values)
        if not model._default_manager.restrict(user, CHANGE).filter(pk=instance.pk).exists():
            raise PermissionDenied(_("This record would be outside what you may change."))
    return instance


def delete_in_scope(user, instance):
    model = type(instance)
    with transaction.atomic():
        if not model._default_manager.restrict(user, DELETE).filter(pk=instance.pk).exists():
            raise PermissionDenied(_("You may not delete this record."))
        instance.delete()
