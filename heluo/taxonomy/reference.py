"""National taxonomies (GB/T 4754-2017 industries, the 2016 high-tech fields) and the city's clusters."""

from pathlib import Path

from heluo.core.reference import read_json

from .models import Cluster, HitechField, Industry

DATA_DIR = Path(__file__).resolve().parent / "data"
INDUSTRY_FILE = DATA_DIR / "gbt4754_2017.json"
HITECH_FILE = DATA_DIR / "hitech_fields_2016.json"


def read_industries(_city_data) -> dict:
    return read_json(INDUSTRY_FILE)


def write_industries(data) -> dict[str, int]:
    standard = data["standard"]
    sections = divisions = 0
    for s in data["sections"]:
        section, _ = Industry.objects.update_or_create(
            code=s["code"],
            defaults={
                "level": Industry.Level.SECTION,
                "parent": None,
                "name_zh": s["name_zh"],
                "name_en": s["name_en"],
                "standard": standard,
            },
        )
        sections += 1
        for d in s["divisions"]:
            Industry.objects.update_or_create(
                code=d["code"],
                defaults={
                    "level": Industry.Level.DIVISION,
                    "parent": section,
                    "name_zh": d["name_zh"],
                    "name_en": d["name_en"],
                    "standard": standard,
                },
            )
            divisions += 1
    return {"industry sections": sections, "industry divisions": divisions}


def read_hitech_fields(_city_data) -> dict:
    return read_json(HITECH_FILE)


def write_hitech_fields(data) -> dict[str, int]:
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


def read_clusters(data: dict) -> dict:
    return {
        "city": data["city_area"]["code"],
        "source": data["cluster_source"],
        "clusters": data["clusters"],
        "future": data["future_industries"],
    }


def write_clusters(data: dict) -> dict[str, int]:
    from heluo.geo.models import Area

    city = Area.objects.get(code=data["city"])
    sort = 0
    for kind, items in ((Cluster.Kind.CLUSTER, data["clusters"]), (Cluster.Kind.FUTURE, data["future"])):
        for c in items:
            sort += 1
            Cluster.objects.update_or_create(
                city=city,
                code=c["code"],
                defaults={
                    "kind": kind,
                    "name_zh": c["name_zh"],
                    "name_en": c["name_en"],
                    "focus_zh": c.get("focus_zh", ""),
                    "source": data["source"],
                    "sort": sort,
                },
            )
    return {"clusters": len(data["clusters"]), "future industries": len(data["future"])}
