"""Small helpers the resource modules share: codes to rows, payloads onto models, query filters to filtersets."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from ninja import Field
from ninja.pagination import LimitOffsetPagination, paginate

from heluo.core.permissions import CHANGE, VIEW, can

from .errors import invalid
from .schemas import Invalid, Message

# Documented error responses of reads and writes (see errors.py for the bodies).
READ = {404: Message}
WRITE = {401: Message, 403: Message, 404: Message, 409: Message, 422: Invalid}


class Paging(LimitOffsetPagination):
    class Input(LimitOffsetPagination.Input):
        # bounded: past what the database's integers hold, the query itself fails (a 500, not an empty page)
        offset: int = Field(0, ge=0, le=2**31 - 1)


# `@paged` on a list endpoint: ?limit=&offset= (limit ≤ 500), answer {"items": [...], "count": n}.
paged = paginate(Paging, max_limit=500)

LABELS = {
    "area": ("行政区划", "area"),
    "industry": ("行业", "industry"),
    "hitech_field": ("高新技术领域", "high-tech field"),
    "hitech_fields": ("高新技术领域", "high-tech field"),
    "industries": ("行业", "industry"),
    "cluster": ("产业集群", "cluster"),
    "clusters": ("产业集群", "cluster"),
    "programme": ("人才计划", "talent programme"),
    "city": ("城市", "city"),
    "parent": ("上级", "parent"),
    "organization": ("组织", "organization"),
    "employer": ("工作单位", "employer"),
    "person": ("人员", "person"),
    "host": ("依托单位", "host organization"),
    "demand": ("技术需求", "technology demand"),
    "achievement": ("科技成果", "achievement"),
    "expert": ("专家", "expert"),
    "broker": ("对接服务机构", "brokering agency"),
    "event": ("对接活动", "brokering event"),
    "organizer": ("组织单位", "organizer"),
}


def _label(field):
    return LABELS.get(field.split(".")[0], (field, field))


def search_code_or_name(qs, q):
    """Reference rows whose code is `q` or whose name (zh or en) contains it."""
    q = (q or "").strip()
    return qs.filter(Q(code__iexact=q) | Q(name_zh__icontains=q) | Q(name_en__icontains=q)) if q else qs


def by_code(model, code, field):
    """A reference row (area, industry, field, cluster, programme) by its code; a 422 naming `field` if unknown."""
    if code in (None, ""):
        return None
    found = list(model.objects.filter(code=str(code).strip())[:2])
    if len(found) != 1:
        zh, en = _label(field)
        raise invalid(field, f"未知的{zh}代码“{code}” / Unknown {en} code '{code}'")
    return found[0]


def visible(model, user, pk, field):
    """A scoped row the caller may see, by id. A row outside the scope is reported exactly like a missing one."""
    if pk is None:
        return None
    row = model.objects.restrict(user, VIEW).filter(pk=pk).first()
    if row is None:
        zh, en = _label(field)
        raise invalid(field, f"未知的{zh}：{pk} / Unknown {en}: {pk}")
    return row


def apply(instance, data: dict, converters: dict | None = None):
    """Set payload values on a model instance, converting codes/ids with `converters[field](value)`.
    All conversion errors are reported together."""
    errors = {}
    for name, value in data.items():
        if converters and name in converters:
            try:
                value = converters[name](value)
            except ValidationError as exc:
                errors.update(exc.message_dict)
                continue
        setattr(instance, name, value)
    if errors:
        raise ValidationError(errors)
    return instance


def many(convert, values, field):
    """Convert a list of codes/ids; None stays None (= leave unchanged)."""
    if values is None:
        return None
    return [convert(v, f"{field}") for v in values]


def filter_data(filterset_class, filters, codes: dict | None = None) -> dict:
    """Query parameters → the data a selector's FilterSet reads. Reference filters arrive as codes and
    become primary keys; anything the FilterSet would reject (and silently ignore) is a 422 instead."""
    data = filters.model_dump(mode="json", exclude_none=True) if filters is not None else {}
    errors = {}
    for name, model in (codes or {}).items():
        if name not in data:
            continue
        value = data[name]
        try:
            rows = [by_code(model, v, name) for v in (value if isinstance(value, list) else [value])]
        except ValidationError as exc:
            errors.update(exc.message_dict)
            continue
        pks = [row.pk for row in rows if row is not None]  # a blank code filters nothing, as in the web's forms
        if not pks:
            del data[name]
        else:
            data[name] = pks if isinstance(value, list) else pks[0]
    if not errors:
        form_check = filterset_class(data, queryset=filterset_class._meta.model._default_manager.none())
        if not form_check.is_valid():
            errors = {k: list(v) for k, v in form_check.errors.items()}
    if errors:
        raise ValidationError(errors)
    return data


def require_change(user, obj):
    """A write to a row the caller may see but not change is a 403 (one it may not see was already a 404)."""
    if not can(user, CHANGE, obj):
        raise PermissionDenied("您无权修改此记录 / You may not change this record.")
