"""Writes to the library of achievements: web forms, the API and imports all come through here. A record's content
through `achievement_save` (scope and field rules of heluo.core.permissions), its status only through `transition`
(the workflow declared in data/achievement-workflow.json), each transition recorded as an event and in the change log."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from heluo.core import audit, uploads
from heluo.core.i18n import Refusal
from heluo.core.models import Role
from heluo.core.permissions import CHANGE, Scope, action_rule, can, delete_in_scope, save_in_scope, scope_for
from heluo.core.workflow import Workflow
from heluo.core.workflow import load as load_workflow

from ..models import Achievement, AchievementAttachment, AchievementEvent, AchievementIP, AchievementStatus, IPKind, TransferMode

MAX_IP_RIGHTS = 50
MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = ("pdf", "docx", "xlsx", "pptx", "png", "jpg", "jpeg")  # reports, scans, certificates
STORAGE_PREFIX = "market/achievements"
_SEPARATORS = re.compile(r"[,，、;；\s]+")


def split_list(text: str) -> list[str]:
    """Keywords or names typed with 、 or commas (Chinese or Latin) or semicolons: the items, in order, once each."""
    seen = []
    for item in _SEPARATORS.split(text or ""):
        if item and item not in seen:
            seen.append(item)
    return seen


def transfer_modes_value(codes) -> str:
    """Transfer mode codes → the stored value; an unknown code is a 422 naming it."""
    codes = list(codes or [])
    known = set(TransferMode.values)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Refusal(
            "transfer_mode_unknown",
            f"未知的转化方式：{'、'.join(map(str, unknown))}",
            f"Unknown transfer mode: {', '.join(map(str, unknown))}",
            422,
            "transfer_modes",
        )
    return ",".join(c for c in TransferMode.values if c in codes)


def clean_ip_rights(rows) -> list[AchievementIP]:
    """(kind, number, title) rows → unsaved IP rights; bounded, known kinds, no duplicates."""
    rows = list(rows or [])
    if len(rows) > MAX_IP_RIGHTS:
        raise Refusal("too_many_ip_rights", f"知识产权最多 {MAX_IP_RIGHTS} 项", f"At most {MAX_IP_RIGHTS} IP rights.", 422, "ip_rights")
    out, seen = [], set()
    for kind, number, title in rows:
        number = (number or "").strip()
        if kind not in IPKind.values:
            raise Refusal("ip_kind_unknown", f"未知的知识产权类型：{kind}", f"Unknown IP kind: {kind}", 422, "ip_rights")
        if not number or len(number) > 60:
            raise Refusal("ip_number_invalid", "知识产权编号须为1至60个字符", "An IP number has 1 to 60 characters.", 422, "ip_rights")
        if (kind, number) in seen:
            continue
        seen.add((kind, number))
        out.append(AchievementIP(kind=kind, number=number, title=(title or "").strip()[:200]))
    return out


def achievement_save(user, a: Achievement, *, ip_rights=None) -> Achievement:
    """Create or change an achievement's content (never its status). `ip_rights`: (kind, number, title) rows that
    replace its IP rights, or None to leave them."""
    a.keywords = "、".join(split_list(a.keywords))
    a.team = "、".join(split_list(a.team))
    if a.negotiable:
        a.price = None
    a.full_clean()
    rights = clean_ip_rights(ip_rights) if ip_rights is not None else None
    with transaction.atomic():
        save_in_scope(user, a)
        if rights is not None:
            AchievementIP.objects.filter(achievement=a).delete()
            for r in rights:  # at most MAX_IP_RIGHTS, each saved on its own so the change log records it
                r.achievement = a
                r.save()
    return a


def achievement_delete(user, a: Achievement):
    delete_in_scope(user, a)


# --- the workflow --------------------------------------------------------------------------------------------


def parties(user, a: Achievement) -> frozenset[str]:
    """Which of the workflow's parties the user is for this achievement."""
    scope = scope_for(user)
    found = set()
    if scope.is_bureau:
        found.add("bureau")
    if scope.role == Role.ORG_USER and scope.organization_id == a.organization_id:
        found.add("owner")
    if scope.role == Role.DISTRICT_STAFF and a.organization.area_id in scope.area_ids:
        found.add("district")
    return frozenset(found)


