"""Pages of read-only reference data (areas, industries, fields, clusters, programmes): a list with a search box,
and a detail card with the record's children and how many records of other domains refer to it.

Those counts come from the domains that own the referring records (`add_related_count`), so a reference
app never needs to know who refers to it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import django_filters as df
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from .generic import ObjectType


@dataclass(frozen=True)
class RelatedCount:
    label: object
    count: Callable  # (user, obj) -> int, within what the user may see
    url: Callable | None = None  # obj -> the filtered list's URL, or None for a plain number
    order: int = 100


_related: dict[str, dict[str, RelatedCount]] = {}


def add_related_count(model_label: str, key: str, related: RelatedCount) -> None:
    """Show on the detail page of `model_label` ("geo.area") a count of records that refer to it."""
    _related.setdefault(model_label, {})[key] = related


def related_counts(request, obj) -> list[tuple]:
    rows = []
    for r in sorted(_related.get(obj._meta.label_lower, {}).values(), key=lambda r: r.order):
        n = r.count(request.user, obj)
        url = r.url(obj) if r.url else None
        rows.append((r.label, format_html('<a href="{}">{}</a>', url, n) if url else n))
    return rows


def reference_context(request, obj) -> dict:
    children = getattr(obj, "children", None)
    return {"children": children.all() if children is not None else [], "counts": related_counts(request, obj)}


class ReferenceFilterSet(df.FilterSet):
    q = df.CharFilter(method="search", label=gettext_lazy("Search"))

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name_zh__icontains=value) | Q(name_en__icontains=value) | Q(code__istartswith=value)) if value else qs


def reference_filterset(model, extra_fields=()):
    meta = type("Meta", (), {"model": model, "fields": ["q", *extra_fields]})
    return type(f"{model.__name__}ReferenceFilterSet", (ReferenceFilterSet,), {"Meta": meta})


def reference_selector(model, filterset, related=()):
    def list_selector(user, filters):
        return filterset(filters, queryset=model.objects.all().select_related(*related)).qs

    def get_selector(user, pk):
        return model.objects.select_related(*related).get(pk=pk)

    return list_selector, get_selector


def reference_type(key, model, columns, fields, extra_filters=(), related=(), icon="diagram-3") -> ObjectType:
    fs = reference_filterset(model, extra_filters)
    list_selector, get_selector = reference_selector(model, fs, related)
    return ObjectType(
        key=key,
        model=model,
        section="reference",
        icon=icon,
        list_selector=list_selector,
        get_selector=get_selector,
        filterset_class=fs,
        columns=columns,
        detail_fields=fields,
        detail_context=reference_context,
        detail_template="web/reference_detail.html",
    )
