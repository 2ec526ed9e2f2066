"""The library of achievements' pages: the list (search and filters) and one achievement, open to the public for the
published ones; registering and editing (an organization's users, the bureau), the workflow's buttons, attachments,
and the catalogue (科技成果目录) as Word and Excel."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heluo.core.audit import log_export
from heluo.core.i18n import Refusal, in_language
from heluo.core.models import Role
from heluo.core.permissions import CHANGE, allowed_actions, can, scope_for
from heluo.core.spreadsheets import xlsx_response

from ..models import Achievement, AchievementAttachment, AchievementStatus
from ..selectors import achievements as selectors
from ..selectors import brokering
from ..selectors import matching as selectors_matching
from ..selectors.achievement_catalogue import DOCX, catalogue_docx, catalogue_xlsx, selection_text
from ..services import achievements as services
from . import matching
from .achievement_forms import AchievementForm, AttachmentForm, CatalogueForm, TransitionForm, ip_formset, ip_rows

PAGE_SIZE = 30


def _get(user, pk) -> Achievement:
    try:
        return selectors.achievement_get(user, pk)
    except Achievement.DoesNotExist:
        raise Http404 from None


def achievement_list(request):
    """Everyone (no sign-in needed): the published achievements, and what the user's scope adds."""
    filterset = selectors.achievement_filterset(request.user, request.GET)
    if not filterset.is_valid():
        return render(request, "market/achievement_list.html", {"filter": filterset, "page": None}, status=400)
    page = Paginator(filterset.qs.select_related("industry"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    scope = scope_for(request.user)
    return render(
        request,
        "market/achievement_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "may_register": scope.role == Role.ORG_USER and scope.organization_id or scope.is_bureau,
            "signed_in": not scope.is_public,
        },
    )


def achievement_detail(request, pk):
    a = _get(request.user, pk)
    actions = allowed_actions(request.user, a)
    flow = services.workflow()
    steps = [(name, flow.transitions[name]) for name in flow.transitions if name in actions]
    return render(
        request,
        "market/achievement_detail.html",
        {
            "a": a,
            "ip_rights": selectors.ip_rights(request.user, a),
            "attachments": selectors.attachments(request.user, a),
            "events": selectors.events(request.user, a),
            "show_contact": selectors.may_see_contact(request.user, a),
            "may_change": CHANGE in actions,
            "steps": steps,
            "transition_form": TransitionForm(),
            "attachment_form": AttachmentForm() if "attach" in actions else None,
            "state_names": {code: names[0] for code, names in flow.states.items()},
            "brokerings": brokering.of_achievement(request.user, a)[:100],
            **_enterprise_suggestions(request, a),
        },
    )


def _enterprise_suggestions(request, a) -> dict:
    """Enterprises likely to need a published achievement: for staff and the achievement's own organization."""
    if a.status != AchievementStatus.PUBLISHED or not selectors_matching.may_see_enterprises(request.user, a):
        return {}
    return matching.panels(request, selectors_matching.achievement_query(a), kinds=("enterprises",))


@login_required
def achievement_edit(request, pk=None):
    """Register (pk None) or change an achievement; the IP rights below the form."""
    a = Achievement() if pk is None else _get(request.user, pk)
    if pk is not None and not can(request.user, CHANGE, a):
        raise PermissionDenied(_("Only a draft may be changed, by its own organization or the bureau."))
    if pk is None and not (scope_for(request.user).is_bureau or scope_for(request.user).organization_id):
        raise PermissionDenied(_("Only an organization's users and the bureau register achievements."))
    form = AchievementForm(request.POST or None, instance=a, user=request.user)
    formset = ip_formset(request.POST or None, instance=a, prefix="ip")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():
                services.achievement_save(request.user, form.instance, ip_rights=ip_rows(formset))
        except Refusal as refusal:
            form.add_error(None, in_language(refusal.reason))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Saved."))
            return redirect("market:achievement", form.instance.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "market/achievement_form.html", {"form": form, "formset": formset, "a": a}, status=status)


@login_required
@require_POST
def achievement_step(request, pk, action):
    a = _get(request.user, pk)
    form = TransitionForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.transition(request.user, a, action, reason)
    except Refusal as refusal:
        messages.error(request, in_language(refusal.reason))
    else:
        label = services.workflow().transitions[action].label
        messages.success(request, _("Done: %(step)s.") % {"step": label[0]})
    return redirect("market:achievement", a.pk)


@login_required
@require_POST
def attachment_upload(request, pk):
    a = _get(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return redirect("market:achievement", a.pk)
    try:
        services.attachment_add(request.user, a, form.cleaned_data["file"])
    except Refusal as refusal:
        messages.error(request, in_language(refusal.reason))
    else:
        messages.success(request, _("Attached."))
    return redirect("market:achievement", a.pk)


def attachment_download(request, pk):
    try:
        att = selectors.attachment_get(request.user, pk)
    except AchievementAttachment.DoesNotExist:
        raise Http404 from None
    try:
        handle = services.attachment_open(att)
    except ValidationError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=att.name)


@login_required
@require_POST
def attachment_delete(request, pk):
    try:
        att = selectors.attachment_get(request.user, pk)
    except AchievementAttachment.DoesNotExist:
        raise Http404 from None
    services.attachment_remove(request.user, att)
    messages.success(request, _("Attachment removed."))
    return redirect("market:achievement", att.achievement_id)


# --- the catalogue --------------------------------------------------------------------------------------------


def _selection_text(form: CatalogueForm) -> str:
    data = form.cleaned_data if form.is_valid() else {}
    return selection_text(data.get("hitech_field"), data.get("cluster"), data.get("published_from"), data.get("published_to"))


def achievement_catalogue(request):
    """Choose a selection; download it as Word or Excel (published achievements only, whoever asks)."""
    form = CatalogueForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "market/achievement_catalogue.html", {"form": form, "count": None}, status=400)
    rows = selectors.catalogue(form.filters() if request.GET else {})
    fmt = request.GET.get("format")
    if fmt not in (None, "", "docx", "xlsx"):
        return HttpResponse(_("Unknown format."), status=400)
    if fmt:
        title = "科技成果目录"
        selection = _selection_text(form)
        stamp = timezone.localdate().strftime("%Y%m%d")
        if fmt == "xlsx":
            return xlsx_response(catalogue_xlsx(rows, title, selection), f"{title}-{stamp}")
        content = catalogue_docx(rows, title, selection)
        name = f"{title}-{stamp}.docx"
        log_export(name, rows.count())
        response = HttpResponse(content, content_type=DOCX)
        response["Content-Disposition"] = f"attachment; filename=\"catalogue-{stamp}.docx\"; filename*=UTF-8''{quote(name)}"
        return response
    query = request.GET.copy()
    query.pop("format", None)
    return render(request, "market/achievement_catalogue.html", {"form": form, "count": rows.count(), "query": query.urlencode()})
