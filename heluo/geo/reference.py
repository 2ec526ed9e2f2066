"""The city's areas and planning zones from its data file (`HELUO_CITY_DIR/<city>.json`)."""

from heluo.core.reference import date_or_none

from .models import Area, PlanningZone


def read(data: dict) -> dict:
    zone_codes = {z["code"] for z in data["planning_zones"]}
    for a in data["areas"]:
        if a.get("zone") and a["zone"] not in zone_codes:
            raise ValueError(f"area {a['code']}: unknown planning zone {a['zone']!r}")
        if a["kind"] not in Area.Kind.values:
            raise ValueError(f"area {a['code']}: unknown kind {a['kind']!r}")
    return data


def write(data: dict) -> dict[str, int]:
    province = upsert_area(data["province"], kind=Area.Kind.PROVINCE, parent=None, zone=None, sort=0)
    city = upsert_area(data["city_area"], kind=Area.Kind.CITY, parent=province, zone=None, sort=0)

    zones = {}
    for sort, z in enumerate(data["planning_zones"], 1):
        zones[z["code"]], _ = PlanningZone.objects.update_or_create(
            city=city,
            code=z["code"],
            defaults={
                "name_zh": z["name_zh"],
                "name_en": z["name_en"],
                "confidence": z.get("confidence", ""),
                "source": z.get("source", ""),
                "sort": sort,
            },
        )

    for sort, a in enumerate(data["areas"], 1):
        upsert_area(a, kind=a["kind"], parent=city, zone=zones.get(a.get("zone")), sort=sort)
    # Successors point at areas of the same file, so they can only be linked once every area exists.
    for a in data["areas"]:
        successor = Area.objects.get(code=a["successor"]) if a.get("successor") else None
        Area.objects.filter(code=a["code"]).update(successor=successor)
    return {"areas": 2 + len(data["areas"]), "planning zones": len(zones)}


def upsert_area(a, *, kind, parent, zone, sort) -> Area:
    if kind not in Area.Kind.values:
        raise ValueError(f"area {a['code']}: unknown kind {kind!r}")
    area, _ = Area.objects.update_or_create(
        code=a["code"],
        defaults={
            "name_zh": a["name_zh"],
            "name_en": a["name_en"],
            "kind": kind,
            "parent": parent,
            "planning_zone": zone,
            "code_is_official": a.get("code_is_official", True),
            "valid_from": date_or_none(a.get("valid_from")),
            "valid_to": date_or_none(a.get("valid_to")),
            "note": a.get("note", ""),
            "sort": sort,
        },
    )
    return area


def ensure_reference(city: str, verbose: bool) -> dict | None:
    """Set-up step: a database without areas gets the configured city's reference data."""
    if Area.objects.exists():
        return None
    from heluo.core.reference import load_city

    return load_city(city)
