"""How values look on the pages: dates YYYY-MM-DD, money in 万元, choices by label, status badges, links.

Used by list columns, detail cards and the history diff, so every page formats a value the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import models
from django.urls import NoReverseMatch, get_resolver, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

DASH = mark_safe('<span class="text-body-tertiary">—</span>')

# Bootstrap colour per status value (annual data, platforms, imports, qualification validity, changes).
BADGE_COLOURS = {
    "draft": "secondary",
    "submitted": "info",
    "verified": "success",
    "cultivating": "warning",
    "approved": "success",
    "revoked": "danger",
    "pending": "secondary",
    "running": "primary",
    "failed": "danger",
    "succeeded": "success",
    "checked": "info",
    "valid": "success",
    "expired": "secondary",
    "future": "info",
    "create": "success",
    "update": "primary",
    "delete": "danger",
    "talent": "primary",
    "expert": "success",
    "mentor": "warning",
    "open": "info",
    "negotiating": "primary",
    "signed": "success",
    "closed": "secondary",
}


def badge(value, label=None) -> SafeString:
    if value in (None, ""):
        return DASH
    colour = BADGE_COLOURS.get(str(value), "secondary")
    return format_html('<span class="badge text-bg-{} status-badge">{}</span>', colour, label if label is not None else value)


def fmt_date(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def wan(value, places=2) -> str:
    """Yuan → 万元 with thousands separators: 12345678 → '1,234.57'."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)) / Decimal(10000)
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{amount:,.{places}f}"


def percent(value, places=1) -> str:
    if value is None:
        return ""
    return f"{Decimal(value) * 100:.{places}f}%"


# --- links to the web pages of objects ---------------------------------------------------------------

# model label ("orgs.organization") → URL name of its detail page; filled by `urlpatterns_for` from each
# domain's object types, so links to any registered object work wherever it is shown (history, tables, …).
DETAIL_URLS: dict[str, str] = {}
# Records shown on the page of another object ("people.expert" → its "person"), from `ObjectType.parts`.
PARENT_ATTR: dict[str, str] = {}


def url_for_label(label: str, pk) -> str | None:
    get_resolver().url_patterns  # noqa: B018 -- loading the URLconf registers the detail pages
    name = DETAIL_URLS.get(label)
    if not name or pk is None:
        return None
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


def detail_url(obj) -> str | None:
    if obj is None or not isinstance(obj, models.Model):
        return None
    label = obj._meta.label_lower
    if label in PARENT_ATTR:
        return detail_url(getattr(obj, PARENT_ATTR[label]))
    return url_for_label(label, obj.pk)


def link(obj, text=None) -> SafeString:
    if obj is None:
        return DASH
    url = detail_url(obj)
    text = str(obj) if text is None else text
    return format_html('<a href="{}">{}</a>', url, text) if url else format_html("{}", text)


# --- one value of one object ------------------------------------------------------------------------


def _resolve(obj, accessor: str):
    value = obj
    for part in accessor.split("."):
        if value is None:
            return None
        value = getattr(value, part)
        if callable(value) and not isinstance(value, models.Manager):
            value = value()
    return value


def _model_field(obj, accessor: str):
    """The model field an accessor ends on (for its verbose name, choices and type), or None."""
    model = type(obj)
    parts = accessor.split(".")
    for i, part in enumerate(parts):
        try:
            f = model._meta.get_field(part)
        except Exception:
            return None
        if i == len(parts) - 1:
            return f
        if not f.is_relation:
            return None
        model = f.related_model
    return None


def is_money_field(f) -> bool:
    return isinstance(f, models.DecimalField) and f.decimal_places == 2 and f.max_digits == 18


def render_value(obj, accessor: str, fmt: str = "") -> SafeString:
    """HTML for `obj.<accessor>`; fmt: '' (by field type), link, badge, money, percent, bool, date, code."""
    f = _model_field(obj, accessor)
    owner = _resolve(obj, accessor.rsplit(".", 1)[0]) if "." in accessor else obj
    value = _resolve(obj, accessor)
    if f is not None and f.choices and owner is not None and not f.many_to_many:
        label = getattr(owner, f"get_{f.name}_display")()
        if fmt == "badge" or (not fmt and f.name == "status"):
            return badge(value, label)
        if fmt == "link" and "." not in accessor:
            return link(obj, label)
        return format_html("{}", label) if value not in (None, "") else DASH
    if fmt == "badge":
        return badge(value)
    if value is None or value == "":
        return DASH
    if fmt == "link":
        return link(obj if "." not in accessor else value, str(value) if "." not in accessor else None)
    if fmt == "money" or (not fmt and is_money_field(f)):
        return format_html('<span class="font-monospace">{}</span>', wan(value))
    if fmt == "percent":
        return format_html("{}", percent(value))
    if fmt == "code":
        return format_html('<code class="text-body">{}</code>', value)
    if isinstance(value, bool):
        return (
            mark_safe('<i class="bi bi-check-lg text-success" aria-hidden="true"></i><span class="visually-hidden">✓</span>')
            if value
            else mark_safe('<i class="bi bi-x-lg text-body-tertiary"></i>')
        )
    if isinstance(value, (dt.date, dt.datetime)):
        return format_html('<span class="text-nowrap">{}</span>', fmt_date(value))
    if isinstance(value, models.Model):
        return link(value)
    if isinstance(value, models.Manager):
        items = list(value.all())
        return format_html_join("、", "{}", ((link(i),) for i in items)) if items else DASH
    if f is not None and isinstance(f, models.URLField):
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', value, value)
    if f is not None and isinstance(f, models.TextField):
        return format_html('<div class="text-prewrap">{}</div>', value)
    return format_html("{}", value)


def verbose_name(model, accessor: str) -> str:
    parts = accessor.split(".")
    for i, part in enumerate(parts):
        try:
            f = model._meta.get_field(part)
        except Exception:
            return accessor.replace("_", " ")
        if i == len(parts) - 1:
            return str(getattr(f, "verbose_name", part))
        model = f.related_model
    return accessor


# --- columns of list tables -----------------------------------------------------------------------


@dataclass
class Column:
    accessor: str
    label: str | None = None  # default: the model field's verbose name
    fmt: str = ""
    order_by: str | tuple | None = None
    render: Callable | None = None  # obj -> html, overrides accessor/fmt
    css: str = ""
    extra: dict = field(default_factory=dict)

    def header(self, model) -> str:
        return capfirst(str(self.label) if self.label is not None else verbose_name(model, self.accessor))

    def cell(self, obj) -> SafeString:
        if self.render is not None:
            return self.render(obj)
        return render_value(obj, self.accessor, self.fmt)

    @property
    def sort_key(self) -> str:
        return self.accessor.replace(".", "__")


MONEY_HINT = _("10k yuan")


def money_label(text) -> str:
    return f"{text} ({MONEY_HINT})"
