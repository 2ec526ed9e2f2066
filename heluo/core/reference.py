"""Reference data from JSON files: the national taxonomies, then one city's areas, zones, clusters and talent programmes.

Every row is upserted on its natural key, so loading again changes nothing and never duplicates.
"""
import datetime as dt
import json
from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import CommandError
from django.db import transaction

from heluo.geo.models import Area, PlanningZone
from heluo.people.models import TalentProgramme
from heluo.taxonomy.models import Cluster, HitechField, Industry

HELUO_DIR = Path(__file__).resolve().parent.parent
INDUSTRY_FILE = HELUO_DIR / "taxonomy" / "data" / "gbt4754_2017.json"
HITECH_FILE = HELUO_DIR / "taxonomy" / "data" / "hitech_fields_2016.json"
CITY_DIR = HELUO_DIR / "geo" / "data" / "cities"


class ReferenceDataError(CommandError):
    """A missing or malformed data file. A CommandError, so `heluo load-reference` prints it without a traceback."""


def available_cities() -> list[str]:
    return sorted(p.stem for p in CITY_DIR.glob("*.json"))


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReferenceDataError(f"Reference data file not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(f"Malformed JSON in {path}: {exc}") from None


def load_city(city: str) -> dict[str, int]:
    # Only names of existing files are accepted, which also keeps "../" out of the path.
    if city not in available_cities():
        raise ReferenceDataError(
            f"No data file for city {city!r} in {CITY_DIR}; available: {', '.join(available_cities()) or 'none'}"
        )
    # Taxonomies first: they are shared by every city and nothing in them depends on the city.
    loaders = [(INDUSTRY_FILE, load_industries), (HITECH_FILE, load_hitech_fields), (CITY_DIR / f"{city}.json", load_city_data)]
    # Read every file before writing anything, so a bad file is reported before the database is touched.
    contents = [read_json(path) for path, _ in loaders]
    counts = {}
    with transaction.atomic():
        for (path, load), data in zip(loaders, contents):
            try:
                counts.update(load(data))
            except (KeyError, TypeError, ValueError, ObjectDoesNotExist) as exc:
                raise ReferenceDataError(f"Unexpected content in {path}: {exc!r}") from None
    return counts


def load_industries(data) -> dict[str, int]:
    standard = data["standard"]
    sections = divisions = 0
    for s in data["sections"]:
        section, _ = Industry.objects.update_or_create(
            code=s["code"],
            defaults={"level": Industry.Level.SECTION, "parent": None, "name_zh": s["name_zh"], "name_en": s["name_en"], "standard": standard},
        )
        sections += 1
        for d in s["divisions"]:
            Industry.objects.update_or_create(
                code=d["code"],
                defaults={"level": Industry.Level.DIVISION, "parent": section, "name_zh": d["name_zh"], "name_en": d["name_en"], "standard": standard},
            )
            divisions += 1
    return {"industry sections": sections, "industry divisions": divisions}


def load_hitech_fields(data) -> dict[str, int]:
    sort = fields = subfields = 0
    for f in data["fields"]:
        sort += 1
        field, _ = HitechField.objects.update_or_create(
            code=f["code"],
            defaults={"number": int(f["code"]), "parent": None, "name_zh": f["name_zh"], "name_en": f["name_en"], "sort": sort},
        )
        fields += 1
        for sub in f["subfields"]:
            sort += 1
            HitechField.objects.update_or_create(
                code=sub["code"],
                defaults={"number": field.number, "parent": field, "name_zh": sub["name_zh"], "name_en": sub["name_en"], "sort": sort},
            )
            subfields += 1
    return {"high-tech fields": fields, "high-tech sub-fields": subfields}


def load_city_data(data) -> dict[str, int]:
    province = upsert_area(data["province"], kind=Area.Kind.PROVINCE, parent=None, zone=None, sort=0)
    city = upsert_area(data["city_area"], kind=Area.Kind.CITY, parent=province, zone=None, sort=0)

    zones = {}
    for sort, z in enumerate(data["planning_zones"], 1):
        zones[z["code"]], _ = PlanningZone.objects.update_or_create(
            city=city,
            code=z["code"],
            defaults={"name_zh": z["name_zh"], "name_en": z["name_en"], "confidence": z.get("confidence", ""), "source": z.get("source", ""), "sort": sort},
        )

    for sort, a in enumerate(data["areas"], 1):
        if a.get("zone") and a["zone"] not in zones:
            raise ValueError(f"area {a['code']}: unknown planning zone {a['zone']!r}")
        upsert_area(a, kind=a["kind"], parent=city, zone=zones.get(a.get("zone")), sort=sort)
    # Successors point at areas of the same file, so they can only be linked once every area exists.
    for a in data["areas"]:
        successor = Area.objects.get(code=a["successor"]) if a.get("successor") else None
        Area.objects.filter(code=a["code"]).update(successor=successor)

    source = data["cluster_source"]
    groups = [(Cluster.Kind.CLUSTER, data["clusters"]), (Cluster.Kind.FUTURE, data["future_industries"])]
    sort = 0
    for kind, items in groups:
        for c in items:
            sort += 1
            Cluster.objects.update_or_create(
                city=city,
                code=c["code"],
                defaults={"kind": kind, "name_zh": c["name_zh"], "name_en": c["name_en"], "focus_zh": c.get("focus_zh", ""), "source": source, "sort": sort},
            )

    for p in data["talent_programmes"]:
        TalentProgramme.objects.update_or_create(
            code=p["code"],
            defaults={"name_zh": p["name_zh"], "name_en": p["name_en"], "level": p.get("level", ""), "issuer": p.get("issuer", "")},
        )

    return {
        "areas": 2 + len(data["areas"]),
        "planning zones": len(zones),
        "clusters": len(data["clusters"]),
        "future industries": len(data["future_industries"]),
        "talent programmes": len(data["talent_programmes"]),
    }


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


def date_or_none(value):
    return dt.date.fromisoformat(value) if value else None


def home_city() -> Area | None:
    """The platform's own city: the city area of the configured reference data (``HELUO_CITY``), unless that
    code is a partner city's (a partner's platform may run on the same data files); otherwise the first city
    area that no partner city uses. Partner cities' areas exist only as authorities of their providers."""
    from django.apps import apps
    from django.conf import settings

    partner_area_ids, partner_codes = set(), set()
    if apps.is_installed("heluo.vouchers"):
        from heluo.vouchers.models import PartnerCity

        for area_id, code in PartnerCity.objects.values_list("area_id", "code"):
            partner_area_ids.add(area_id)
            partner_codes.add(code)
    cities = Area.objects.filter(kind=Area.Kind.CITY).exclude(pk__in=partner_area_ids - {None}).exclude(code__in=partner_codes)
    path = CITY_DIR / f"{getattr(settings, 'HELUO_CITY', '')}.json"
    if path.is_file():
        code = read_json(path).get("city_area", {}).get("code")
        own = cities.filter(code=code).first()
        if own is not None:
            return own
    return cities.order_by("code").first()
