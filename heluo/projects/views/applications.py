"""Pages of applications (项目申报): the applicant fills the call's form (drawn from its spec), uploads what it asks
for, signs the integrity commitment and submits; the district and the bureau take the workflow's steps. Each page
shows what submission would refuse and every eligibility check with its reason. Reads through the selectors (the
scope of Application.scope_q), writes through services.applications."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heluo.core.i18n import Bilingual, Refusal, is_chinese
from heluo.core.models import Role
from heluo.core.permissions import allowed_actions, scope_for
from heluo.web.forms import filter_form
from heluo.web.views.generic import act, ensure_login, get_or_404, paginate, refusal_text

from ..engine import programmes as engine
from ..models import Application, ApplicationAttachment
from ..selectors import applications as selectors
from ..selectors import lists
from ..services import applications as services
from ..services import review as review_services
from .forms import ApplicationForm, AttachmentForm, AvoidanceForm


def application_list(request):
    if response := ensure_login(request):
        return response
    params = request.GET.copy()
    for key in ("page", "per_page"):
        params.pop(key, None)
    filterset = lists.application_filtered(request.user, params)
    if scope_for(request.user).role == Role.ORG_USER:  # its own only: the area says nothing
        filterset.filters.pop("area", None)
        filterset.form.fields.pop("area", None)
    page = paginate(request, filterset.qs)
    return render(
        request, "projects/application_list.html", {"page": page, "filter_form": filter_form(filterset), "query": params.urlencode()}
    )


# --- the applicant's form ---------------------------------------------------------------------------------


def _save(request, form: ApplicationForm, a: Application):
    """The service's save; its refusals onto the form's fields (every problem of the answers and the budget)."""
    a.title, a.abstract, a.keywords = form.cleaned_data["title"], form.cleaned_data["abstract"], form.cleaned_data["keywords"]
    a.pi, a.requested = form.cleaned_data["pi"], form.cleaned_data["requested"]
    try:
        return services.application_save(
            request.user,
            a,
            answers=form.answers(),
            budget=form.budget(),
            members=list(form.cleaned_data["members"]),
            partners=form.partners(),
        ), 200
    except services.Incomplete as e:
        for p in e.problems:
            form.add_error(form.field_of(p.key), str(Bilingual(p.zh, p.en)))
        return None, 422
    except PermissionDenied as e:
        form.add_error(None, refusal_text(e))
        return None, 403
    except Refusal as e:
        form.add_error(form.field_of(e.field or ""), str(e.reason))
        return None, e.status
    except ValidationError as e:
        form.add_error(None, e.messages)
        return None, 422


def _application_form(request, call, a: Application):
    form = ApplicationForm(request.POST or None, instance=a, user=request.user, call=call)
    status = 200
    if request.method == "POST" and form.is_valid():
        saved, status = _save(request, form, a)
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("projects:application", saved.pk)
    elif request.method == "POST":
        status = 422
    return render(request, "projects/application_form.html", {"form": form, "call": call, "a": a if a.pk else None}, status=status)


def application_add(request, call_pk):
    if response := ensure_login(request):
        return response
    call = get_or_404(selectors.call_get, request.user, call_pk)
    scope = scope_for(request.user)
    if scope.role != Role.ORG_USER or not scope.organization_id:
        raise PermissionDenied(_("An application is made by the applicant organization."))
    if not call.is_open():
        messages.error(request, _("The call is not open for applications now."))
        return redirect("projects:call", call.pk)
    return _application_form(request, call, Application(call=call, applicant_id=scope.organization_id))


def application_edit(request, pk):
    if response := ensure_login(request):
        return response
    a = get_or_404(selectors.application_get, request.user, pk)
    if not _editable(request.user, a):
        raise PermissionDenied(_("You may not change this record."))
    return _application_form(request, a.call, a)


def _editable(user, a: Application) -> bool:
    return services.editable(user, a)


# --- the application's page -------------------------------------------------------------------------------


def _shown(f, value) -> str:
    """An answer as the page shows it."""
    if value is None or value == []:
        return "—"
    pick = 0 if is_chinese() else 1
    if f.type == "boolean":
        return _("Yes") if value else _("No")
    if f.type == "choice":
        return f.choices.get(value, (value, value))[pick]
    if f.type == "choices":
        return "、".join(f.choices.get(v, (v, v))[pick] for v in value)
    if f.type == "money":
        return f"{value:,.2f}"
    if f.type == "date":
        return value.isoformat()
    return str(value)


def _answers(a: Application, spec) -> list:
    answers = selectors.answers_of(a)
    pick = 0 if is_chinese() else 1
    return [(s.label[pick], [(f.label[pick], _shown(f, answers.get(f.key)), f.type) for f in s.fields]) for s in spec.sections]


def _budget(a: Application, spec) -> tuple[list, object]:
    lines = selectors.budget_of(a)
    pick = 0 if is_chinese() else 1
    rows = [(c.label[pick], lines.get(c.code)) for c in spec.categories]
    return rows, sum(lines.values())


def _labelled(events, wf) -> list:
    events = list(events)
    for e in events:
        step = wf.transitions.get(e.transition)
        e.label = Bilingual(*step.label) if step else Bilingual("创建", "Created")
    return events


def application_detail(request, pk):
    if response := ensure_login(request):
        return response
    a = get_or_404(selectors.application_get, request.user, pk)
    spec = selectors.form_of(a.call)
    wf = engine.workflow(a.call.workflow_code)
    actions = allowed_actions(request.user, a)
    budget_rows, budget_total = _budget(a, spec)
    editable = _editable(request.user, a)
    pick = 0 if is_chinese() else 1
    kinds = {k.code: k.label[pick] for k in spec.attachments}
    files = list(lists.attachments(request.user, a))
    for f in files:
        f.kind_label = kinds.get(f.kind, f.kind)
    return render(
        request,
        "projects/application_detail.html",
        {
            "a": a,
            "programme_label": lists.programme_label(a.call.programme),
            "sections": _answers(a, spec),
            "budget_rows": budget_rows,
            "budget_total": budget_total,
            "attachments": files,
            "attachment_kinds": [(k.label[pick], k.required, "、".join(k.types), k.max_bytes // (1024 * 1024)) for k in spec.attachments],
            "members": a.participants.filter(kind="member").select_related("person"),
            "partners": a.participants.filter(kind="partner").select_related("organization"),
            "problems": [Bilingual(p.zh, p.en) for p in services.completeness(a)] if editable else None,
            "checks": [(c.ok, Bilingual(c.zh, c.en)) for c in selectors.eligibility(a)],
            "steps": [t for t in wf.available(a.status, services.parties(request.user, a)) if t.name in actions],
            "events": _labelled(selectors.application_events(request.user, a), wf),
            "editable": editable,
            "may_delete": "delete" in actions,
            "upload_form": AttachmentForm(spec=spec) if editable else None,
            "avoidance_form": _avoidance_form(request.user, a),
        },
    )


@require_POST
def application_step(request, pk):
    if response := ensure_login(request):
        return response
    a = get_or_404(selectors.application_get, request.user, pk)
    act(
        request,
        lambda: services.application_transition(
            request.user, a, request.POST.get("action", "")[:20], request.POST.get("reason", "")[:2000]
        ),
    )
    return redirect("projects:application", pk)


@require_POST
def application_sign(request, pk):
    if response := ensure_login(request):
        return response
    a = get_or_404(selectors.application_get, request.user, pk)
    act(request, lambda: services.sign_commitment(request.user, a), _("The integrity commitment is signed."))
    return redirect("projects:application", pk)


@require_POST
def application_delete(request, pk):
    if response := ensure_login(request):
        return response
    a = get_or_404(selectors.application_get, request.user, pk)
    services.application_delete(request.user, a)
    messages.success(request, _("Deleted."))
    return redirect("projects:applications")


def _avoidance_form(user, a) -> AvoidanceForm | None:
    """The 回避 form on the application's page: for its applicant, while the review has not started."""
    scope = scope_for(user)
    mine = scope.role == Role.ORG_USER and scope.organization_id == a.applicant_id
    return AvoidanceForm() if mine and a.status in review_services.AVOIDANCE_OPEN else None


# --- attachments ------------------------------------------------------------------------------------------


@require_POST
def attachment_upload(request, pk):
    if response := ensure_login(request):
        return response
    a = get_or_404(selectors.application_get, request.user, pk)
    form = AttachmentForm(request.POST, request.FILES, spec=selectors.form_of(a.call))
    if not form.is_valid():
        messages.error(request, _("Choose the attachment's kind and a file to upload."))
        return redirect("projects:application", a.pk)
    act(request, lambda: services.attach(request.user, a, form.cleaned_data["kind"], form.cleaned_data["file"]), _("Attached."))
    return redirect("projects:application", a.pk)


def _attachment(request, pk) -> ApplicationAttachment:
    try:
        return lists.attachment_get(request.user, pk)
    except ApplicationAttachment.DoesNotExist:
        raise Http404 from None


def attachment_download(request, pk):
    if response := ensure_login(request):
        return response
    att = _attachment(request, pk)
    try:
        handle = services.attachment_open(att)
    except ValidationError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=att.name)


@require_POST
def attachment_delete(request, pk):
    if response := ensure_login(request):
        return response
    att = _attachment(request, pk)
    act(request, lambda: services.attachment_remove(request.user, att), _("Attachment removed."))
    return redirect("projects:application", att.application_id)