def _incomplete(a: Achievement) -> Refusal | None:
    """What a record must hold before it goes to review (a draft may be saved without it)."""
    if not a.mode_codes:
        return Refusal("transfer_modes_required", "请至少选择一种转化方式", "Choose at least one transfer mode.", 422, "transfer_modes")
    if a.price is None and not a.negotiable:
        return Refusal("price_required", "请填写参考价格或选择“面议”", "Give a reference price or mark it negotiable.", 422, "price")
    if not (a.contact_name and (a.contact_phone or a.contact_email)):
        return Refusal(
            "contact_required", "请填写联系人及电话或电子邮箱", "Give a contact person and a phone or e-mail.", 422, "contact_name"
        )
    return None


WORKFLOW = Path(__file__).resolve().parent.parent / "data" / "achievement-workflow.json"


def workflow() -> Workflow:
    """The achievements' workflow (登记 → 审核 → 发布 → 撤回), declared as data, on the one workflow engine."""
    return load_workflow(WORKFLOW)


def transition(user, a: Achievement, name: str, reason: str = "") -> Achievement:
    """Take a workflow transition: refused with the workflow's reason (wrong state 409, not this user's 403, a
    missing reason 422); else the status changes, the change log records it and an event says who, when, why."""
    flow = workflow()
    reason = (reason or "").strip()[:500]
    with transaction.atomic():
        a = audit.known_before(Achievement.objects.select_for_update(of=("self",)).select_related("organization").get(pk=a.pk))
        denial = flow.check(a.status, name, parties(user, a), reason)
        if denial is not None:
            status = {"not_allowed": 403, "reason_required": 422}.get(denial.code, 409)
            raise Refusal(denial.code, denial.zh, denial.en, status, "reason" if status == 422 else None)
        if name == "submit" and (problem := _incomplete(a)) is not None:
            raise problem
        before, now = a.status, timezone.now()
        a.status = flow.transitions[name].target
        if a.status == AchievementStatus.SUBMITTED:
            a.submitted_at = now
        if a.status == AchievementStatus.PUBLISHED:
            a.published_at = now
        a.save()
        AchievementEvent.objects.create(
            achievement=a,
            transition=name,
            from_status=before,
            to_status=a.status,
            **AchievementEvent.by(user),
            at=now,
            reason=reason,
            workflow_version=flow.version,
        )
    return a


@action_rule(Achievement)
def achievement_actions(user, a, base):
    """The transitions the user may take now (the pages' buttons), and "attach" where it may change the record."""
    yield from (t.name for t in workflow().available(a.status, parties(user, a)))
    if CHANGE in base:
        yield "attach"


# --- attachments: bounded, checked by content, kept under their hash ----------------------------------------


def attachment_path(sha256: str) -> str:
    return uploads.path(STORAGE_PREFIX, sha256)


def attachment_add(user, a: Achievement, upload) -> AchievementAttachment:
    """Attach an uploaded file to an achievement the user may change: at most MAX_ATTACHMENTS files of
    MAX_ATTACHMENT_BYTES each, of a kind whose first bytes match its name."""
    if not can(user, CHANGE, a):
        raise PermissionDenied("您无权修改此成果 / You may not change this achievement.")
    checked = uploads.check(upload, ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES)
    if a.attachments.count() >= MAX_ATTACHMENTS:
        raise Refusal(
            "too_many_attachments",
            f"每项成果最多 {MAX_ATTACHMENTS} 个附件",
            f"At most {MAX_ATTACHMENTS} attachments per achievement.",
            409,
            "file",
        )
    uploads.store(upload, STORAGE_PREFIX, checked.sha256)
    who = user if getattr(user, "pk", None) and not isinstance(user, Scope) else None
    return AchievementAttachment.objects.create(
        achievement=a, name=checked.name, sha256=checked.sha256, size=checked.size, kind=checked.ext, uploaded_by=who
    )


def attachment_remove(user, att: AchievementAttachment):
    if not can(user, CHANGE, att.achievement):
        raise PermissionDenied("您无权修改此成果 / You may not change this achievement.")
    att.delete()  # the file stays: another attachment may share its hash, and the change log names it


def attachment_open(att: AchievementAttachment):
    return uploads.open_stored(STORAGE_PREFIX, att.sha256)
