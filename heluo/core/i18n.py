"""Bilingual reference data: records carry name_zh and name_en; `name` follows the active language."""

from django.utils.translation import get_language


def is_chinese() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


class LocalizedNameMixin:
    @property
    def name(self):
        if is_chinese():
            return self.name_zh
        return self.name_en or self.name_zh
