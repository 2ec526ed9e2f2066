"""Industry chains (产业链): reading a cluster's chain file and attaching records to its links. Pure Python.

A chain file (one per cluster, `heluo/market/data/chains/<city>/<cluster>.json`) lists the chain's links by stage
(upstream, midstream, downstream), each with its key technologies and its attachment rules: GB/T 4754 divisions,
high-tech (sub-)fields and keywords. The city's `rules.json` sets the weights, targets and gap thresholds.

A record (an enterprise, a platform, a talent, an achievement, a demand: any kind a source supplies) attaches to a
link when

* a keyword of the link occurs in the record's text (names, descriptions, specialties), whatever its cluster; or
* its industry division or high-tech field is one of the link's, and — when the rules say
  `classification_needs_cluster` — it belongs to the link's cluster (a division like 34 通用设备 spans many clusters);
* or the bureau attached it by hand (a manual attachment).

Per link: the attached records of each kind (with why), a strength score and whether the link is a 补链 candidate
(a gap): a kind counted below its `gap_below` threshold, or nothing attached at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

FORMAT = 1
STAGES = ("upstream", "midstream", "downstream")
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
MAX_LIST = 60  # entries of a rule list or of key technologies
MAX_TEXT = 200  # characters of a name, keyword or technology


class ChainDataError(ValueError):
    """A chain or rules file that cannot be used: the message names the file and the entry."""


# --- the data ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindRule:
    weight: float
    target: int  # the count at which a kind counts as fully present in the strength score
    gap_below: int  # fewer than this: the link is a 补链 candidate (0: never)


@dataclass(frozen=True)
class Rules:
    version: str
    kinds: Mapping[str, KindRule]
    classification_needs_cluster: bool = True
    source: Mapping[str, object] = field(default_factory=dict)
    example: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkSpec:
    code: str
    stage: str
    name_zh: str
    name_en: str
    key_technologies: tuple[str, ...]
    industries: tuple[str, ...]
    hitech_fields: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class ChainSpec:
    cluster: str
    version: str
    source: Mapping[str, object]
    example: Mapping[str, str]
    links: tuple[LinkSpec, ...]


@dataclass(frozen=True)
class Record:
    """One thing that may sit on a link. `key` is its id within its kind; `area` its area code; `industries`
    division codes ("34"); `fields` high-tech field codes ("8.4"); `clusters` cluster codes; `text` what keywords
    are looked for in."""

    kind: str
    key: int
    area: str | None = None
    clusters: frozenset[str] = frozenset()
    industries: frozenset[str] = frozenset()
    fields: frozenset[str] = frozenset()
    text: str = ""


def _text(value, where: str, *, required=True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ChainDataError(f"{where}: expected a non-empty text, got {value!r}")
    if len(value) > MAX_TEXT:
        raise ChainDataError(f"{where}: longer than {MAX_TEXT} characters")
    return value.strip()


def _texts(value, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise ChainDataError(f"{where}: expected a list of at most {MAX_LIST} texts, got {value!r}")
    out = tuple(_text(v, f"{where}[{i}]") for i, v in enumerate(value))
    if len(set(out)) != len(out):
        raise ChainDataError(f"{where}: an entry is listed twice")
    return out


def _number(value, where: str, *, integer: bool) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value > 1_000_000:
        raise ChainDataError(f"{where}: expected a number from 0 to 1000000, got {value!r}")
    if integer and value != int(value):
        raise ChainDataError(f"{where}: expected a whole number, got {value!r}")
    return int(value) if integer else float(value)


def _header(data, where: str) -> None:
    if not isinstance(data, dict):
        raise ChainDataError(f"{where}: expected a JSON object")
    if data.get("format") != FORMAT:
        raise ChainDataError(f"{where}: format must be {FORMAT}, got {data.get('format')!r}")
    _text(data.get("version"), f"{where} version")
    source = data.get("source")
    if not isinstance(source, dict) or not source.get("document") or not source.get("section"):
        raise ChainDataError(f"{where}: source must name the document and its section")
    example = data.get("example")
    if not isinstance(example, dict) or not example.get("zh") or not example.get("en"):
        raise ChainDataError(f"{where}: example must label the data in Chinese (zh) and English (en)")


def parse_rules(data, where: str = "rules.json") -> Rules:
    _header(data, where)
    kinds = data.get("kinds")
    if not isinstance(kinds, dict) or not kinds:
        raise ChainDataError(f"{where}: kinds must map each kind of record to its weight, target and gap_below")
    parsed = {}
    for kind, rule in kinds.items():
        at = f"{where} kinds.{kind}"
        if not isinstance(rule, dict) or set(rule) != {"weight", "target", "gap_below"}:
            raise ChainDataError(f"{at}: expected weight, target and gap_below")
        target = _number(rule["target"], f"{at}.target", integer=True)
        if target < 1:
            raise ChainDataError(f"{at}.target: must be at least 1")
        parsed[kind] = KindRule(
            _number(rule["weight"], f"{at}.weight", integer=False), target, _number(rule["gap_below"], f"{at}.gap_below", integer=True)
        )
    needs = data.get("classification_needs_cluster", True)
    if not isinstance(needs, bool):
        raise ChainDataError(f"{where} classification_needs_cluster: expected true or false")
    return Rules(data["version"], parsed, needs, data["source"], data["example"])


def parse_chain(data, where: str, *, clusters: Iterable[str], industries: Iterable[str], fields: Iterable[str]) -> ChainSpec:
    """Check a chain file against the city's clusters and the national industries and high-tech fields."""
    _header(data, where)
    cluster = data.get("cluster")
    if cluster not in set(clusters):
        raise ChainDataError(f"{where}: cluster {cluster!r} is not one of the city's clusters")
    known_industries, known_fields = set(industries), set(fields)
    raw = data.get("links")
    if not isinstance(raw, list) or not raw:
        raise ChainDataError(f"{where}: links must be a non-empty list")
    links, seen = [], set()
    for n, item in enumerate(raw, 1):
        at = f"{where} link {n}"
        if not isinstance(item, dict):
            raise ChainDataError(f"{at}: expected an object")
        code = item.get("code")
        if not isinstance(code, str) or not CODE.match(code):
            raise ChainDataError(f"{at}: code {code!r} must be lower-case letters, digits and hyphens")
        at = f"{where} link {code}"
        if code in seen:
            raise ChainDataError(f"{at}: duplicate code")
        seen.add(code)
        if item.get("stage") not in STAGES:
            raise ChainDataError(f"{at}: stage {item.get('stage')!r} is not one of {', '.join(STAGES)}")
        attach = item.get("attach") or {}
        if not isinstance(attach, dict) or set(attach) - {"industries", "hitech_fields", "keywords"}:
            raise ChainDataError(f"{at}: attach may only hold industries, hitech_fields and keywords")
        codes = _texts(attach.get("industries"), f"{at} industries")
        if unknown := [c for c in codes if c not in known_industries]:
            raise ChainDataError(f"{at}: unknown GB/T 4754 division(s) {', '.join(unknown)}")
        field_codes = _texts(attach.get("hitech_fields"), f"{at} hitech_fields")
        if unknown := [c for c in field_codes if c not in known_fields]:
            raise ChainDataError(f"{at}: unknown high-tech field(s) {', '.join(unknown)}")
        keywords = _texts(attach.get("keywords"), f"{at} keywords")
        if short := [k for k in keywords if len(k) < 2]:
            raise ChainDataError(f"{at}: keywords of one character match too much: {', '.join(short)}")
        links.append(
            LinkSpec(
                code,
                item["stage"],
                _text(item.get("name_zh"), f"{at} name_zh"),
                _text(item.get("name_en"), f"{at} name_en"),
                _texts(item.get("key_technologies"), f"{at} key_technologies"),
                codes,
                field_codes,
                keywords,
            )
        )
    links.sort(key=lambda link: STAGES.index(link.stage))  # stable: the file's order within a stage
    return ChainSpec(cluster, data["version"], data["source"], data["example"], tuple(links))


