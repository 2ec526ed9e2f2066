from django.core.exceptions import ValidationError

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
