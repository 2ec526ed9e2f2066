"""The library of achievements: who sees and changes what, the workflow (allowed and refused transitions, with
their reasons, events and change records), the field rules and hostile input."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from heluo.core.i18n import Refusal
from heluo.core.models import ObjectChange, Role
from heluo.core.permissions import CHANGE, FieldsRefused
from heluo.core.workflow import parse
from heluo.market.models import Achievement, AchievementEvent
from heluo.market.selectors import achievements as sel
from heluo.market.services import achievements as svc
from heluo.market.services.achievements import workflow
from tests.helpers import make_user

from .achievement_rows import achievements, make


@pytest.fixture
def lib(world):
    return achievements(world)


def titles(user):
    return set(Achievement.objects.restrict(user).values_list("title", flat=True))


# --- scoping ------------------------------------------------------------------------------------------------


def test_public_and_expert_see_published_only(world, lib):
    published = {"published成果", "乙区已发布成果"}
    assert titles(None) == published
    assert titles(world.users.expert) == published


def test_enterprise_sees_its_own_and_published(world, lib):
    assert titles(world.users.org_a) == {"draft成果", "submitted成果", "reviewed成果", "published成果", "withdrawn成果", "乙区已发布成果"}
    # changes only its own drafts
    assert set(Achievement.objects.restrict(world.users.org_a, CHANGE)) == {lib.draft}


def test_district_sees_its_areas_submitted_ones_not_drafts(world, lib):
    seen = titles(world.users.district_a)
    assert {"submitted成果", "reviewed成果", "published成果", "withdrawn成果", "乙区已发布成果"} == seen
    assert not Achievement.objects.restrict(world.users.district_a, CHANGE).exists()


def test_bureau_sees_all(world, lib):
    assert len(titles(world.users.staff)) == Achievement.objects.count()


def test_private_contact_hidden_from_public_and_others(world, lib):
    a = lib.published
    assert not sel.may_see_contact(None, a)
    assert not sel.may_see_contact(world.users.expert, a)
    assert sel.may_see_contact(world.users.org_a, a)
    assert sel.may_see_contact(world.users.district_a, a)
    assert sel.may_see_contact(world.users.staff, a)
    a.contact_public = True
    assert sel.may_see_contact(None, a)


# --- the workflow -------------------------------------------------------------------------------------------


def test_full_workflow_records_events_and_changes(world, lib):
    a = svc.transition(world.users.org_a, lib.draft, "submit")
    assert a.status == "submitted" and a.submitted_at
    a = svc.transition(world.users.district_a, a, "review")
    assert a.status == "reviewed"
    a = svc.transition(world.users.staff, a, "publish")
    assert a.status == "published" and a.published_at
    a = svc.transition(world.users.org_a, a, "withdraw", "技术已转让")
    assert a.status == "withdrawn"
    events = list(AchievementEvent.objects.filter(achievement=a).values_list("transition", "from_status", "to_status", "actor_name"))
    assert events == [
        ("submit", "draft", "submitted", "org_a"),
        ("review", "submitted", "reviewed", "district_a"),
        ("publish", "reviewed", "published", "staff"),
        ("withdraw", "published", "withdrawn", "org_a"),
    ]
    assert AchievementEvent.objects.get(achievement=a, transition="withdraw").reason == "技术已转让"
    statuses = [
        c.postchange_data["status"] for c in ObjectChange.objects.filter(object_id=a.pk, content_type__model="achievement").order_by("id")
    ]
    assert statuses[-4:] == ["submitted", "reviewed", "published", "withdrawn"]


@pytest.mark.parametrize(
    "who, start, action, code, status",
    [
        ("org_a", "submitted", "publish", "not_allowed", 403),  # only the bureau publishes, whatever the state
        ("staff", "submitted", "publish", "wrong_state", 409),  # a submitted one is reviewed first
        ("org_a", "reviewed", "publish", "not_allowed", 403),  # only the bureau publishes
        ("district_a", "reviewed", "publish", "not_allowed", 403),
        ("org_a", "submitted", "review", "not_allowed", 403),  # the owner does not review its own
        ("staff", "draft", "submit", "not_allowed", 403),  # the owner submits
        ("staff", "submitted", "return", "reason_required", 422),
        ("org_a", "published", "withdraw", "reason_required", 422),
        ("staff", "published", "publish", "wrong_state", 409),
        ("staff", "published", "explode", "unknown_transition", 409),
    ],
)
def test_refused_transitions_say_why(world, lib, who, start, action, code, status):
    with pytest.raises(Refusal) as refused:
        svc.transition(getattr(world.users, who), getattr(lib, start), action)
    assert refused.value.reason_code == code and refused.value.status == status
    assert refused.value.zh and refused.value.en
    assert not AchievementEvent.objects.exists()


def test_district_reviews_only_its_areas(world, lib):
    with pytest.raises(Refusal) as refused:
        svc.transition(world.users.district_a, lib.b_submitted, "review")
    assert refused.value.reason_code == "not_allowed"


def test_another_organization_cannot_submit(world, lib):
    org_b = make_user("org_b", Role.ORG_USER, organization=world.ent_b)
    with pytest.raises(Refusal):
        svc.transition(org_b, lib.draft, "submit")


def test_return_with_reason_goes_back_to_draft(world, lib):
    a = svc.transition(world.users.staff, lib.submitted, "return", "摘要过于简略")
    assert a.status == "draft"
    assert AchievementEvent.objects.get(achievement=a).reason == "摘要过于简略"


def test_incomplete_draft_cannot_be_submitted(world, lib):
    lib.draft.negotiable = False
    lib.draft.save()
    with pytest.raises(Refusal) as refused:
        svc.transition(world.users.org_a, lib.draft, "submit")
    assert refused.value.reason_code == "price_required"


def test_actions_follow_the_workflow(world, lib):
    from heluo.core.permissions import allowed_actions

    assert {"submit", "attach", "change"} <= allowed_actions(world.users.org_a, lib.draft)
    assert "publish" in allowed_actions(world.users.staff, lib.reviewed)
    assert "publish" not in allowed_actions(world.users.district_a, lib.reviewed)
    assert allowed_actions(None, lib.published) == {"view"}


def test_workflow_declaration_is_checked():
    doc = {"version": "x", "states": {"a": ["甲", "a"]}, "initial": "a", "parties": {"owner": ["o", "o"]}}
    doc["transitions"] = {"go": {"label": ["走", "go"], "from": ["a"], "to": "nowhere", "by": ["owner"]}}
    with pytest.raises(ValueError):
        parse(doc)
    assert workflow().transitions["publish"].parties == {"bureau"}


# --- content, field rules and hostile input -----------------------------------------------------------------


def test_enterprise_creates_its_own_only(world, lib):
    a = Achievement(title="新成果", abstract="摘要", trl=3, organization=world.ent_a, keywords="甲，乙, 丙、甲")
    svc.achievement_save(world.users.org_a, a, ip_rights=[("invention", " ZL1 ", ""), ("software_copyright", "2024SR1", "软件")])
    assert a.keywords == "甲、乙、丙" and a.status == "draft"
    assert sorted(a.ip_rights.values_list("number", flat=True)) == ["2024SR1", "ZL1"]
    with pytest.raises(PermissionDenied):
        svc.achievement_save(world.users.org_a, Achievement(title="别人的", abstract="x", trl=3, organization=world.ent_b))


def test_enterprise_may_not_set_status_or_move_it(world, lib):
    lib.draft.status = "published"
    with pytest.raises(FieldsRefused) as refused:
        svc.achievement_save(world.users.org_a, lib.draft)
    assert "状态" in refused.value.reason.zh or "status" in refused.value.reason.en
    lib.draft.refresh_from_db()
    lib.draft.organization = world.ent_a2
    with pytest.raises(PermissionDenied):
        svc.achievement_save(world.users.org_a, lib.draft)


def test_enterprise_cannot_edit_once_submitted(world, lib):
    lib.submitted.title = "改名"
    with pytest.raises(PermissionDenied):
        svc.achievement_save(world.users.org_a, lib.submitted)


@pytest.mark.parametrize(
    "change",
    [
        {"trl": 0},
        {"trl": 10},
        {"title": "长" * 201},
        {"price": Decimal("-1")},
        {"price": Decimal("100000000")},
        {"contact_email": "not-an-email"},
    ],
)
def test_bounds(world, lib, change):
    for k, v in change.items():
        setattr(lib.draft, k, v)
    lib.draft.negotiable = False
    with pytest.raises(ValidationError):
        svc.achievement_save(world.users.org_a, lib.draft)


def test_bad_ip_rights_and_modes(world, lib):
    with pytest.raises(Refusal):
        svc.achievement_save(world.users.org_a, lib.draft, ip_rights=[("nonsense", "1", "")])
    with pytest.raises(Refusal):
        svc.achievement_save(world.users.org_a, lib.draft, ip_rights=[("invention", "", "")])
    with pytest.raises(Refusal):
        svc.achievement_save(world.users.org_a, lib.draft, ip_rights=[("invention", str(i), "") for i in range(51)])
    with pytest.raises(Refusal):
        svc.transfer_modes_value(["transfer", "steal"])
    assert svc.transfer_modes_value(["license", "transfer"]) == "transfer,license"


PDF = b"%PDF-1.4\n%fake but well-started\n"


def test_attachments_bounded_and_checked(world, lib, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    att = svc.attachment_add(world.users.org_a, lib.draft, SimpleUploadedFile("评价报告.pdf", PDF))
    assert att.kind == "pdf" and att.size == len(PDF)
    assert svc.attachment_open(att).read() == PDF
    for name, content, code in [
        ("x.exe", b"MZ", "attachment_kind"),
        ("x.pdf", b"<html>", "attachment_content"),
        ("x.pdf", b"", "attachment_size"),
    ]:
        with pytest.raises(Refusal) as refused:
            svc.attachment_add(world.users.org_a, lib.draft, SimpleUploadedFile(name, content))
        assert refused.value.reason_code == code
    big = SimpleUploadedFile("big.pdf", PDF)
    big.size = svc.MAX_ATTACHMENT_BYTES + 1
    with pytest.raises(Refusal):
        svc.attachment_add(world.users.org_a, lib.draft, big)
    with pytest.raises(PermissionDenied):
        svc.attachment_add(world.users.org_a, lib.submitted, SimpleUploadedFile("a.pdf", PDF))
    for i in range(svc.MAX_ATTACHMENTS - 1):
        svc.attachment_add(world.users.org_a, lib.draft, SimpleUploadedFile(f"{i}.pdf", PDF + bytes([i])))
    with pytest.raises(Refusal) as refused:
        svc.attachment_add(world.users.org_a, lib.draft, SimpleUploadedFile("one-more.pdf", PDF))
    assert refused.value.reason_code == "too_many_attachments"


# --- lists, the catalogue's selection, figures --------------------------------------------------------------


def test_filters(world, lib):
    def found(**f):
        return {a.title for a in sel.achievement_list(world.users.staff, f)}

    assert found(hitech_field=lib.tax.field.pk) == {a.title for a in Achievement.objects.filter(hitech_field=lib.tax.sub)}
    assert found(q="乙区") == {"乙区已发布成果", "乙区草稿", "乙区已提交"}
    assert found(q="ZL202310000001.X") == {"published成果"}
    assert found(status=["published"], area=world.b.pk) == {"乙区已发布成果"}
    assert found(trl_min=7) == set()
    assert found(transfer_mode="license")
    assert found(transfer_mode="equity") == set()
    make(world, lib.tax, title="入股", transfer_modes="equity", status="published")
    assert found(transfer_mode="equity") == {"入股"}


def test_catalogue_is_published_only_and_counts(world, lib):
    assert {a.title for a in sel.catalogue({})} == {"published成果", "乙区已发布成果"}
    assert {a.title for a in sel.catalogue({"hitech_field": lib.tax.other.pk})} == {"乙区已发布成果"}
    counts = sel.counts(world.users.staff)
    assert counts["published"] == 2 and counts["total"] == Achievement.objects.count()
    assert sel.to_review_count(world.users.district_a) == 1
    assert sel.to_review_count(world.users.org_a) is None
    assert sel.own_drafts_count(world.users.org_a) == 1


def test_withdrawn_goes_back_to_draft_by_its_owner_only(world, lib):
    with pytest.raises(Refusal):
        svc.transition(world.users.staff, lib.withdrawn, "redraft")
    assert svc.transition(world.users.org_a, lib.withdrawn, "redraft").status == "draft"
