"""Two languages, one mechanism.

- Reference data carries name_zh and name_en; `LocalizedNameMixin.name` follows the active language.
- A message made at run time (a refusal, a reason, a note) is one `Bilingual` value, never a "中文 / English"
  string to be split again later. What is stored is a code; its label comes from gettext.
- A service refuses with `Refusal`: a stable code, the reason in both languages and the HTTP status that the
  API answers (the web shows the reason in the page's language).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import get_language

SEPARATOR = " / "


def is_chinese() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


class LocalizedNameMixin:
    @property
    def name(self):
        if is_chinese():
            return self.name_zh
        return self.name_en or self.name_zh


@dataclass(frozen=True)
class Bilingual:
    zh: str
    en: str

    def __str__(self) -> str:
        """In the active language (a page, a command run with LANGUAGE)."""
        return self.zh if is_chinese() else (self.en or self.zh)

    @property
    def both(self) -> str:
        """ "中文 / English": where one text must serve both (API bodies, logs, exports for either reader)."""
        return f"{self.zh}{SEPARATOR}{self.en}" if self.en and self.en != self.zh else self.zh

    def as_dict(self) -> dict:
        return {"zh": self.zh, "en": self.en}

    @classmethod
    def from_text(cls, text: str) -> Bilingual:
        """A stored "中文 / English" text (older records) as a value; a text in one language serves both."""
        zh, sep, en = (text or "").partition(SEPARATOR)
        return cls(zh, en) if sep else cls(text or "", text or "")


def in_language(text) -> str:
    """A message in the page's language: a Bilingual, or a stored "中文 / English" text, or plain text."""
    if isinstance(text, Bilingual):
        return str(text)
    return str(Bilingual.from_text(str(text)))


class Refusal(ValidationError):
    """A service's refusal with a stable code and a reason in Chinese and English; `status` is the HTTP answer
    (409: the state of things does not allow it now; 422: the request itself cannot be granted)."""

    def __init__(self, code: str, zh: str, en: str, status: int = 409, field: str | None = None):
        self.reason_code, self.reason, self.status, self.field = code, Bilingual(zh, en), status, field
        super().__init__(self.reason.both, code=code)

    @property
    def zh(self) -> str:
        return self.reason.zh

    @property
    def en(self) -> str:
        return self.reason.en

    @property
    def text(self) -> str:
        return self.reason.both

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.text, "code": self.reason_code, "zh": self.zh, "en": self.en}
