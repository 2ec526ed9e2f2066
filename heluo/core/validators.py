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


class PasswordHistoryValidator:
    """A new password must differ from the user's last HELUO_PASSWORD_HISTORY passwords; each password set is
    remembered (its hash only), which also dates it for the expiry rule."""

    def validate(self, password, user=None):
        from django.conf import settings
        from django.contrib.auth.hashers import check_password

        from .models import PasswordRecord

        n = settings.HELUO_PASSWORD_HISTORY
        if not n or user is None or not user.pk:
            return
        for old in PasswordRecord.objects.filter(user=user).values_list("password", flat=True)[:n]:
            if check_password(password, old):
                raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password, user=None):
        from django.conf import settings

        from .audit import log_security_event
        from .models import PasswordRecord, SecurityEvent

        if user is None or not user.pk:
            return
        latest = PasswordRecord.objects.filter(user=user).values_list("password", flat=True).first()
        if latest != user.password:  # not the first password, already recorded when the account was created
            PasswordRecord.objects.create(user=user, password=user.password)
            log_security_event(SecurityEvent.Kind.PASSWORD_CHANGED, user=user)
        keep = PasswordRecord.objects.filter(user=user).values_list("pk", flat=True)[: max(settings.HELUO_PASSWORD_HISTORY, 1)]
        PasswordRecord.objects.filter(user=user).exclude(pk__in=list(keep)).delete()

    def get_help_text(self):
        from django.conf import settings

        return _("Your password must differ from your last %(n)d passwords.") % {"n": settings.HELUO_PASSWORD_HISTORY}
