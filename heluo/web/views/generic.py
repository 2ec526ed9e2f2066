"""NetBox-style list / detail / edit / delete views, driven by one `ObjectType` description per registry model.

Objects are only ever read through the type's selectors (which start from `Model.objects.restrict(user, …)`)
and written through its services, so an out-of-scope detail is a 404 and a forbidden write a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import ProtectedError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from heluo.core.audit import history_for, may_see_history
from heluo.core.i18n import Refusal, in_language
from heluo.core.models import Role
from heluo.core.permissions import CHANGE, DELETE, NOTHING, can, scope_for
from heluo.core.spreadsheets import xlsx_response

from ..display import DETAIL_URLS, PARENT_ATTR, Column, render_value, verbose_name
from ..forms import filter_form
from ..templatetags.heluo_web import name_related

PAGE_SIZES = (25, 50, 100, 250)
DEFAULT_PAGE_SIZE = 50
RESERVED_PARAMS = {"page", "per_page", "sort", "export"}


@dataclass
class Export:
    kind: str  # a kind of heluo.core.exports.export_xlsx
    label: str
    queryset: Callable | None = None  # (filtered list queryset, user) -> queryset to export; default: the list


@dataclass
class ObjectType:
    key: str  # URL names: <key>_list, <key>_detail, <key>_add, <key>_edit, <key>_delete
    model: type
    list_selector: Callable  # (user, filters) -> queryset
    columns: list[Column]
    get_selector: Callable | None = None  # (user, pk) -> object; raises DoesNotExist when out of scope
    filterset_class: type | None = None
    title: str = ""
    icon: str = "list"
    exports: list[Export] = field(default_factory=list)
    form_class: type | None = None
    save: Callable | None = None  # (user, instance, **form.save_kwargs()) -> instance
    delete: Callable | None = None  # (user, instance)
    login_required: bool = False
    detail_fields: list[str] = field(default_factory=list)
    detail_template: str = "web/object_detail.html"
    detail_context: Callable | None = None  # (request, obj) -> dict
    hidden_filters: tuple = ()  # filters set by links (organization=…), not shown in the filter card
    annotate: Callable | None = None  # queryset -> queryset, for list columns
    default_sort: str = ""
    section: str = ""  # navbar section this type belongs to
    parts: dict = field(default_factory=dict)  # {"people.expert": "person"}: records shown on this type's page

    @property
    def plural(self):
        return capfirst(self.title or self.model._meta.verbose_name_plural)

    @property
    def singular(self):
        return self.model._meta.verbose_name

    def url(self, action, *args):
        return reverse(f"web:{self.key}_{action}", args=args)

    @property
    def has_detail(self):
        return self.get_selector is not None

    @property
    def editable(self):
        return self.form_class is not None and self.save is not None


# --- helpers -------------------------------------------------------------------------------------------


def ensure_login(request, needed=True):
    """None when the request may go on, else the redirect to the login page."""
    if needed and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def get_or_404(selector, user, pk):
    try:
        return selector(user, pk)
    except ObjectDoesNotExist:
        raise Http404(_("No such record, or it is outside what you may see.")) from None


def can_add(user, model) -> bool:
    """May the user create records of this model at all? (The service checks the record itself.)"""
    scope = scope_for(user)
    if scope.is_public or scope.role == Role.EXPERT:
        return False
    q = model.scope_q(scope, CHANGE)
    return q is None or q != NOTHING


def add_service_errors(form, error: ValidationError):
    """A service's ValidationError onto the form: on its field when the form has it, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        if name in form.fields:
            form.add_error(name, errors)
        else:
            prefix = "" if name == NON_FIELD_ERRORS else f"{verbose_name(form._meta.model, name)}: "
            form.add_error(None, [prefix + m for e in errors for m in e.messages])


def refusal_text(error) -> str:
    """A service's refusal (Refusal, PermissionDenied with a bilingual reason) in the page's language."""
    if isinstance(error, Refusal):
        return str(error.reason)
    if isinstance(error, PermissionDenied) and error.args:
        return in_language(error.args[0])
    return str(error) or _("You may not do this.")


def save_on_form(form, save):
    """(what the service saved, 200), or (None, the HTTP status) with the service's refusal shown on the form."""
    try:
        return save(), 200
    except PermissionDenied as e:
        form.add_error(None, refusal_text(e))
        return None, 403
    except Refusal as e:
        form.add_error(e.field if e.field in form.fields else None, str(e.reason))
        return None, e.status
    except ValidationError as e:
        add_service_errors(form, e)
        return None, 422


def form_page(request, form, save, done, template, context, message=None):
    """A form page on a service: a valid POST goes through `save()` (the service's refusals shown on the form, with
    their status); saved, `done(saved)` is where to go next, with `message`; otherwise the form again."""
    status = 200
    if request.method == "POST" and form.is_valid():
        saved, status = save_on_form(form, save)
        if saved is not None:
            messages.success(request, message or _("Saved."))
            return redirect(done(saved))
    elif request.method == "POST":
        status = 422
    return render(request, template, {"form": form, **context}, status=status)


