"""Reference data from JSON files: national taxonomies, then one city's file (areas, zones, clusters, talent
programmes …). Each app registers the loader for its part (`registry.add_reference_loader`); this module reads
every file before writing anything and writes all parts in one transaction.

Every row is upserted on its natural key, so loading again changes nothing and never duplicates.
"""

import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import CommandError
from django.db import transaction

from .registry import reference_loaders


class ReferenceDataError(CommandError):
    """A missing or malformed data file. A CommandError, so `heluo load-reference` prints it without a traceback."""


def city_dir() -> Path:
    return Path(settings.HELUO_CITY_DIR)


def available_cities() -> list[str]:
    return sorted(p.stem for p in city_dir().glob("*.json"))


def read_json(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReferenceDataError(f"Reference data file not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(f"Malformed JSON in {path}: {exc}") from None


def city_file(city: str) -> Path:
    # Only names of existing files are accepted, which also keeps "../" out of the path.
    if city not in available_cities():
        raise ReferenceDataError(f"No data file for city {city!r} in {city_dir()}; available: {', '.join(available_cities()) or 'none'}")
    return city_dir() / f"{city}.json"


def read_city(city: str) -> dict:
    return read_json(city_file(city))


def load_city(city: str) -> dict[str, int]:
    return _load(read_city(city), city_file(city), national=True)


def load_city_data(data: dict) -> dict[str, int]:
    """The city's own part only (no national taxonomies), from data already read."""
    return _load(data, "city data", national=False)


def _load(data: dict, where, national: bool) -> dict[str, int]:
    loaders = [r for r in reference_loaders() if national or not r.national]
    payloads = []
    for loader in loaders:  # read and check everything before the database is touched
        try:
            payloads.append(loader.read(data))
        except (KeyError, TypeError, ValueError) as exc:
            raise ReferenceDataError(f"Unexpected content for {loader.name} in {where}: {exc!r}") from None
    counts = {}
    with transaction.atomic():
        for loader, payload in zip(loaders, payloads):
            try:
                counts.update(loader.write(payload))
            except (KeyError, TypeError, ValueError, ObjectDoesNotExist) as exc:
                raise ReferenceDataError(f"Unexpected content for {loader.name} in {where}: {exc!r}") from None
    return counts


def date_or_none(value):
    return dt.date.fromisoformat(value) if value else None
