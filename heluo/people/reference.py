"""The talent programmes named in the city's data file (e.g. 河洛英才计划)."""

from .models import TalentProgramme


def read(data: dict) -> list[dict]:
    return data["talent_programmes"]


def write(programmes: list[dict]) -> dict[str, int]:
    for p in programmes:
        TalentProgramme.objects.update_or_create(
            code=p["code"],
            defaults={"name_zh": p["name_zh"], "name_en": p["name_en"], "level": p.get("level", ""), "issuer": p.get("issuer", "")},
        )
    return {"talent programmes": len(programmes)}
