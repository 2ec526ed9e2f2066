"""上市后备库: a reserve enterprise's stage (培育/改制/辅导/报审/上市), each change audited with who and when."""

from heluo.core.i18n import Refusal
from heluo.core.permissions import save_in_scope
from heluo.orgs.models import ListingStage


def set_listing_stage(user, qualification, *, stage: str, note: str = ""):
    """Scope-checked (PermissionDenied outside the user's areas); an empty note keeps the one there is."""
    if stage not in ListingStage.values:
        raise Refusal("unknown_stage", f"未知的上市阶段“{stage}”", f"Unknown listing stage '{stage}'.", 422, "stage")
    qualification.stage = stage
    if note:
        qualification.note = note[:300]
    return save_in_scope(user, qualification)
