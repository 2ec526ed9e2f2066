"""Resolving what people type for an industry, a high-tech field or a cluster (code or name, zh or en)."""

from heluo.core.lookups import ReferenceLookup

from .models import Cluster, HitechField, Industry


def industry_lookup() -> ReferenceLookup:
    lookup = ReferenceLookup(Industry.objects.all(), "行业", "industry")
    for row in Industry.objects.filter(level="division").values("pk", "code", "parent__code"):
        lookup.by_key.setdefault(f"{row['parent__code']}{row['code']}".lower(), row["pk"])  # "C34" = "34"
    return lookup


def hitech_lookup() -> ReferenceLookup:
    return ReferenceLookup(HitechField.objects.all(), "高新技术领域", "high-tech field")


def cluster_lookup() -> ReferenceLookup:
    return ReferenceLookup(Cluster.objects.all(), "产业集群", "cluster")