# --- attaching --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attached:
    key: int
    area: str | None
    why: tuple[str, ...]  # "industry:34", "field:8.4", "keyword:轴承", "manual"


@dataclass
class LinkResult:
    code: str
    stage: str
    records: dict[str, list[Attached]]  # kind → attached records, by key
    counts: dict[str, int]
    score: float
    gap: bool
    gap_reasons: list[tuple[str, int, int]]  # (kind, count, threshold)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class ChainResult:
    cluster: str
    kinds: tuple[str, ...]
    links: dict[str, LinkResult]
    unplaced: dict[str, int]  # records of the cluster's kinds tagged with the cluster but on no link

    @property
    def gaps(self) -> list[str]:
        return [code for code, link in self.links.items() if link.gap]


@dataclass
class _Matcher:
    """The links of a chain indexed by what they match on, so a record is looked at once, not once per link."""

    chain: ChainSpec
    by_industry: dict[str, list[str]] = field(default_factory=dict)
    by_field: dict[str, list[str]] = field(default_factory=dict)
    by_keyword: dict[str, list[str]] = field(default_factory=dict)
    pattern: re.Pattern | None = None

    def __post_init__(self):
        for link in self.chain.links:
            for c in link.industries:
                self.by_industry.setdefault(c, []).append(link.code)
            for c in link.hitech_fields:
                self.by_field.setdefault(c, []).append(link.code)
            for k in link.keywords:
                self.by_keyword.setdefault(k.casefold(), []).append(link.code)
        if self.by_keyword:
            words = sorted(self.by_keyword, key=len, reverse=True)
            self.pattern = re.compile("|".join(re.escape(w) for w in words))

    def match(self, record: Record, needs_cluster: bool) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        text = record.text.casefold() if self.pattern is not None and record.text else ""
        if text and self.pattern.search(text):  # one scan in C; most records hold none of the chain's keywords
            # then every keyword present, overlapping ones included (the alternation finds one of 轴承/精密轴承)
            for word, codes in self.by_keyword.items():
                if word in text:
                    for code in codes:
                        found.setdefault(code, []).append(f"keyword:{word}")
        if not needs_cluster or self.chain.cluster in record.clusters:
            for c in record.industries:
                for code in self.by_industry.get(c, ()):
                    found.setdefault(code, []).append(f"industry:{c}")
            for c in record.fields:
                # a link's field "8" takes its sub-fields "8.4"; a link's "8.4" takes only "8.4"
                for key in {c, c.split(".")[0]}:
                    for code in self.by_field.get(key, ()):
                        found.setdefault(code, []).append(f"field:{c}")
        return found