def act(request, do, done=None) -> bool:
    """Take a service's step from a button: forbidden is a 403 page with the reason; a refusal is an error message
    (one per problem when it lists several: `details()`); done, a success message. Whether it was done."""
    try:
        do()
    except PermissionDenied as e:
        raise PermissionDenied(refusal_text(e)) from None
    except Refusal as e:
        details = e.details() if hasattr(e, "details") else ()
        for text in [in_language(f"{d['zh']} / {d['en']}") for d in details] or [refusal_text(e)]:
            messages.error(request, text)
        return False
    messages.success(request, done or _("Done."))
    return True


def field_rows(obj, names):
    """[(label, html)] for a detail card."""
    rows = []
    for name in names:
        label, accessor = name if isinstance(name, tuple) else (None, name)
        rows.append((label or verbose_name(type(obj), accessor), render_value(obj, accessor)))
    return rows


def exports_module():
    try:
        from heluo.core import exports
    except ImportError:
        return None
    return exports if hasattr(exports, "export_xlsx") else None


# --- list ----------------------------------------------------------------------------------------------


def _filters(request):
    params = request.GET.copy()
    for key in RESERVED_PARAMS:
        params.pop(key, None)
    return params


def _page_size(request):
    try:
        size = int(request.GET.get("per_page", DEFAULT_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def paginate(request, qs, per_page=None):
    paginator = Paginator(qs, per_page or _page_size(request))
    page = paginator.get_page(request.GET.get("page"))
    page.elided = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return page


def _sorted(qs, ot, sort):
    allowed = {c.sort_key: c.order_by for c in ot.columns if c.order_by}
    key = sort.lstrip("-")
    if key not in allowed:
        return qs, ""
    order = allowed[key] if isinstance(allowed[key], (tuple, list)) else (allowed[key],)
    desc = sort.startswith("-")
    return qs.order_by(*[(f"-{o}" if desc else o) for o in order], "-pk" if desc else "pk"), sort


def object_list(request, ot: ObjectType):
    if response := ensure_login(request, ot.login_required):
        return response
    filters = _filters(request)
    qs = ot.list_selector(request.user, filters)
    if ot.annotate:
        qs = ot.annotate(qs)
    qs, sort = _sorted(qs, ot, request.GET.get("sort", ot.default_sort))

    export_kind = request.GET.get("export")
    if export_kind:
        return export_list(request, ot, qs, export_kind)

    page = paginate(request, qs)
    paginator = page.paginator
    headers = []
    for c in ot.columns:
        key = c.sort_key if c.order_by else None
        headers.append(
            {
                "label": c.header(ot.model),
                "css": c.css,
                "key": key,
                "active": bool(key) and sort.lstrip("-") == key,
                "desc": sort.startswith("-"),
                "next": (f"-{key}" if sort == key else key) if key else None,
            }
        )
    rows = [(obj, [(c.cell(obj), c.css) for c in ot.columns]) for obj in page.object_list]

    form, hidden = None, []
    if ot.filterset_class is not None:
        form = filter_form(ot.filterset_class(filters, queryset=ot.model.objects.none()))
        for name in ot.hidden_filters:
            if filters.get(name):
                rest = request.GET.copy()
                rest.pop(name, None)
                rest.pop("page", None)
                hidden.append({"name": name, "label": form.fields[name].label, "value": filters.get(name), "remove": rest.urlencode()})
    active_filters = [k for k, v in filters.lists() if any(v) and k != "q"]
    return render(
        request,
        "web/object_list.html",
        {
            "ot": ot,
            "page": page,
            "headers": headers,
            "rows": rows,
            "count": paginator.count,
            "sort": sort,
            "filter_form": form,
            "hidden_filters": ot.hidden_filters,
            "hidden_active": hidden,
            "active_filters": active_filters,
            "page_sizes": PAGE_SIZES,
            "per_page": paginator.per_page,
            "q": request.GET.get("q", ""),
            "has_search": form is not None and "q" in form.fields,
            "can_add": ot.editable and can_add(request.user, ot.model),
            "add_url": ot.url("add") if ot.editable else "",
            "exports": ot.exports if exports_module() else [],
        },
    )


def export_list(request, ot, qs, kind):
    export = next((e for e in ot.exports if e.kind == kind), None)
    if export is None:
        raise Http404(_("Unknown export."))
    module = exports_module()
    if module is None:
        messages.error(request, _("The Excel export is not available yet."))
        return redirect(f"{ot.url('list')}?{_filters(request).urlencode()}")
    if export.queryset is not None:
        qs = export.queryset(qs, request.user)
    return xlsx_response(module.export_xlsx(kind, qs, request.user), kind, dated=True)


# --- detail --------------------------------------------------------------------------------------------


def object_detail(request, ot: ObjectType, pk):
    if response := ensure_login(request, ot.login_required):
        return response
    obj = get_or_404(ot.get_selector, request.user, pk)
    context = {
        "ot": ot,
        "object": obj,
        "fields": field_rows(obj, ot.detail_fields),
        "can_change": ot.editable and can(request.user, CHANGE, obj),
        "can_delete": ot.delete is not None and can(request.user, DELETE, obj),
        "history": name_related(history_for(obj)[:100], request.user) if may_see_history(request.user, obj) else None,
    }
    if ot.detail_context:
        context.update(ot.detail_context(request, obj))
    for extra in _detail_context.get(obj._meta.label_lower, {}).values():
        context.update(extra(request, obj))
    return render(request, ot.detail_template, context)


# Context another domain adds to an object's page (a platform app lists the platforms an organization hosts),
# so the page's own domain need not depend on it.
_detail_context: dict[str, dict[str, Callable]] = {}


def add_detail_context(model_label: str, key: str, context: Callable) -> None:
    """`context(request, obj) -> dict` is merged into the detail page of `model_label` ("orgs.organization")."""
    _detail_context.setdefault(model_label, {})[key] = context


# --- create / edit / delete -------------------------------------------------------------------------------


def object_edit(request, ot: ObjectType, pk=None, *, form_class=None, save=None, title=None, template="web/object_edit.html"):
    if response := ensure_login(request):
        return response
    if pk is not None:
        obj = get_or_404(ot.get_selector, request.user, pk)
        if not can(request.user, CHANGE, obj):
            raise PermissionDenied(_("You may not change this record."))
    else:
        if not can_add(request.user, ot.model):
            raise PermissionDenied(_("You may not create records of this kind."))
        obj = ot.model()
    form_class = form_class or ot.form_class
    save = save or ot.save
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, instance=obj, user=request.user)
        if form.is_valid():
            instance = form.save(commit=False)
            try:
                save(request.user, instance, **form.save_kwargs())
            except PermissionDenied as e:
                form.add_error(None, str(e) or _("You may not make this change."))
                status = 403
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(request, _("Saved: %(object)s") % {"object": instance})
                return redirect(ot.url("detail", instance.pk))
    else:
        initial = {k: v for k, v in request.GET.items() if k in form_class.base_fields}
        for k, v in initial.items():
            if v.isdigit():
                initial[k] = int(v)
        form = form_class(instance=obj, user=request.user, initial=initial)
    if title is None:
        title = (_("Edit %(object)s") % {"object": obj}) if pk is not None else (_("New %(kind)s") % {"kind": ot.singular})
    return render(request, template, {"ot": ot, "object": obj if pk is not None else None, "form": form, "title": title}, status=status)


def object_delete(request, ot: ObjectType, pk):
    if response := ensure_login(request):
        return response
    obj = get_or_404(ot.get_selector, request.user, pk)
    if ot.delete is None or not can(request.user, DELETE, obj):
        raise PermissionDenied(_("You may not delete this record."))
    if request.method == "POST":
        try:
            ot.delete(request.user, obj)
        except ProtectedError:
            messages.error(request, _("%(object)s is still referred to by other records and cannot be deleted.") % {"object": obj})
            return redirect(ot.url("detail", pk))
        messages.success(request, _("Deleted: %(object)s") % {"object": obj})
        return redirect(ot.url("list"))
    return render(request, "web/object_delete.html", {"ot": ot, "object": obj})


def urlpatterns_for(ot: ObjectType, prefix: str, extra=()):
    """The list/add/detail/edit/delete pages of an object type, and the links to them (`display.detail_url`)."""
    from django.urls import path

    if ot.has_detail:
        DETAIL_URLS[ot.model._meta.label_lower] = f"web:{ot.key}_detail"
        PARENT_ATTR.update(ot.parts)

    patterns = [path(f"{prefix}/", lambda r: object_list(r, ot), name=f"{ot.key}_list")]
    if ot.editable:
        patterns.append(path(f"{prefix}/add/", lambda r: object_edit(r, ot), name=f"{ot.key}_add"))
    if ot.has_detail:
        patterns.append(path(f"{prefix}/<int:pk>/", lambda r, pk: object_detail(r, ot, pk), name=f"{ot.key}_detail"))
    if ot.editable:
        patterns.append(path(f"{prefix}/<int:pk>/edit/", lambda r, pk: object_edit(r, ot, pk), name=f"{ot.key}_edit"))
    if ot.delete is not None:
        patterns.append(path(f"{prefix}/<int:pk>/delete/", lambda r, pk: object_delete(r, ot, pk), name=f"{ot.key}_delete"))
    return patterns + list(extra)
