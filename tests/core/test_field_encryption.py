"""ID numbers are encrypted at rest (the column holds no plain number), found and kept unique through a keyed hash,
never decrypted into garbage with a wrong key, re-encrypted by `heluo rotate-field-key`, and never in the change log
as ciphertext or hash."""

import base64
import datetime as dt
import io
import json
import os

import openpyxl
import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured, ValidationError
from django.db import IntegrityError, connection, transaction

from heluo.core import fieldcrypt
from heluo.core.codes import make_id_number, mask_id_number
from heluo.core.exports import export_xlsx
from heluo.core.imports import run_import
from heluo.core.models import ObjectChange, SecurityEvent
from heluo.core.permissions import SYSTEM
from heluo.people.models import Expert, Person, TalentMembership, TalentProgramme
from heluo.people.services import person_save
from tests.core.test_imports import messages, save, workbook
from tests.helpers import Api


def new_key():
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def stored(person):
    """What the database holds, read past the model."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, id_number_hash FROM people_person WHERE id = %s", [person.pk])
        return cursor.fetchone()


def test_the_column_holds_ciphertext_and_a_keyed_hash(world):
    plain = world.person_a.id_number
    cipher, digest = stored(world.person_a)
    assert plain not in cipher and plain[-6:] not in cipher and plain[:6] not in cipher
    assert fieldcrypt.key_id_of(cipher) == fieldcrypt.keyring().current.id
    assert digest == fieldcrypt.lookup_hash(plain) and plain not in digest
    assert len(cipher) <= fieldcrypt.stored_length(18)
    assert fieldcrypt.encrypt(plain) != fieldcrypt.encrypt(plain)  # randomised: equal numbers do not show
    assert Person.objects.get(pk=world.person_a.pk).id_number == plain


def test_look_ups_go_through_the_hash(world):
    plain = world.person_a.id_number
    assert Person.objects.get(id_number=plain) == world.person_a
    assert Person.objects.get(id_number=f" {plain.lower()} ") == world.person_a  # normalised like every code
    assert set(Person.objects.filter(id_number__in=[plain, world.person_b.id_number, "nothing"])) == {world.person_a, world.person_b}
    assert not Person.objects.filter(id_number=make_id_number("410305", dt.date(1999, 9, 9), 9)).exists()
    assert (
        Expert.objects.filter(person__id_number=world.expert_person.id_number).count()
        == Expert.objects.filter(person=world.expert_person).count()
    )
    assert Person.objects.filter(id_number__isnull=True).count() == Person.objects.filter(id_number=None).count()
    assert world.person_a.pk not in Person.objects.exclude(id_number=plain).values_list("pk", flat=True)
    assert plain in Person.objects.values_list("id_number", flat=True)
    with pytest.raises(FieldError):
        list(Person.objects.filter(id_number__startswith=plain[:6]))
    with pytest.raises(FieldError, match="encrypted"):
        list(Person.objects.filter(id_number__in=Person.objects.values("id_number")))


def test_duplicates_are_refused_through_the_hash(world, token_for, client):
    twin = Person(name="重号", id_number=world.person_a.id_number.lower(), employer=world.ent_a)
    with pytest.raises(ValidationError) as refused:
        person_save(SYSTEM, twin)
    assert list(refused.value.error_dict) == ["id_number"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.bulk_create([Person(name="重号", id_number=world.person_a.id_number)])
    api = Api(client, token_for(world.users.admin))
    r = api.post("people", {"name": "重号", "id_number": world.person_a.id_number, "employer": world.ent_a.pk})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "id_number", r.json()
    # a person whose number changes gets the new number's hash
    world.person_b.id_number = make_id_number("410311", dt.date(1991, 1, 1), 7)
    person_save(SYSTEM, world.person_b)
    assert stored(world.person_b)[1] == fieldcrypt.lookup_hash(world.person_b.id_number)


def test_a_wrong_key_fails_loudly(world, settings):
    settings.HELUO_FIELD_KEY = new_key()
    with pytest.raises(fieldcrypt.DecryptionError, match="neither HELUO_FIELD_KEY nor one of HELUO_FIELD_KEYS_OLD"):
        Person.objects.get(pk=world.person_a.pk)
    settings.HELUO_FIELD_KEY = "too-short"
    with pytest.raises(ImproperlyConfigured, match="HELUO_FIELD_KEY must be 32 random bytes"):
        Person.objects.get(pk=world.person_a.pk)


def test_an_altered_ciphertext_fails_loudly(world):
    cipher, _ = stored(world.person_a)
    altered = cipher[:20] + ("A" if cipher[20] != "A" else "B") + cipher[21:]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_person SET id_number = %s WHERE id = %s", [altered, world.person_a.pk])
    with pytest.raises(fieldcrypt.DecryptionError, match="does not authenticate"):
        Person.objects.get(pk=world.person_a.pk)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_person SET id_number = %s WHERE id = %s", [world.person_b.id_number, world.person_a.pk])
    with pytest.raises(fieldcrypt.DecryptionError, match="not encrypted"):
        Person.objects.get(pk=world.person_a.pk)


def test_rotating_the_key(world, settings):
    old, new = settings.HELUO_FIELD_KEY, new_key()
    settings.HELUO_FIELD_KEY, settings.HELUO_FIELD_KEYS_OLD = new, [old]
    plain = world.person_a.id_number
    # before the rotation: values under the former key still decrypt, and are still found by their former hash
    assert Person.objects.get(pk=world.person_a.pk).id_number == plain
    assert Person.objects.get(id_number=plain) == world.person_a
    from heluo.core.management.commands.rotate_field_key import rotate

    counts = rotate(batch=2)
    assert counts == {"people.Person": Person.objects.count()}
    cipher, digest = stored(world.person_a)
    assert fieldcrypt.key_id_of(cipher) == fieldcrypt.keyring().current.id and digest == fieldcrypt.lookup_hash(plain)
    assert SecurityEvent.objects.filter(kind="field_key_rotated").count() == 1
    settings.HELUO_FIELD_KEYS_OLD = []  # the former key can go
    assert Person.objects.get(id_number=plain).id_number == plain
    assert {p.id_number for p in (world.person_a, world.person_b, world.expert_person)} <= set(
        Person.objects.values_list("id_number", flat=True)
    )


def test_a_separate_lookup_key(world, settings):
    settings.HELUO_LOOKUP_KEY = "a-long-random-string-kept-apart-from-the-field-key"
    person = Person.objects.create(name="另钥", id_number=make_id_number("410305", dt.date(1977, 7, 7), 77))
    assert stored(person)[1] == fieldcrypt.lookup_hash(person.id_number)
    assert Person.objects.get(id_number=person.id_number) == person


def test_the_change_log_shows_neither_ciphertext_nor_hash(world):
    person = Person(name="审计", id_number=make_id_number("410305", dt.date(1983, 3, 3), 3), employer=world.ent_a)
    person_save(SYSTEM, person)
    person.id_number = make_id_number("410305", dt.date(1983, 3, 3), 4)
    person_save(SYSTEM, person)
    cipher, digest = stored(person)
    changes = ObjectChange.objects.filter(object_id=person.pk, content_type__model="person")
    assert changes.count() == 2
    for change in changes:
        text = json.dumps([change.prechange_data, change.postchange_data], ensure_ascii=False)
        assert "id_number_hash" not in text and digest not in text and cipher not in text and person.id_number not in text
    assert changes.order_by("pk").last().postchange_data["id_number"] == mask_id_number(person.id_number)


def test_experts_and_talents_round_trip_through_import_and_export(world, tmp_path):
    idn = next(n for seq in range(1, 999) if (n := make_id_number("410305", dt.date(1986, 6, 6), seq)).endswith("X"))
    programme = TalentProgramme.objects.create(code="test", name_zh="测试人才计划", name_en="Test talents")
    experts = workbook("experts", [{"姓名": "周九", "身份证号码": idn, "工作单位": world.ent_a.uscc, "研究方向": "轴承", "是否在库": "是"}])
    first = run_import("experts", save(experts, tmp_path, "e.xlsx"), SYSTEM)
    assert first.ok and first.summary["created"] == 1, messages(first)
    person = Person.objects.get(id_number=idn)
    assert idn not in stored(person)[0]
    # the same file again: the person is found through the hash, nothing changes
    assert run_import("experts", save(experts, tmp_path, "e.xlsx"), SYSTEM).summary == {"created": 0, "updated": 0, "unchanged": 1}
    # the number with a lower-case "x" and stray spaces is the same person
    talents = workbook("talents", [{"姓名": "周九", "身份证号码": f" {idn.lower()} ", "人才计划": programme.name_zh, "入选年度": 2024}])
    assert run_import("talents", save(talents, tmp_path, "t.xlsx"), SYSTEM).ok
    assert Person.objects.filter(name="周九").count() == 1 and TalentMembership.objects.filter(person=person).count() == 1
    # exports show the masked number (as before), never the ciphertext
    for kind, qs in (("experts", Expert.objects.filter(person=person)), ("talents", TalentMembership.objects.filter(person=person))):
        ws = openpyxl.load_workbook(io.BytesIO(export_xlsx(kind, qs, SYSTEM))).worksheets[0]
        row = dict(zip([c.value for c in ws[1]], [c.value for c in ws[2]]))
        assert row["身份证号码"] == mask_id_number(idn), row
        assert stored(person)[0] not in str(row)


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_numbers_and_back(world):
    from django.db.migrations.executor import MigrationExecutor

    plain = world.person_a.id_number
    executor = MigrationExecutor(connection)
    executor.migrate([("people", "0001_initial")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM people_person WHERE id = %s", [world.person_a.pk])
        assert cursor.fetchone()[0] == plain  # decrypted again
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app: going back unapplied the ones built on people
    cipher, digest = stored(world.person_a)
    assert plain not in cipher and digest == fieldcrypt.lookup_hash(plain)
    assert Person.objects.get(id_number=plain).pk == world.person_a.pk
