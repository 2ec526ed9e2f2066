"""The audit tables are chained by keyed hash: `heluo audit verify` finds any edited, deleted or inserted row."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from heluo.core import audit_chain
from heluo.core.audit import log_security_event, log_sensitive_read
from heluo.core.models import AuditAnchor, ObjectChange, SecurityEvent, SensitiveAccess
from tests.helpers import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(db):
    """Some changes, reads and events, sealed."""
    user = make_user("audited")
    for i in range(5):
        user.first_name = f"Name {i}"
        user.save()
    log_sensitive_read("id_number", user, detail="test")
    log_security_event(SecurityEvent.Kind.EXPORT, user_name="someone", detail={"file": "x.xlsx", "rows": 3})
    audit_chain.seal()
    return user


def problems():
    return [p for model in audit_chain.chained_models() for p in audit_chain.verify(model).problems]


def test_an_untouched_log_verifies(log):
    assert problems() == []
    report = audit_chain.verify(ObjectChange)
    assert report.checked == 6 and report.head_seq == 6 and len(report.head_hash) == 64
    assert not ObjectChange.objects.filter(chain_seq__isnull=True).exists()


def test_an_edited_row_is_found(log):
    row = ObjectChange.objects.order_by("chain_seq")[2]
    ObjectChange.objects.filter(pk=row.pk).update(object_repr="someone else")
    assert any(f"row id {row.pk}" in p for p in problems())


def test_an_edited_json_value_or_time_is_found(log):
    row = ObjectChange.objects.order_by("chain_seq")[1]
    ObjectChange.objects.filter(pk=row.pk).update(postchange_data={**row.postchange_data, "first_name": "forged"})
    assert problems()
    ObjectChange.objects.filter(pk=row.pk).update(postchange_data=row.postchange_data)
    assert problems() == []
    SecurityEvent.objects.filter(kind="export").update(time=timezone.now() - dt.timedelta(days=1))
    assert any("security" in p for p in problems())


def test_a_deleted_row_is_found(log):
    row = ObjectChange.objects.order_by("chain_seq")[3]
    ObjectChange.objects.filter(pk=row.pk).delete()
    assert any("missing" in p for p in problems())


def test_a_row_inserted_with_a_made_up_hash_is_found(log):
    last = SensitiveAccess.objects.get()
    SensitiveAccess.objects.create(kind="id_number", user_name="intruder", chain_seq=last.chain_seq + 1, chain_hash="0" * 64)
    assert any("changed" in p for p in problems())


def test_rows_are_sealed_after_their_transaction_commits(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        log_security_event(SecurityEvent.Kind.SIGN_IN, user_name="late")
        assert SecurityEvent.objects.get(user_name="late").chain_seq is None
    assert SecurityEvent.objects.get(user_name="late").chain_seq is not None
    assert problems() == []


def test_verify_command_exits_non_zero_on_a_break(log, capsys):
    call_command("audit", "verify")
    assert "OK" in capsys.readouterr().out
    ObjectChange.objects.filter(pk=ObjectChange.objects.order_by("chain_seq")[0].pk).update(via="forged")
    with pytest.raises(CommandError):
        call_command("audit", "verify")


def test_purge_keeps_the_rest_verifiable(log, settings):
    old = timezone.now() - dt.timedelta(days=400)
    first_three = list(ObjectChange.objects.order_by("chain_seq").values_list("pk", flat=True)[:3])
    # Ageing rows changes what they hash to: age them, then chain everything afresh, as if written then.
    ObjectChange.objects.filter(pk__in=first_three).update(time=old)
    ObjectChange.objects.update(chain_seq=None, chain_hash="")
    audit_chain.seal()
    assert problems() == []
    with pytest.raises(CommandError):
        call_command("audit", "purge", "--days", "30")  # below the legal minimum
    call_command("audit", "purge", "--days", "365")
    assert ObjectChange.objects.count() == 3
    assert AuditAnchor.objects.get(table=ObjectChange._meta.db_table).chain_seq == 3
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.AUDIT_PURGED).exists()
    assert problems() == []
    AuditAnchor.objects.update(chain_seq=2)  # a forged anchor, with no purge event behind it
    assert problems()
