"""免申即享 pages (bureau only): policies, drafting a list from the latest evaluation, confirming and publishing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from heluo.core.permissions import require_bureau
from heluo.core.spreadsheets import table_xlsx, xlsx_response
from heluo.cultivation.selectors.benefits import benefit_lists, policies
from heluo.cultivation.services import benefits
from heluo.cultivation.templatetags.cultivation_i18n import localize
from heluo.cultivation.views.common import current_year


@login_required
def policy_list(request):
    require_bureau(request.user)
    return render(
        request,
        "cultivation/benefits.html",
        {
            "policies": policies(request.user),
            "is_bureau": True,
            "year": current_year(),
            "lists": benefit_lists(request.user)[:100],
        },
    )


@login_required
@require_POST
def draft(request, pk):
    require_bureau(request.user)
    policy = get_object_or_404(policies(request.user), pk=pk)
    try:
        blist = benefits.draft_list(request.user, policy, year=int(request.POST.get("year") or current_year()))
    except (ValueError, ValidationError) as e:
        messages.error(request, _("Cannot draft the list: %(error)s") % {"error": e})
        return redirect("cultivation:benefits")
    return redirect("cultivation:benefit_list", pk=blist.pk)


@login_required
def list_detail(request, pk):
    require_bureau(request.user)
    blist = get_object_or_404(benefit_lists(request.user), pk=pk)
    grants = blist.grants.select_related("organization", "organization__area")
    if request.GET.get("format") == "xlsx":
        rows = [(g.organization.name, g.organization.uscc or "", g.organization.area.name, float(g.amount), str(g.basis)) for g in grants]
        name = localize(blist.policy, "name")
        return xlsx_response(
            table_xlsx(
                name,
                [_("Enterprise"), _("Unified social credit code"), _("District/county"), _("Amount (yuan)"), _("Calculation basis")],
                rows,
            ),
            f"{name}-{blist.year}.xlsx",
        )
    return render(request, "cultivation/benefit_list.html", {"blist": blist, "grants": grants, "is_bureau": True})


@login_required
@require_POST
def list_action(request, pk, action):
    require_bureau(request.user)
    blist = get_object_or_404(benefit_lists(request.user), pk=pk)
    step = {"confirm": benefits.confirm_list, "publish": benefits.publish_list, "withdraw": benefits.withdraw_list}.get(action)
    if step is None:
        raise PermissionDenied
    try:
        step(request.user, blist)
        messages.success(request, _("List status: %(status)s.") % {"status": blist.get_status_display()})
    except ValidationError as e:
        messages.error(request, pgettext("list separator", "; ").join(e.messages))
    return redirect("cultivation:benefit_list", pk=blist.pk)
