from collections import defaultdict

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html
from django.utils.text import capfirst

from .. import display

register = template.Library()


@register.filter
def wan(value, places=2):
    """Yuan → 万元 with thousands separators."""
    return display.wan(value, int(places))


@register.filter
def thousands(value):
    """12345 → 12,345 in every language."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value


@register.filter
def ymd(value):
    """A date as YYYY-MM-DD, a date-time as YYYY-MM-DD HH:MM (local time)."""
    return display.fmt_date(value)


@register.filter
def percent(value):
    return display.percent(value)


@register.simple_tag
def badge(value, label=None):
    return display.badge(value, label)


@register.simple_tag
def status_badge(obj, field="status"):
    """A choice field of an object as a coloured badge with its label."""
    return display.badge(getattr(obj, field), getattr(obj, f"get_{field}_display")())


@register.simple_tag
def cell(obj, accessor, fmt=""):
    return display.render_value(obj, accessor, fmt)


@register.filter
def detail_url(obj):
    return display.detail_url(obj) or ""


@register.simple_tag
def obj_link(obj, text=None):
    return display.link(obj, text)


@register.filter
def verbose(obj, field):
    return display.verbose_name(obj if isinstance(obj, type) else type(obj), field)


@register.simple_tag
def change_field_label(change, field):
    """Verbose name of a field of the model an ObjectChange is about."""
    model = change.content_type.model_class()
    return display.verbose_name(model, field) if model else field


@register.simple_tag
def change_value(value):
    """A before/after value of the change log (JSON): lists joined, empty shown as —."""
    if value is None or value == "" or value == []:
        return display.DASH
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    text = str(value)
    if len(text) > 300:
        text = text[:300] + "…"
    return format_html('<span class="text-break">{}</span>', text)


NOISE_FIELDS = {"id", "created", "updated"}


def _ids(value) -> list:
    return [] if value in (None, "", []) else (value if isinstance(value, list) else [value])


def _names(model, ids, user) -> dict:
    """{id: name} of the records with these ids that the user may see."""
    manager = model._default_manager
    qs = manager.restrict(user) if hasattr(manager, "restrict") else manager.all()
    return {o.pk: str(o) for o in qs.filter(pk__in=ids)}


def _relation(model, name):
    try:
        f = model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return None
    return f.related_model if f is not None and f.is_relation else None


def name_related(changes, user) -> list:
    """Look up the names of the records the changes' relation fields point to, one query per related model for
    a whole list of changes (history_diff would ask once per change and field). Answers the changes as a list."""
    changes = list(changes)
    wanted = defaultdict(set)
    for change in changes:
        model = change.content_type.model_class()
        for name, before, after in change.diff():
            if (related := _relation(model, name)) is not None:
                wanted[related].update(_ids(before) + _ids(after))
    names = {related: _names(related, ids, user) for related, ids in wanted.items()}
    for change in changes:
        change.related_names = names
    return changes


def _related_names(model, value, user, known=None):
    """Ids in the change log → names, looked up within what the user may see (else '#id')."""
    ids = _ids(value)
    if not ids:
        return value
    names = known[model] if known and model in known else _names(model, ids, user)
    return "、".join(names.get(i, f"#{i}") for i in ids)


def _choice_label(f, value):
    return str(dict(f.flatchoices).get(value, value)) if value not in (None, "") else value


@register.simple_tag(takes_context=True)
def history_diff(context, change):
    """The changed fields of an ObjectChange as (label, before, after): bookkeeping fields left out, related
    ids shown by name, choices by label, money in 万元."""
    model = change.content_type.model_class()
    request = context.get("request")
    user = getattr(request, "user", None)
    rows = []
    diff = change.diff()
    if model is not None:
        order = {f.name: i for i, f in enumerate(model._meta.get_fields())}
        diff.sort(key=lambda row: order.get(row[0], len(order)))
    for name, before, after in diff:
        if name in NOISE_FIELDS:
            continue
        try:
            f = model._meta.get_field(name) if model else None
        except FieldDoesNotExist:
            f = None
        if f is None:
            rows.append((name, before, after))
            continue
        if f.is_relation and f.related_model is not None:
            known = getattr(change, "related_names", None)  # name_related() read them for the whole list
            before, after = _related_names(f.related_model, before, user, known), _related_names(f.related_model, after, user, known)
        elif f.choices:
            before, after = _choice_label(f, before), _choice_label(f, after)
        elif display.is_money_field(f):
            before, after = display.wan(before), display.wan(after)
        rows.append((capfirst(f.verbose_name), before, after))
    return rows


@register.simple_tag
def change_type_label(change):
    model = change.content_type.model_class() if change.content_type_id else None
    return capfirst(model._meta.verbose_name) if model else (change.content_type.model if change.content_type_id else "")


@register.filter
def field_col(bound_field):
    """Grid width of a form field: wide widgets (text areas, checkbox lists, those marked `wide`) take the whole row."""
    from django import forms

    widget = bound_field.field.widget
    wide = isinstance(widget, (forms.Textarea, forms.CheckboxSelectMultiple)) or getattr(widget, "wide", False)
    return "col-12" if wide else "col-md-6"
