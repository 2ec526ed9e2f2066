"""Pages of industries, high-tech fields and clusters (read-only reference data)."""

from heluo.taxonomy.models import Cluster, HitechField, Industry
from heluo.web.display import Column
from heluo.web.views.reference import reference_type

INDUSTRY_COLUMNS = [
    Column("code", fmt="code", order_by="code"),
    Column("name_zh", fmt="link"),
    Column("name_en"),
    Column("level", order_by="level"),
    Column("parent"),
]

HITECH_FIELD_COLUMNS = [
    Column("code", fmt="code", order_by="sort"),
    Column("name_zh", fmt="link"),
    Column("name_en"),
    Column("parent"),
]

CLUSTER_COLUMNS = [
    Column("code", fmt="code", order_by="sort"),
    Column("name_zh", fmt="link"),
    Column("name_en"),
    Column("kind", order_by="kind"),
    Column("city"),
]

INDUSTRY = reference_type(
    "industry",
    Industry,
    INDUSTRY_COLUMNS,
    ["code", "level", "parent", "name_zh", "name_en", "standard"],
    ("level",),
    ("parent",),
)
HITECH_FIELD = reference_type(
    "hitechfield", HitechField, HITECH_FIELD_COLUMNS, ["code", "number", "parent", "name_zh", "name_en"], (), ("parent",)
)
CLUSTER = reference_type(
    "cluster",
    Cluster,
    CLUSTER_COLUMNS,
    ["code", "kind", "city", "name_zh", "name_en", "focus_zh", "source"],
    ("kind",),
    ("city",),
)
