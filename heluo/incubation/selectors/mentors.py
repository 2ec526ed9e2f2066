"""Reads of the mentor pool and its work: profiles, pairings, sessions and events, scoped; and mentors suggested for an
incubated firm by the market's matching engine over an index of the pool (the mentors' specialty, fields, industries
and experience), kept per process and rebuilt when the pool's tables change (heluo.core.figures.stamp)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from heluo.core.figures import stamp
from heluo.core.permissions import VIEW, scope_for
from heluo.market.selectors import matching
from heluo.people.models import Mentor, Person

from ..models import Availability, Incubation, MentorEvent, MentorProfile, Pairing, Session, SessionReport


def mentor_list(user, available_only: bool = False):
    """The pool: active mentors, with their profiles (the profile's scope: any signed-in user)."""
    if scope_for(user).is_public:
        return Mentor.objects.none()
    qs = Mentor.objects.filter(active=True).select_related("person__employer", "carrier", "profile").order_by("person__name", "pk")
    if available_only:
        qs = qs.exclude(profile__availability=Availability.UNAVAILABLE)
    return qs


def mentor_get(user, pk) -> Mentor:
    return mentor_list(user).get(pk=pk)


def own_mentor(user) -> Mentor | None:
    """The signed-in mentor's own record (a person-linked expert account)."""
    scope = scope_for(user)
    return Mentor.objects.filter(person_id=scope.person_id).first() if scope.person_id else None


def profile_of(mentor: Mentor) -> MentorProfile | None:
    return MentorProfile.objects.filter(mentor=mentor).prefetch_related("hitech_fields", "industries").first()


def pairing_list(user, mentor: Mentor | None = None, incubation: Incubation | None = None):
    qs = Pairing.objects.restrict(user, VIEW).select_related("mentor__person", "incubation__firm", "incubation__carrier__platform")
    if mentor is not None:
        qs = qs.filter(mentor=mentor)
    if incubation is not None:
        qs = qs.filter(incubation=incubation)
    return qs


def pairing_get(user, pk) -> Pairing:
    return pairing_list(user).get(pk=pk)


def session_list(user, pairing: Pairing | None = None):
    qs = (
        Session.objects.restrict(user, VIEW)
        .select_related("pairing__mentor__person", "pairing__incubation__firm")
        .prefetch_related("reports")
    )
    return qs.filter(pairing=pairing) if pairing is not None else qs


def session_get(user, pk) -> Session:
    return session_list(user).get(pk=pk)


def reports_of(session: Session):
    return SessionReport.objects.filter(session=session).order_by("at", "pk")


def event_list(user, kind: str | None = None, area=None):
    qs = MentorEvent.objects.restrict(user, VIEW).select_related("area", "park").prefetch_related("mentors__person", "firms")
    if kind:
        qs = qs.filter(kind=kind)
    if area is not None:
        qs = qs.filter(area=area)
    return qs


def event_get(user, pk) -> MentorEvent:
    return event_list(user).get(pk=pk)


# --- matching ------------------------------------------------------------------------------------------------------


def mentor_records() -> list:
    qs = (
        Mentor.objects.filter(active=True)
        .exclude(profile__availability=Availability.UNAVAILABLE)
        .select_related("person__employer", "profile")
        .prefetch_related("profile__hitech_fields", "profile__industries")
        .order_by("pk")
    )
    out = []
    for m in qs:
        profile = getattr(m, "profile", None)
        fields = list(profile.hitech_fields.all()) if profile else []
        industries = list(profile.industries.all()) if profile else []
        named = [x.name_zh for x in [*fields, *industries]]
        out.append(
            matching.Record(
                str(m.pk),
                {
                    "title": m.specialty,
                    "keywords": "、".join([m.specialty, *named]),
                    "abstract": "；".join([*named, profile.experience if profile else ""]),
                },
                {"field": sorted({str(f.pk) for f in fields} | {str(f.parent_id) for f in fields if f.parent_id})},
            )
        )
    return out


@dataclass
class _Kept:
    stamp: str
    index: object


_kept: dict[str, _Kept] = {}
_lock = threading.Lock()


def index():
    now = stamp(audited=(Mentor, MentorProfile, Person))
    with _lock:
        kept = _kept.get("mentors")
        if kept is None or kept.stamp != now:
            kept = _kept["mentors"] = _Kept(now, matching.MatchIndex(mentor_records(), matching.settings(), matching.words()))
        return kept.index


def forget() -> None:
    with _lock:
        _kept.clear()


def firm_query(incubation: Incubation) -> str:
    firm = incubation.firm
    named = [x.name_zh for x in (firm.industry, firm.hitech_field) if x is not None]
    return " ".join([*named, *(c.name_zh for c in firm.clusters.all()), firm.description])


@dataclass(frozen=True)
class Suggestion:
    mentor: Mentor
    score: float
    terms: tuple[str, ...]


def suggest(user, incubation: Incubation, limit: int = 5) -> list[Suggestion]:
    """The mentors best matched to the firm (its industry, field, clusters and description), available ones only."""
    matches = index().search(firm_query(incubation), max(1, min(limit, 20)))
    mentors = {str(m.pk): m for m in mentor_list(user).filter(pk__in=[int(x.id) for x in matches])}
    return [Suggestion(mentors[x.id], float(x.score), tuple(x.terms)) for x in matches if x.id in mentors]
