"""Pages of areas (read-only reference data)."""

from heluo.geo.models import Area
from heluo.web.display import Column
from heluo.web.views.reference import reference_type

AREA_COLUMNS = [
    Column("code", fmt="code", order_by="code"),
    Column("name_zh", fmt="link", order_by="name_zh"),
    Column("name_en"),
    Column("kind", order_by="kind"),
    Column("parent"),
    Column("planning_zone"),
    Column("valid_to", order_by="valid_to"),
]

AREA = reference_type(
    "area",
    Area,
    AREA_COLUMNS,
    ["code", "code_is_official", "name_zh", "name_en", "kind", "parent", "planning_zone", "valid_from", "valid_to", "successor", "note"],
    ("kind",),
    ("parent", "planning_zone"),
    icon="geo-alt",
)
