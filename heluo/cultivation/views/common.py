"""What several cultivation pages share."""

from django.utils import timezone

from heluo.core.audit import log_sensitive_read
from heluo.core.permissions import scope_for


def current_year() -> int:
    return timezone.localdate().year


def log_figures_read(request, org=None, detail: str = ""):
    """A page showing firms' financial figures (or what is derived from them: scores, gaps) to anyone but the firm
    itself is a sensitive read, in the audit log."""
    if org is not None and scope_for(request.user).organization_id == org.pk:
        return
    log_sensitive_read("enterprise_financials", org, detail=detail, user=request.user)