def attach(
    chain: ChainSpec,
    records: Iterable[Record],
    rules: Rules,
    *,
    kinds: Iterable[str],
    manual: Iterable[tuple[str, str, int]] = (),
    areas: Mapping[tuple[str, int], str | None] | None = None,
) -> ChainResult:
    """Attach records to the chain's links. `kinds`: the kinds supplied (a kind with no source is not counted,
    rather than counted as nothing). `manual`: (link code, kind, key) attached by hand; `areas`: the area of a
    manually attached record that is not among `records`."""
    kinds = tuple(kinds)
    matcher = _Matcher(chain)
    found: dict[str, dict[str, dict[int, Attached]]] = {link.code: {k: {} for k in kinds} for link in chain.links}
    unplaced = dict.fromkeys(kinds, 0)
    where: dict[tuple[str, int], str | None] = dict(areas or {})
    for record in records:
        if record.kind not in unplaced:
            continue
        where[(record.kind, record.key)] = record.area
        hits = matcher.match(record, rules.classification_needs_cluster)
        for code, why in hits.items():
            found[code][record.kind][record.key] = Attached(record.key, record.area, tuple(dict.fromkeys(why)))
        if not hits and chain.cluster in record.clusters:
            unplaced[record.kind] += 1
    for code, kind, key in manual:
        if code not in found or kind not in unplaced:
            continue
        earlier = found[code][kind].get(key)
        why = (earlier.why if earlier else ()) + ("manual",)
        found[code][kind][key] = Attached(key, where.get((kind, key)), why)
    links = {}
    for link in chain.links:
        records_by_kind = {k: sorted(v.values(), key=lambda a: a.key) for k, v in found[link.code].items()}
        counts = {k: len(v) for k, v in records_by_kind.items()}
        score, gap, reasons = assess(counts, rules)
        links[link.code] = LinkResult(link.code, link.stage, records_by_kind, counts, score, gap, reasons)
    return ChainResult(chain.cluster, kinds, links, unplaced)


def assess(counts: Mapping[str, int], rules: Rules) -> tuple[float, bool, list[tuple[str, int, int]]]:
    """Strength 0–100: each counted kind's share of its target (capped at 1), weighted. A gap (补链 candidate):
    a kind below its threshold, or nothing attached at all."""
    weights = total = 0.0
    reasons = []
    for kind, n in counts.items():
        rule = rules.kinds.get(kind)
        if rule is None:
            continue
        weights += rule.weight
        total += rule.weight * min(1.0, n / rule.target)
        if n < rule.gap_below:
            reasons.append((kind, n, rule.gap_below))
    score = round(100 * total / weights, 1) if weights else 0.0
    return score, bool(reasons) or not any(counts.values()), reasons


def count_by_area(link: LinkResult, kind: str) -> dict[str | None, int]:
    out: dict[str | None, int] = {}
    for a in link.records.get(kind, ()):
        out[a.area] = out.get(a.area, 0) + 1
    return out


def within(result: ChainResult, areas: set[str] | None) -> dict[str, dict[str, int]]:
    """Each link's counts by kind, of the records in `areas` only (None: all)."""
    if areas is None:
        return {code: dict(link.counts) for code, link in result.links.items()}
    return {code: {k: sum(1 for a in v if a.area in areas) for k, v in link.records.items()} for code, link in result.links.items()}
