"""Model fields for values encrypted at rest, found again by a keyed hash (heluo.core.fieldcrypt).

    id_number = EncryptedCharField(_("ID number"), max_length=18, null=True, blank=True)
    id_number_hash = LookupHashField(source="id_number", unique=True)

In Python the attribute is the plain value; the column holds the ciphertext. `filter(id_number=x)`,
`filter(id_number__in=[...])` and `filter(person__id_number=x)` compare the hash column instead, so callers look
values up as before; other look-ups (contains, startswith …) cannot work on ciphertext and are refused, and ordering
by the column would order ciphertexts (order in Python after loading instead).
The hash is computed from the plain value whenever it is read (save, bulk_create, bulk_update, validation), so it
cannot go stale. `QuerySet.update(id_number=…)` would leave the hash behind: set the attribute and save instead.
"""

from __future__ import annotations

from django.core.exceptions import FieldError, ValidationError
from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import In, IsNull, Lookup
from django.db.models.query_utils import DeferredAttribute

from . import fieldcrypt


def hash_fields_of(field) -> list[LookupHashField]:
    return [f for f in field.model._meta.concrete_fields if isinstance(f, LookupHashField) and f.source == field.name]


class _EncryptedAttribute(DeferredAttribute):
    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value
        # Loaded together: a save that writes the value (only the loaded fields, after .only()) writes its hash too.
        for f in self.field.hash_fields:
            instance.__dict__.setdefault(f.attname, None)


class _HashAttribute(DeferredAttribute):
    """Always the hash of the current plain value; what the column held is kept only so Django sees it loaded."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        value = getattr(instance, self.field.source_attname)
        return fieldcrypt.lookup_hash(value) if value else None

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value


class _HashedLookup(Lookup):
    prepare_rhs = False

    def values(self) -> list:
        raise NotImplementedError

    def as_sql(self, compiler, connection):
        field = self.lhs.output_field
        if not isinstance(self.lhs, Col) or hasattr(self.rhs, "resolve_expression"):
            raise FieldError(f"{field.name} is encrypted: it can only be compared with plain values")
        (hash_field,) = field.hash_fields
        digests = [d for v in self.values() if v for d in fieldcrypt.lookup_hashes(str(v))]
        return In(Col(self.lhs.alias, hash_field), digests).as_sql(compiler, connection)


class HashedExact(_HashedLookup):
    lookup_name = "exact"

    def values(self):
        return [self.rhs]


class HashedIn(_HashedLookup):
    lookup_name = "in"

    def values(self):
        return list(self.rhs)


class EncryptedCharField(models.CharField):
    """A CharField whose column holds `fieldcrypt.encrypt(value)`; max_length is that of the plain value."""

    descriptor_class = _EncryptedAttribute

    @property
    def hash_fields(self) -> list[LookupHashField]:
        if not hasattr(self, "_hash_fields"):
            self._hash_fields = hash_fields_of(self)
        return self._hash_fields

    def db_type_parameters(self, connection):
        return {**super().db_type_parameters(connection), "max_length": fieldcrypt.stored_length(self.max_length)}

    def from_db_value(self, value, expression, connection):
        return fieldcrypt.decrypt(value) if value else value

    def get_db_prep_save(self, value, connection):
        if hasattr(value, "as_sql"):
            return value  # an expression (bulk_update's CASE): its values come back here one by one
        value = self.get_prep_value(value)
        return fieldcrypt.encrypt(value) if value else value

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return HashedExact if self.hash_fields else None
        if lookup_name == "in":
            return HashedIn if self.hash_fields else None
        return IsNull if lookup_name == "isnull" else None

    def get_transform(self, lookup_name):
        return None


class LookupHashField(models.CharField):
    """The keyed hash of another field's plain value (`source`), for equality look-ups and uniqueness. Kept out of
    the change log: it says nothing a reader needs and is a stable pseudonym of the person."""

    descriptor_class = _HashAttribute
    audited = False

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.update(max_length=64, null=True, blank=True, editable=False)
        super().__init__(*args, **kwargs)

    @property
    def source_attname(self) -> str:
        return self.model._meta.get_field(self.source).attname

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key in ("max_length", "null", "blank", "editable"):
            kwargs.pop(key, None)
        return name, path, args, {**kwargs, "source": self.source}


class EncryptedFieldsMixin:
    """For a model with look-up hashes: a duplicate found through a hash is reported on the field it hashes, the one
    forms and API clients know."""

    def validate_unique(self, exclude=None):
        try:
            super().validate_unique(exclude)
        except ValidationError as error:
            sources = {f.name: f.source for f in self._meta.concrete_fields if isinstance(f, LookupHashField)}
            raise ValidationError({sources.get(name, name): errors for name, errors in error.error_dict.items()}) from None
