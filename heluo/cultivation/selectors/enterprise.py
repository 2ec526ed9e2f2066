"""What an enterprise's own cultivation page shows, read for the enterprise (the caller's scope was checked
by ``scoped_enterprises`` before)."""

from heluo.cultivation.engine.validity import expiry, validity_state
from heluo.orgs.models import Qualification


def qualification_rows(org, today) -> list[dict]:
    """Its qualifications, newest first, each with its end, the basis of that end, its state and days left."""
    rows = []
    for q in Qualification.objects.filter(organization=org).order_by("-valid_from"):
        end, basis = expiry(q.kind, q.valid_from, q.valid_to)
        rows.append(
            {
                "q": q,
                "end": end,
                "basis": basis,
                "state": validity_state(end, q.revoked_on, today),
                "days_left": (end - today).days if end else None,
            }
        )
    return rows
