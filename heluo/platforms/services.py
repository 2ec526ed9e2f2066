from django.db import transaction

from heluo.core.permissions import CHANGE, action_rule, delete_in_scope, save_in_scope, scope_for

from .models import Platform, PlatformHost, PlatformStatusChange


def platform_save(user, platform: Platform, *, hosts=None) -> Platform:
    """hosts: list of (organization, role); replaces the platform's hosts when given."""
    platform.full_clean()
    with transaction.atomic():
        save_in_scope(user, platform)
        if hosts is not None:
            platform.host_links.all().delete()
            PlatformHost.objects.bulk_create([PlatformHost(platform=platform, organization=o, role=r) for o, r in hosts])
    return platform


def platform_record_status(user, platform: Platform, *, status, date, document="", note="") -> PlatformStatusChange:
    """Append to the status history; the platform's current status follows its latest change."""
    with transaction.atomic():
        change = PlatformStatusChange(platform=platform, status=status, date=date, document=document, note=note)
        change.full_clean()
        change.save()
        latest = platform.status_changes.order_by("-date", "-pk").first()
        platform.status, platform.status_since = latest.status, latest.date
        save_in_scope(user, platform)
    return change


def platform_delete(user, platform: Platform):
    delete_in_scope(user, platform)


@action_rule(Platform)
def platform_actions(user, platform, base):
    if CHANGE in base and not scope_for(user).is_public:
        yield "record_status"
