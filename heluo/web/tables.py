"""The columns of each list page."""

from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from .display import DASH, Column, badge, money_label


def qualification_validity(q, day=None):
    """(value, label) of a qualification's state today: valid, expired, revoked, not yet valid."""
    day = day or timezone.localdate()
    if q.revoked_on and q.revoked_on <= day:
        return "revoked", _("Revoked")
    if q.valid_from > day:
        return "future", _("Not yet valid")
    if q.valid_to and q.valid_to < day:
        return "expired", _("Expired")
    return "valid", _("Valid")


def validity_badge(q):
    return badge(*qualification_validity(q))


def person_roles(p):
    roles = [
        (key, label)
        for key, label in (("talent", _("Talent")), ("expert", _("Expert")), ("mentor", _("Mentor")))
        if getattr(p, f"is_{key}", False)
    ]
    return format_html_join(" ", "{}", ((badge(k, label),) for k, label in roles)) if roles else DASH


ORGANIZATION = [
    Column("name", fmt="link", order_by="name"),
    Column("uscc", fmt="code", order_by="uscc"),
    Column("kind", order_by="kind"),
    Column("area", order_by="area__code"),
    Column("industry", order_by="industry__code"),
    Column("founded_on", order_by="founded_on"),
]

QUALIFICATION = [
    Column("organization", order_by="organization__name"),
    Column("kind", fmt="link", order_by="kind"),
    Column("certificate_no", order_by="certificate_no"),
    Column("year", order_by="year"),
    Column("valid_from", order_by="valid_from"),
    Column("valid_to", order_by="valid_to"),
    Column("validity", label=_("Validity"), render=validity_badge),
    Column("issuer"),
]

ANNUAL = [
    Column("organization", order_by="organization__name"),
    Column("year", fmt="link", order_by="year"),
    Column("sales_revenue", label=money_label(_("Sales revenue")), order_by="sales_revenue", css="text-end"),
    Column("rd_expense", label=money_label(_("R&D expense")), order_by="rd_expense", css="text-end"),
    Column("rd_intensity", label=_("R&D intensity"), fmt="percent", css="text-end"),
    Column("total_staff", order_by="total_staff", css="text-end"),
    Column("st_staff", order_by="st_staff", css="text-end"),
    Column("status", fmt="badge", order_by="status"),
]

PLATFORM = [
    Column("name", fmt="link", order_by="name"),
    Column("kind", order_by="kind"),
    Column("level", order_by="level"),
    Column("area", order_by="area__code"),
    Column("cluster", order_by="cluster__sort"),
    Column("status", fmt="badge", order_by="status"),
    Column("status_since", order_by="status_since"),
]

PERSON = [
    Column("name", fmt="link", order_by="name"),
    Column("masked_id_number", label=_("ID number"), fmt="code"),
    Column("gender", order_by="gender"),
    Column("employer", order_by="employer__name"),
    Column("title", order_by="title"),
    Column("roles", label=_("Roles"), render=person_roles),
]

AREA = [
    Column("code", fmt="code", order_by="code"),
    Column("name_zh", fmt="link", order_by="name_zh"),
    Column("name_en"),
    Column("kind", order_by="kind"),
    Column("parent"),
    Column("planning_zone"),
    Column("valid_to", order_by="valid_to"),
]

INDUSTRY = [
    Column("code", fmt="code", order_by="code"),
    Column("name_zh", fmt="link"),
    Column("name_en"),
    Column("level", order_by="level"),
    Column("parent"),
]

HITECH_FIELD = [
    Column("code", fmt="code", order_by="sort"),
    Column("name_zh", fmt="link"),
    Column("name_en"),
    Column("parent"),
]

CLUSTER = [
    Column("code", fmt="code", order_by="sort"),
    Column("name_zh", fmt="link"),
    Column("name_en"),
    Column("kind", order_by="kind"),
    Column("city"),
]
