"""Bilingual data from the cultivation files (pools, rule sets, configs) in the active language.

Pools, rule sets, criteria, gaps and configurations carry both texts (``zh``/``en``, ``title_zh``/``title_en``,
``label_zh``/``label_en`` …). ``{{ obj|localized }}`` shows the English one when the active language is
English (falling back to the Chinese one when it is empty) and the Chinese one otherwise;
``{{ obj|localized:"note" }}`` picks ``note_en`` / ``note_zh`` (or ``note`` when there is no ``note_zh``).
"""

from django import template

from heluo.core.i18n import is_chinese

register = template.Library()

# the pairs tried, in order, when no field is named
_PAIRS = (("zh", "en"), ("title_zh", "title_en"), ("label_zh", "label_en"), ("name_zh", "name_en"))
_MISSING = object()


def _get(obj, key):
    if isinstance(obj, dict):
        return obj.get(key, _MISSING)
    return getattr(obj, key, _MISSING)


def localize(obj, field: str = ""):
    """The Chinese or English text of ``obj`` for the active language ('' when it has neither)."""
    if obj is None or obj == "":
        return ""
    if field:
        zh = _get(obj, f"{field}_zh")
        if zh is _MISSING:
            zh = _get(obj, field)
        pairs = [(zh, _get(obj, f"{field}_en"))]
    else:
        pairs = [(_get(obj, z), _get(obj, e)) for z, e in _PAIRS]
    for zh, en in pairs:
        if zh is _MISSING and en is _MISSING:
            continue
        zh = "" if zh in (_MISSING, None) else zh
        en = "" if en in (_MISSING, None) else en
        return zh if is_chinese() else (en or zh)
    return obj if isinstance(obj, str) else ""


@register.filter
def localized(obj, field=""):
    return localize(obj, field)


@register.filter(needs_autoescape=True)
def join_local(value, autoescape=True):
    """Items joined with the language's list separator ("、" in Chinese, ", " in English)."""
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe
    from django.utils.translation import pgettext

    items = [conditional_escape(v) if autoescape else str(v) for v in value]
    return mark_safe(pgettext("list separator", ", ").join(items))
