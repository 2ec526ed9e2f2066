from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .codes import check_id_number, check_uscc


def validate_uscc(value):
    result = check_uscc(value)
    if not result.valid:
        raise ValidationError(
            f"统一社会信用代码无效：{result.reason_zh} / Invalid unified social credit code: {result.reason_en}", code="invalid_uscc"
        )


def validate_id_number(value):
    result = check_id_number(value)
    if not result.valid:
        raise ValidationError(f"身份证号码无效：{result.reason_zh} / Invalid ID number: {result.reason_en}", code="invalid_id_number")


class PasswordClassesValidator:
    """等保 2.0 level 3 asks for complex passwords: characters of at least `min_classes` of the four classes
    (lower case, upper case, digits, other symbols)."""

    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    @staticmethod
    def classes(password: str) -> int:
        return sum(
            (
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            )
        )

    def validate(self, password, user=None):
        if self.classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return _("Your password must mix at least %(n)d of: lower-case letters, upper-case letters, digits and other symbols.") % {
            "n": self.min_classes
        }
