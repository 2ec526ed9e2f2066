"""heluo rotate-field-key: re-encrypt every encrypted field with HELUO_FIELD_KEY and recompute the look-up hashes.

Rotation: put the new key in HELUO_FIELD_KEY and the former one in HELUO_FIELD_KEYS_OLD, restart, run this command,
then drop the former key. Until it has run, values under the former key still decrypt and are still found.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from heluo.core.audit import log_security_event
from heluo.core.fieldcrypt import keyring
from heluo.core.fields import EncryptedCharField, LookupHashField
from heluo.core.models import SecurityEvent

BATCH = 1000


def rotate(batch: int = BATCH) -> dict[str, int]:
    """{model label: rows rewritten}, all in one transaction."""
    counts = {}
    with transaction.atomic():
        for model in apps.get_models():
            names = [f.name for f in model._meta.concrete_fields if isinstance(f, (EncryptedCharField, LookupHashField))]
            if not any(isinstance(model._meta.get_field(n), EncryptedCharField) for n in names):
                continue
            manager = model._base_manager
            pks = list(manager.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(pks), batch):
                # loading decrypts with whichever key a value names; saving encrypts with the current one
                rows = list(manager.filter(pk__in=pks[start : start + batch]).only("pk", *names))
                manager.bulk_update(rows, names)
            counts[model._meta.label] = len(pks)
        log_security_event(SecurityEvent.Kind.FIELD_KEY_ROTATED, detail={"key": keyring().current.id, "rows": counts})
    return counts


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with HELUO_FIELD_KEY (former keys in HELUO_FIELD_KEYS_OLD) and recompute the look-up hashes."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH)

    def handle(self, *args, batch_size, **options):
        counts = rotate(batch_size)
        for label, n in counts.items():
            self.stdout.write(
                f"{label}: 已用密钥 {keyring().current.id} 重新加密 {n} 行 / {n} row(s) re-encrypted with key {keyring().current.id}"
            )
