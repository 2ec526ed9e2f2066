"""The technology market's home page (技术市场): each part's figures within the user's scope and the ways in.
Other parts of the market add their sections here."""

from __future__ import annotations

from django.shortcuts import render

from heluo.core.permissions import scope_for
from heluo.taxonomy.models import HitechField

from ..models import AchievementStatus, TransferMode
from ..selectors import achievements, brokering


def home(request):
    user = request.user
    scope = scope_for(user)
    counts = achievements.counts(user)
    modes = dict(TransferMode.choices)
    return render(
        request,
        "market/home.html",
        {
            "counts": counts,
            "by_status": [(code, label, counts["by_status"].get(code, 0)) for code, label in AchievementStatus.choices],
            "by_mode": [(code, modes[code], n) for code, n in counts["by_mode"].items()],
            "to_review": achievements.to_review_count(user),
            "own_drafts": achievements.own_drafts_count(user),
            "fields": HitechField.objects.filter(parent=None).order_by("sort"),
            "latest": list(achievements.achievement_list(None)[:8]),
            "signed_in": not scope.is_public,
            "is_staff": scope.is_staff,
            "is_party": scope.is_staff or scope.role == "org_user",  # an enterprise, a district, the bureau
            "may_broker": brokering.may_start(user),
            "may_register": scope.is_bureau or bool(scope.organization_id and scope.role == "org_user"),
        },
    )
