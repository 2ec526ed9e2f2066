"""Industry chains: loading the city's chain files (a reference loader and a set-up step) and the bureau's manual
attachments of enterprises to links.

    heluo/market/data/chains/<city>/rules.json       weights, targets and 补链 thresholds (parameters)
    heluo/market/data/chains/<city>/<cluster>.json   one versioned file per cluster: links, key technologies, rules

The city is the reference data's (`city` in its data file): another city = another folder. Loading is idempotent:
chains and links are upserted on (cluster, code); a link that a new version drops is kept, not current.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from heluo.core.i18n import Bilingual, Refusal
from heluo.core.middleware import acting_as
from heluo.core.permissions import scope_for
from heluo.core.reference import ReferenceDataError, read_city
from heluo.orgs.models import Organization, OrganizationKind
from heluo.taxonomy.models import Cluster
from heluo.taxonomy.reference import read_hitech_fields, read_industries

from ..engine.chains import ChainDataError, parse_chain, parse_rules
from ..models import ChainAttachment, ChainLink, IndustryChain

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "chains"
RULES_FILE = "rules.json"
MAX_FILE_BYTES = 1_000_000


def chain_dir(city: str) -> Path:
    return DATA_DIR / city


def _files(city: str) -> list[Path]:
    folder = chain_dir(city)
    return sorted(p for p in folder.glob("*.json") if p.name != RULES_FILE) if folder.is_dir() else []


def _json(path: Path):
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ReferenceDataError(f"Chain data file too large (over {MAX_FILE_BYTES} bytes): {path}")
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReferenceDataError(f"Chain data file not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(f"Malformed JSON in {path}: {exc}") from None


def digest(rules: Path, path: Path) -> str:
    h = hashlib.sha256(rules.read_bytes())
    h.update(path.read_bytes())
    return h.hexdigest()


def read_chains(city_data: dict) -> dict | None:
    """Read and check every chain file of the city (nothing is written). None: the city has no chain folder."""
    city = city_data.get("city")
    files = _files(city) if isinstance(city, str) and city.isidentifier() else []
    if not files:
        return None
    rules_path = chain_dir(city) / RULES_FILE
    industries = {d["code"] for s in read_industries(None)["sections"] for d in s["divisions"]}
    fields = {c for f in read_hitech_fields(None)["fields"] for c in [f["code"], *(s["code"] for s in f["subfields"])]}
    clusters = {c["code"] for c in [*city_data.get("clusters", []), *city_data.get("future_industries", [])]}
    try:
        rules_data = _json(rules_path)
        parse_rules(rules_data, str(rules_path))
        chains = []
        for path in files:
            spec = parse_chain(_json(path), str(path), clusters=clusters, industries=industries, fields=fields)
            if spec.cluster != path.stem:
                raise ChainDataError(f"{path}: the file of cluster {spec.cluster!r} must be named {spec.cluster}.json")
            chains.append((spec, digest(rules_path, path)))
    except ChainDataError as exc:
        raise ReferenceDataError(str(exc)) from None
    return {"city": city_data["city_area"]["code"], "rules": rules_data, "chains": chains}


def write_chains(payload: dict | None) -> dict[str, int]:
    if payload is None:
        return {}
    links = 0
    for spec, stamp in payload["chains"]:
        cluster = Cluster.objects.get(city__code=payload["city"], code=spec.cluster)
        chain, _ = IndustryChain.objects.update_or_create(
            cluster=cluster,
            defaults={
                "version": spec.version,
                "source": dict(spec.source),
                "example_zh": spec.example["zh"],
                "example_en": spec.example["en"],
                "rules": payload["rules"],
                "source_digest": stamp,
            },
        )
        for sort, link in enumerate(spec.links, 1):
            ChainLink.objects.update_or_create(
                chain=chain,
                code=link.code,
                defaults={
                    "stage": link.stage,
                    "name_zh": link.name_zh,
                    "name_en": link.name_en,
                    "key_technologies": list(link.key_technologies),
                    "industries": list(link.industries),
                    "hitech_fields": list(link.hitech_fields),
                    "keywords": list(link.keywords),
                    "is_current": True,
                    "sort": sort,
                },
            )
            links += 1
        chain.links.exclude(code__in=[link.code for link in spec.links]).update(is_current=False)
    return {"industry chains": len(payload["chains"]), "chain links": links}


def ensure_chains(city: str, verbose: bool = False) -> dict[str, int] | None:
    """Set-up step: load the city's chains when a file is new or changed (a database whose reference data was
    loaded before the chains existed gets them too). Nothing to do before the clusters are loaded."""
    files = _files(city)
    if not files or not Cluster.objects.exists():
        return None
    rules_path = chain_dir(city) / RULES_FILE
    stored = set(IndustryChain.objects.values_list("source_digest", flat=True))
    if rules_path.exists() and all(digest(rules_path, p) in stored for p in files):
        return None
    payload = read_chains(read_city(city))
    with acting_as(None, "load"), transaction.atomic():
        return write_chains(payload)


# --- manual attachments -----------------------------------------------------------------------------------

BUREAU_ONLY = Bilingual("只有科技局工作人员可以调整产业链挂接", "Only bureau staff may change a chain's attachments.")


def _bureau(user):
    if not scope_for(user).is_bureau:
        raise PermissionDenied(BUREAU_ONLY.both)


def attach_enterprise(user, link: ChainLink, *, organization: Organization, note: str) -> ChainAttachment:
    """Put an enterprise on a link by hand (the rules miss it), with the reason. Bureau only; audited."""
    _bureau(user)
    note = (note or "").strip()
    if not note:
        raise Refusal("reason_required", "请填写挂接理由", "Give the reason for the attachment.", 422, "note")
    if len(note) > 300:
        raise Refusal("reason_too_long", "挂接理由不超过300字", "The reason may be at most 300 characters.", 422, "note")
    if organization.kind != OrganizationKind.ENTERPRISE:
        raise Refusal("not_enterprise", "只能挂接企业", "Only enterprises are attached by hand.", 422, "organization")
    if not link.is_current:
        raise Refusal("link_retired", "该环节已不在现行产业链中", "The link is no longer in the current chain.", 409)
    row = ChainAttachment(link=link, organization=organization, note=note, created_by=user if getattr(user, "pk", None) else None)
    row.full_clean(validate_unique=False, validate_constraints=False)  # a duplicate: the 409 below
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise Refusal("already_attached", "该企业已挂接到此环节", "The enterprise is already attached to this link.", 409) from None
    return row


def detach(user, attachment: ChainAttachment) -> None:
    """Take a manual attachment off its link. Bureau only; the change log keeps who attached it, when and why."""
    _bureau(user)
    attachment.delete()
