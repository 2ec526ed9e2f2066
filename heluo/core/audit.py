"""The change log: every create, update and delete of a registered model becomes an ObjectChange.

Single saves are caught by signals (so forms, the API, the admin and the shell are all covered); bulk
imports, which bypass signals for speed, call `record_changes` with the rows they wrote.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from .audit_chain import seal_after_commit
from .codes import mask_id_number
from .middleware import current_actor

_registered: set[type[models.Model]] = set()
# Per model: fields left out of the record (a timestamp bumped on every sign-in) and fields whose value is
# replaced by a fingerprint (a password hash: that it changed is recorded, not what it is).
_ignored: dict[type[models.Model], frozenset[str]] = {}
_redacted: dict[type[models.Model], frozenset[str]] = {}


def register(model, *, ignore=(), redact=()):
    """Record changes of this model. A class decorator for our models; called with options for Django's own."""
    _registered.add(model)
    _ignored[model], _redacted[model] = frozenset(ignore), frozenset(redact)
    for field in model._meta.local_many_to_many:
        if isinstance(field.remote_field.through, str) or not field.remote_field.through._meta.auto_created:
            continue  # an explicit through model is audited as a model of its own
        m2m_changed.connect(
            _on_m2m_changed, sender=field.remote_field.through, weak=False, dispatch_uid=f"audit-m2m-{model._meta.label}-{field.name}"
        )
    return model


def audited_models() -> frozenset[type[models.Model]]:
    """The models whose changes are recorded (registered with @audit.register)."""
    return frozenset(_registered)


def may_see_history(user, obj) -> bool:
    """The change history of a record (before/after values, who changed it): the bureau, and whoever may change
    the record. The same rule for the page and the API."""
    from .permissions import CHANGE, can, scope_for

    scope = scope_for(user)
    return is_audited(type(obj)) and not scope.is_public and (scope.is_bureau or can(user, CHANGE, obj))


def is_audited(model) -> bool:
    return model in _registered


def _jsonable(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    return value


def serialize(instance) -> dict:
    masked = getattr(instance, "audit_masked_fields", ())
    ignored, redacted = _ignored.get(type(instance), ()), _redacted.get(type(instance), ())
    data = {}
    for field in instance._meta.concrete_fields:
        if getattr(field, "auto_now", False) or field.name in ignored or not getattr(field, "audited", True):
            continue  # a timestamp bump is not a change of the record; a look-up hash is no one's business
        value = getattr(instance, field.attname)
        if field.name in masked and value:
            value = mask_id_number(str(value))
        if field.name in redacted and value:
            value = "redacted:" + hashlib.sha256(str(value).encode()).hexdigest()[:12]
        data[field.name] = _jsonable(value)
    if instance.pk:
        for field in instance._meta.many_to_many:
            data[field.name] = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    return data


def _new_change(instance_or_model, pk, repr_, action, before, after, ct=None):
    from .models import ObjectChange

    actor = current_actor()
    user = actor.user if getattr(actor.user, "pk", None) else None
    return ObjectChange(
        user=user,
        user_name=getattr(user, "username", "") if user else "",
        request_id=actor.request_id,
        via=actor.via,
        action=action,
        content_type=ct or ContentType.objects.get_for_model(instance_or_model),
        object_id=pk,
        object_repr=str(repr_)[:200],
        prechange_data=before,
        postchange_data=after,
        address=actor.address,
    )


def record_changes(model, rows):
    """rows: iterable of (pk, repr, action, before, after); written in one bulk insert."""
    from .models import ObjectChange

    ct = ContentType.objects.get_for_model(model)
    ObjectChange.objects.bulk_create(
        [_new_change(model, pk, repr_, action, before, after, ct=ct) for pk, repr_, action, before, after in rows],
        batch_size=2000,
    )
    seal_after_commit()


def _on_pre_save(sender, instance, raw=False, **kwargs):
    if sender not in _registered or raw:
        return
    instance._audit_before = None
    if instance.pk:
        old = sender._default_manager.filter(pk=instance.pk).first()
        instance._audit_before = serialize(old) if old else None


def _on_post_save(sender, instance, created, raw=False, **kwargs):
    if sender not in _registered or raw:
        return
    before = None if created else getattr(instance, "_audit_before", None)
    after = serialize(instance)
    if before == after:
        return  # a save that changed nothing is not a change
    _new_change(instance, instance.pk, instance, "create" if created else "update", before, after).save()
    seal_after_commit()


def _on_post_delete(sender, instance, **kwargs):
    if sender not in _registered:
        return
    _new_change(instance, instance.pk, instance, "delete", serialize(instance), None).save()
    seal_after_commit()


def _on_m2m_changed(sender, instance, action, reverse, **kwargs):
    if reverse or type(instance) not in _registered:
        return
    if action.startswith("pre_"):
        instance._audit_m2m_before = serialize(instance)
    elif action.startswith("post_"):
        before = getattr(instance, "_audit_m2m_before", None)
        after = serialize(instance)
        if before != after:
            _new_change(instance, instance.pk, instance, "update", before, after).save()
            seal_after_commit()


pre_save.connect(_on_pre_save, dispatch_uid="heluo-audit-pre-save")
post_save.connect(_on_post_save, dispatch_uid="heluo-audit-post-save")
post_delete.connect(_on_post_delete, dispatch_uid="heluo-audit-post-delete")


def log_sensitive_read(kind: str, obj=None, detail: str = "", user=None):
    from .models import SensitiveAccess

    actor = current_actor()
    user = user or actor.user
    user = user if getattr(user, "pk", None) else None
    SensitiveAccess.objects.create(
        user=user,
        user_name=getattr(user, "username", "") if user else "",
        via=actor.via,
        kind=kind,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=getattr(obj, "pk", None),
        object_repr=str(obj)[:200] if obj is not None else "",
        detail=detail[:500],
        address=actor.address,
    )
    seal_after_commit()


def log_security_event(kind: str, user=None, user_name: str = "", detail: dict | None = None, address: str | None = None):
    """Record a sign-in, sign-out, failure, token event, export … (SecurityEvent.Kind) for the acting user,
    or for `user` / the name entered (`user_name`) where nobody is signed in yet."""
    from .models import SecurityEvent

    actor = current_actor()
    user = user or actor.user
    user = user if getattr(user, "pk", None) else None
    SecurityEvent.objects.create(
        user=user,
        user_name=(getattr(user, "username", "") if user else user_name)[:150],
        kind=kind,
        via=actor.via,
        request_id=actor.request_id,
        detail=detail or {},
        address=address or actor.address,
    )
    seal_after_commit()


def history_for(obj):
    from .models import ObjectChange

    return ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk).select_related(
        "user", "content_type"
    )


def log_export(name: str, rows: int | None, **detail):
    """A bulk export (a download or a file written on the command line), with its row count."""
    from .models import SecurityEvent

    log_security_event(SecurityEvent.Kind.EXPORT, detail={"file": name[:200], "rows": rows, **detail})
