"""Applicants' 回避 requests matched to the expert pool, on the bureau's side only. The applicant names a person as it
knows them (name and employer) and is answered the same whether or not anyone matches, so it never learns who is in
the pool; the match is made here, when conflicts are computed and on the bureau's round page.

The rule (one place): a request matches every active expert whose name is exactly the name given and whose
employer's name contains the employer given (an empty employer, as kept for a person without one, matches on the
name alone)."""

from __future__ import annotations

from collections import defaultdict

from heluo.people.models import Expert

from ..models import ConflictDeclaration


def matches(named_person: str, named_employer: str, name: str, employer: str | None) -> bool:
    return named_person.strip() == name.strip() and named_employer.strip().casefold() in (employer or "").casefold()


def requests(**filters):
    return ConflictDeclaration.objects.filter(kind=ConflictDeclaration.Kind.APPLICANT, **filters).order_by("pk")


def matched(rows) -> list[tuple[ConflictDeclaration, list[Expert]]]:
    """Each request with the active experts it names (an empty list: no match)."""
    rows = list(rows)
    experts = defaultdict(list)
    for e in Expert.objects.filter(active=True, person__name__in={r.named_person for r in rows}).select_related("person__employer"):
        experts[e.person.name].append(e)
    return [
        (
            r,
            [
                e
                for e in experts[r.named_person]
                if matches(r.named_person, r.named_employer, e.person.name, e.person.employer.name if e.person.employer_id else None)
            ],
        )
        for r in rows
    ]


def avoided_expert_ids(application_ids) -> dict[int, tuple[str, ...]]:
    """{application id: the ids (as strings) of the experts its applicant asked to stay away}: engine.conflicts' input."""
    out = defaultdict(list)
    for r, experts in matched(requests(application_id__in=list(application_ids))):
        out[r.application_id] += [str(e.pk) for e in experts]
    return {app: tuple(dict.fromkeys(ids)) for app, ids in out.items()}
