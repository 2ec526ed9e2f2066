"""What several cultivation pages share."""

from django.utils import timezone


def current_year() -> int:
    return timezone.localdate().year
