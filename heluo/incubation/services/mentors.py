"""Writes of the mentors' work: a mentor's profile (kept by the mentor or the bureau); a pairing of a mentor with an
incubated firm (by whoever manages the firm's incubation, with the matching engine's affinity recorded when the
mentor was suggested); sessions logged by either side and each side's report of the outcome (append-only); and the
导师县区行、园区行 events (the bureau, or a district in its own area)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from heluo.core.i18n import Bilingual, Refusal
from heluo.core.models import Role
from heluo.core.permissions import CHANGE, scope_for
from heluo.geo.models import Area
from heluo.people.models import Mentor
from heluo.platforms.models import Platform

from ..models import Availability, Incubation, IncubationStatus, MentorEvent, MentorProfile, Pairing, Session, SessionReport, Side
from ..selectors import mentors as selectors
from .common import date, not_future, text
from .incubations import may_manage

HOURS_MAX = Decimal("24")


def side_of(user, pairing: Pairing) -> str | None:
    """Which side of the pairing the user speaks for: the mentor (its own account) or the firm (its own account)."""
    scope = scope_for(user)
    if scope.role == Role.EXPERT and scope.person_id and scope.person_id == pairing.mentor.person_id:
        return Side.MENTOR
    if scope.role == Role.ORG_USER and scope.organization_id == pairing.incubation.firm_id:
        return Side.FIRM
    return None


@transaction.atomic
def save_profile(
    user,
    mentor: Mentor,
    *,
    experience_years=0,
    experience="",
    availability=Availability.AVAILABLE,
    hours_per_month=0,
    hitech_fields=(),
    industries=(),
) -> MentorProfile:
    scope = scope_for(user)
    if not (scope.is_bureau or (scope.role == Role.EXPERT and scope.person_id == mentor.person_id)):
        raise PermissionDenied(
            Bilingual("只有导师本人或市科技局可以修改导师信息", "Only the mentor or the bureau may change the profile.").both
        )
    if availability not in Availability.values:
        raise Refusal("bad_availability", "未知的可约状态", "Unknown availability.", 422, "availability")
    if not isinstance(experience_years, int) or not 0 <= experience_years <= 70:
        raise Refusal("bad_years", "从业年限应为0至70年", "Years of experience are 0 to 70.", 422, "experience_years")
    if not isinstance(hours_per_month, int) or not 0 <= hours_per_month <= 200:
        raise Refusal("bad_hours", "每月可投入时间应为0至200小时", "Hours per month are 0 to 200.", 422, "hours_per_month")
    profile, _ = MentorProfile.objects.select_for_update().get_or_create(mentor=mentor)
    profile.experience_years, profile.experience = experience_years, text(experience, "experience", 4000, False)
    profile.availability, profile.hours_per_month = availability, hours_per_month
    profile.save()
    profile.hitech_fields.set(hitech_fields)
    profile.industries.set(industries)
    return profile


@transaction.atomic
def pair(user, mentor: Mentor, incubation: Incubation, started_on=None, reason: str = "") -> Pairing:
    if not may_manage(user, incubation.carrier):
        raise PermissionDenied(
            Bilingual(
                "只有载体运营单位、所在县区或市科技局可以为企业配备导师",
                "Only the carrier's host, its district or the bureau may pair a mentor.",
            ).both
        )
    if incubation.status != IncubationStatus.INCUBATING:
        raise Refusal("not_incubating", "只能为在孵企业配备导师", "Only a firm in incubation gets a mentor.", 409, "incubation")
    if not mentor.active or getattr(getattr(mentor, "profile", None), "availability", None) == Availability.UNAVAILABLE:
        raise Refusal("mentor_unavailable", "该导师目前不接受新的企业", "The mentor takes no new firm now.", 409, "mentor")
    on = not_future(date(started_on or dt.date.today(), "started_on"), "started_on")
    if on < incubation.entered_on:
        raise Refusal("before_entry", "配对日期不能早于入孵日期", "A pairing cannot precede the entry.", 422, "started_on")
    suggested = {s.mentor.pk: s for s in selectors.suggest(user, incubation, limit=20)}
    s = suggested.get(mentor.pk)
    try:
        with transaction.atomic():
            return Pairing.objects.create(
                mentor=mentor,
                incubation=incubation,
                started_on=on,
                affinity=s.score if s else None,
                terms=list(s.terms) if s else [],
                reason=text(reason, "reason", 500, False),
            )
    except IntegrityError:
        raise Refusal("already_paired", "该导师已在辅导这家企业", "The mentor is already paired with this firm.", 409, "mentor") from None


def end_pairing(user, pairing: Pairing, ended_on) -> Pairing:
    if not may_manage(user, pairing.incubation.carrier):
        raise PermissionDenied(
            Bilingual(
                "只有载体运营单位、所在县区或市科技局可以结束配对", "Only the carrier's host, its district or the bureau may end a pairing."
            ).both
        )
    if pairing.ended_on is not None:
        raise Refusal("already_ended", "该配对已结束", "The pairing has already ended.", 409, "ended_on")
    on = not_future(date(ended_on, "ended_on"), "ended_on")
    if on < pairing.started_on:
        raise Refusal("before_start", "结束日期不能早于配对日期", "The end cannot precede the start.", 422, "ended_on")
    pairing.ended_on = on
    pairing.save(update_fields=["ended_on"])
    return pairing


def _hours(value) -> Decimal:
    try:
        v = Decimal(str(value)[:8])
    except (InvalidOperation, TypeError):
        v = None
    if v is None or not v.is_finite() or v <= 0 or v > HOURS_MAX or v != v.quantize(Decimal("0.1")):
        raise Refusal("bad_hours", "时长应为0.1至24小时", "The hours are 0.1 to 24.", 422, "hours")
    return v


def _rating(value):
    if value in (None, ""):
        return None
    if not isinstance(value, int) or not 1 <= value <= 5:
        raise Refusal("bad_rating", "评分应为1至5", "The rating is 1 to 5.", 422, "rating")
    return value


@transaction.atomic
def log_session(user, pairing: Pairing, held_on, hours, topic: str, outcome: str, rating=None) -> Session:
    """One side logs a session it took part in, with its own account of the outcome; the other side adds its own."""
    side = side_of(user, pairing)
    if side is None:
        raise PermissionDenied(Bilingual("只有导师本人或受辅导企业可以登记辅导记录", "Only the mentor or the firm may log a session.").both)
    on = not_future(date(held_on, "held_on"), "held_on")
    if on < pairing.started_on or (pairing.ended_on and on > pairing.ended_on):
        raise Refusal("outside_pairing", "辅导日期不在配对期间内", "The session falls outside the pairing.", 422, "held_on")
    session = Session.objects.create(pairing=pairing, held_on=on, hours=_hours(hours), topic=text(topic, "topic", 200), logged_by=side)
    SessionReport.objects.create(
        session=session, side=side, outcome=text(outcome, "outcome", 2000), rating=_rating(rating), **SessionReport.by(user)
    )
    return session


@transaction.atomic
def report(user, session: Session, outcome: str, rating=None) -> SessionReport:
    side = side_of(user, session.pairing)
    if side is None:
        raise PermissionDenied(
            Bilingual("只有导师本人或受辅导企业可以填写辅导成效", "Only the mentor or the firm may report on a session.").both
        )
    if SessionReport.objects.filter(session=session, side=side).exists():
        raise Refusal("already_reported", "您已填写过本次辅导的成效", "Your side has already reported on this session.", 409, "outcome")
    try:
        with transaction.atomic():
            return SessionReport.objects.create(
                session=session, side=side, outcome=text(outcome, "outcome", 2000), rating=_rating(rating), **SessionReport.by(user)
            )
    except IntegrityError:
        raise Refusal(
            "already_reported", "您已填写过本次辅导的成效", "Your side has already reported on this session.", 409, "outcome"
        ) from None


@transaction.atomic
def save_event(
    user,
    *,
    kind: str,
    title: str,
    area: Area,
    held_on,
    park: Platform | None = None,
    summary: str = "",
    mentors=(),
    firms=(),
    event: MentorEvent | None = None,
) -> MentorEvent:
    scope = scope_for(user)
    if not (scope.is_bureau or (scope.role == Role.DISTRICT_STAFF and area.pk in scope.area_ids)):
        raise PermissionDenied(
            Bilingual("只有市科技局或本县区可以登记导师县区行、园区行", "Only the bureau or the district may record a mentor event.").both
        )
    if kind not in MentorEvent.Kind.values:
        raise Refusal("bad_kind", "未知的活动类型", "Unknown kind of event.", 422, "kind")
    if kind == MentorEvent.Kind.PARK and park is None:
        raise Refusal("park_required", "园区行须选择园区（孵化载体）", "A park visit names the park (a carrier).", 422, "park")
    if park is not None and not Area.expand_ids([area.pk]) & {park.area_id}:
        raise Refusal("park_elsewhere", "园区不在该县区", "The park is not in that district.", 422, "park")
    inactive = [m for m in mentors if not m.active]
    if inactive:
        raise Refusal("mentor_inactive", f"导师已停用：{inactive[0]}", f"The mentor is inactive: {inactive[0]}", 422, "mentors")
    if event is not None and not MentorEvent.objects.restrict(user, CHANGE).filter(pk=event.pk).exists():
        raise PermissionDenied
    event = event or MentorEvent()
    event.kind, event.title, event.area, event.park = kind, text(title, "title", 200), area, park
    event.held_on, event.summary = date(held_on, "held_on"), text(summary, "summary", 4000, False)
    event.save()
    event.mentors.set(mentors)
    event.firms.set(firms)
    return event


def visible_mentors(user, ids) -> list[Mentor]:
    found = list(selectors.mentor_list(user).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise Refusal("unknown_mentor", "有未知的导师", "Unknown mentor.", 422, "mentors")
    return found
