"""The change log: every create, update and delete of a registered model becomes an ObjectChange.

Single saves are caught by signals (so forms, the API, the admin and the shell are all covered); bulk
writers, which bypass signals for speed, call `record_changes` with the rows they wrote, or (imports) `write_changes`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json

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
    if isinstance(value, (dt.date, dt.datetime, dt.time)):  # a time: an instrument's open hours
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


def known_before(instance):
    """The caller holds the stored row (it has just read or locked it, and not changed it yet): its next save takes
    the state before the change from here instead of reading the row again."""
    instance._audit_known_before = serialize(instance)
    return instance


def creation_record(instance):
    """The change record of a new row that the caller inserts in a statement of its own instead of through save():
    not yet written. The caller writes it in the same transaction and asks for its seal (seal_after_commit)."""
    return _new_change(instance, instance.pk, instance, "create", None, serialize(instance))


# --- the bulk writer: an import's change records, serialized by columns, written at once and sealed --------------

_dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode  # as the chain hashes
# the same, for one scalar at a time without the encoder's set-up
_ENCODE = {str: json.encoder.encode_basestring, int: int.__repr__, bool: {True: "true", False: "false"}.get, type(None): lambda _: "null"}


def serialized_json(model, columns: dict, count: int) -> list[str] | None:
    """serialize() of `count` records given column by column ({attname: values}), each as its JSON text (keys
    sorted, as the chain's hash writes a dict); None where serialize() needs the instances themselves
    (many-to-many, masked or redacted fields)."""
    ignored, redacted = _ignored.get(model, ()), _redacted.get(model, ())
    if model._meta.many_to_many or redacted or getattr(model, "audit_masked_fields", ()):
        return None
    fields = sorted(
        (f.name, f.attname)
        for f in model._meta.concrete_fields
        if not (getattr(f, "auto_now", False) or f.name in ignored or not getattr(f, "audited", True))
    )
    encoded = [_encoded(columns[attname], count) for _, attname in fields]
    template = "{" + ",".join(f"{_dumps(name)}:%s" for name, _ in fields) + "}"
    return [template % parts for parts in zip(*encoded)] if fields else ["{}"] * count


def _encoded(values: list, count: int) -> list[str]:
    """Each value of a column as _dumps(_jsonable(value)) writes it."""
    kinds = {*map(type, values)}
    if len(kinds) == 1 and len(set(values)) == 1:  # one value throughout (a default, the year): encoded once
        return [_dumps(_jsonable(values[0]))] * count
    if kinds <= {decimal.Decimal, type(None)}:  # _jsonable writes a decimal in digits: nothing to escape
        return ["null" if v is None else f'"{_jsonable(v)}"' for v in values]
    if not kinds <= _ENCODE.keys():
        values = list(map(_jsonable, values))
        kinds = {*map(type, values)}
        if not kinds <= _ENCODE.keys():
            return [_dumps(v) for v in values]
    rest = kinds - {type(None)}
    if len(rest) == 1:
        encode = _ENCODE[rest.pop()]
        return ["null" if v is None else encode(v) for v in values]
    return [_ENCODE[v.__class__](v) for v in values]


def write_changes(model, changes) -> int:
    """Record many changes of one model at once (a bulk import): `changes` are (pk, repr, action, before, after)
    with before/after as serialized_json() wrote them (or None). The records are written in one statement (COPY on
    PostgreSQL) already sealed into the chain: see audit_chain.chain_new, which holds the chain's lock until the
    transaction ends."""
    from django.db import connection
    from django.utils import timezone

    from .audit_chain import CHAINED_FIELDS, chain_new, fragment
    from .dbcopy import write_rows
    from .models import ObjectChange

    changes = list(changes)
    if not changes:
        return 0
    actor = current_actor()
    user = actor.user if getattr(actor.user, "pk", None) else None
    address = ObjectChange._meta.get_field("address").get_prep_value(actor.address)
    if address is not None and connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the database's own spelling of the address is what will be hashed
            cursor.execute("SELECT %s::inet::text", [address])
            address = cursor.fetchone()[0]
    common = {
        "time": timezone.now(),
        "user_id": getattr(user, "pk", None),
        "user_name": getattr(user, "username", "") if user else "",
        "request_id": actor.request_id,
        "via": actor.via,
        "content_type_id": ContentType.objects.get_for_model(model).pk,
        "address": address,
    }
    order = CHAINED_FIELDS[ObjectChange]
    fixed = [fragment(common[name]) if name in common else None for name in order]
    slots = [order.index(name) for name in ("action", "object_id", "object_repr", "prechange_data", "postchange_data")]
    actions = {action: fragment(action) for action in {c[2] for c in changes}}
    contents, reprs = [], []
    for pk, repr_, action, before, after in changes:
        repr_ = str(repr_)[:200]
        parts = fixed.copy()
        for i, value in zip(slots, (actions[action], str(int(pk)), _ENCODE[str](repr_), before or "null", after or "null")):
            parts[i] = value
        contents.append(parts)
        reprs.append(repr_)
    sealed = chain_new(ObjectChange, contents)
    data = {name: [ObjectChange._meta.get_field(name).get_db_prep_save(common[name], connection)] * len(changes) for name in common}
    data.update(
        action=[c[2] for c in changes],
        object_id=[c[0] for c in changes],
        object_repr=reprs,
        prechange_data=[c[3] for c in changes],
        postchange_data=[c[4] for c in changes],
        chain_seq=[seq for seq, _ in sealed],
        chain_hash=[digest for _, digest in sealed],
    )
    meta = ObjectChange._meta
    with connection.cursor() as cursor:
        write_rows(cursor, meta.db_table, [meta.get_field(name).column for name in data], list(data.values()))
    return len(changes)


def _on_pre_save(sender, instance, raw=False, **kwargs):
    if sender not in _registered or raw:
        return
    instance._audit_before = instance.__dict__.pop("_audit_known_before", None)
    if instance.pk and instance._audit_before is None:
        old = sender._default_manager.filter(pk=instance.pk).first()
        instance._audit_before = serialize(old) if old else None


def _on_post_save(sender, instance, created, raw=False, **kwargs):
    from .models import ObjectChange

    if sender not in _registered or raw:
        return
    before = None if created else getattr(instance, "_audit_before", None)
    after = serialize(instance)
    if before == after:
        return  # a save that changed nothing is not a change
    _new_change(instance, instance.pk, instance, "create" if created else "update", before, after).save()
    seal_after_commit(ObjectChange)


def _on_post_delete(sender, instance, **kwargs):
    from .models import ObjectChange

    if sender not in _registered:
        return
    _new_change(instance, instance.pk, instance, "delete", serialize(instance), None).save()
    seal_after_commit(ObjectChange)


def _on_m2m_changed(sender, instance, action, reverse, **kwargs):
    from .models import ObjectChange

    if reverse or type(instance) not in _registered:
        return
    if action.startswith("pre_"):
        instance._audit_m2m_before = serialize(instance)
    elif action.startswith("post_"):
        before = getattr(instance, "_audit_m2m_before", None)
        after = serialize(instance)
        if before != after:
            _new_change(instance, instance.pk, instance, "update", before, after).save()
            seal_after_commit(ObjectChange)


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
    seal_after_commit(SensitiveAccess)


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
    seal_after_commit(SecurityEvent)


def history_for(obj):
    from .models import ObjectChange

    return ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk).select_related(
        "user", "content_type"
    )


def log_export(name: str, rows: int | None, **detail):
    """A bulk export (a download or a file written on the command line), with its row count."""
    from .models import SecurityEvent

    log_security_event(SecurityEvent.Kind.EXPORT, detail={"file": name[:200], "rows": rows, **detail})
