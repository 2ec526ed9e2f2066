"""双随机 random inspections (pure): projects and inspectors drawn at random with a recorded seed, so that anyone
re-running the draw on the same inputs gets the same list; no inspector with a conflict, and no project
inspected more than `per_cycle` times in its cycle (最多查一次: per_cycle = 1, from the rules).

The draw, algorithm ``heluo-draw-v1`` (enough to re-implement it in any language):

1. Projects are sorted by id (Unicode code point order). A project with `per_cycle` or more past inspections
   in its current cycle is excluded, with the reason. What is left is the population, in that order.
2. The sample size is the count given, or ⌈share × population⌉, and at most the population.
3. The generator is MT19937 seeded with the seed (a non-negative integer) by ``init_by_array`` on its
   32-bit words, least significant first — Python's ``random.Random(seed)``. ``below(m)`` is a number in
   [0, m): with k = the bit length of m, take k random bits (for k ≤ 32, the top k bits of the next 32-bit
   output: ``getrandbits(k)``) until the value is below m.
4. Projects: a partial Fisher–Yates shuffle of the population — for i = 0 … n − 1, j = i + below(N − i),
   swap items i and j; the first n items, in that order, are the sample.
5. Inspectors, project by project in the sample's order: the candidates are the inspectors (sorted by id)
   without a conflict with the project (its id or its organization among the inspector's conflicts, or the
   inspector's employer is the project's organization) and below `max_load`. Each of the `per_project`
   places takes, among the candidates not yet chosen for this project with the fewest assignments so far,
   the one at position below(count of them). A project with too few candidates gets those there are, and
   says so.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from heluo.projects.engine.rules import RuleError

ALGORITHM = "heluo-draw-v1"


@dataclass(frozen=True)
class Project:
    id: str
    cycle_id: str
    organization_id: str
    inspected_cycles: tuple[str, ...] = ()  # the cycle of each past inspection


@dataclass(frozen=True)
class Inspector:
    id: str
    employer_id: str | None = None
    conflicts: frozenset[str] = frozenset()  # project or organization ids


@dataclass(frozen=True)
class Exclusion:
    project_id: str
    zh: str
    en: str


@dataclass(frozen=True)
class Pick:
    project_id: str
    inspector_ids: tuple[str, ...]
    conflicted: tuple[str, ...]  # inspectors left out for a conflict
    short: bool  # fewer inspectors than asked for
    zh: str
    en: str


@dataclass(frozen=True)
class Draw:
    seed: int
    algorithm: str
    population: tuple[str, ...]
    excluded: tuple[Exclusion, ...]
    picks: tuple[Pick, ...]


def below(rng: random.Random, m: int) -> int:
    k = m.bit_length()
    r = rng.getrandbits(k)
    while r >= m:
        r = rng.getrandbits(k)
    return r


def conflicted(inspector: Inspector, project: Project) -> bool:
    return (
        project.id in inspector.conflicts
        or project.organization_id in inspector.conflicts
        or (inspector.employer_id is not None and inspector.employer_id == project.organization_id)
    )


def draw(
    projects: Iterable[Project],
    inspectors: Iterable[Inspector],
    seed: int,
    *,
    count: int | None = None,
    share: Fraction | str | None = None,
    per_project: int,
    per_cycle: int,
    max_load: int | None = None,
) -> Draw:
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise RuleError("随机种子应为非负整数", "the seed must be a non-negative integer", "seed")
    if (count is None) == (share is None):
        raise RuleError("请给出抽取数量或比例之一", "give either a count or a share", "count")
    if per_project < 1 or per_cycle < 1 or (max_load is not None and max_load < 1) or (count is not None and count < 0):
        raise RuleError("抽取参数应为正整数", "the draw's parameters must be positive integers", "per_project")
    projects = sorted(projects, key=lambda p: p.id)
    inspectors = sorted(inspectors, key=lambda i: i.id)
    for kind, ids in (("project", [p.id for p in projects]), ("inspector", [i.id for i in inspectors])):
        if len(set(ids)) != len(ids):
            raise RuleError(f"{'项目' if kind == 'project' else '检查人员'}编号重复", f"repeated {kind} ids", kind)

    population, excluded = [], []
    for p in projects:
        done = p.inspected_cycles.count(p.cycle_id)
        if done >= per_cycle:
            excluded.append(
                Exclusion(
                    p.id,
                    f"本周期（{p.cycle_id}）已检查{done}次，“最多查一次”",
                    f"Already inspected {done} time(s) in its cycle {p.cycle_id}: at most {per_cycle} per cycle",
                )
            )
        else:
            population.append(p)
    if share is not None:
        share = Fraction(str(share))
        if not 0 <= share <= 1:
            raise RuleError("抽取比例应在0到1之间", "the share must lie between 0 and 1", "share")
        count = math.ceil(share * len(population))
    n = min(count, len(population))

    rng = random.Random(seed)
    order = list(population)
    for i in range(n):
        j = i + below(rng, len(order) - i)
        order[i], order[j] = order[j], order[i]

    load = dict.fromkeys((i.id for i in inspectors), 0)
    picks = []
    for project in order[:n]:
        clash = tuple(i.id for i in inspectors if conflicted(i, project))
        candidates = [i.id for i in inspectors if i.id not in clash and (max_load is None or load[i.id] < max_load)]
        chosen = []
        for _ in range(min(per_project, len(candidates))):
            least = min(load[c] for c in candidates)
            pool = [c for c in candidates if load[c] == least]
            pick = pool[below(rng, len(pool))]
            chosen.append(pick)
            candidates.remove(pick)
            load[pick] += 1
        note = (f"，回避{len(clash)}名有利害关系的检查人员", f"; {len(clash)} inspector(s) left out for a conflict") if clash else ("", "")
        if len(chosen) < per_project:
            zh, en = (
                f"可选检查人员不足：需{per_project}名，仅{len(chosen)}名" + note[0],
                f"Too few inspectors: {per_project} needed, {len(chosen)} available" + note[1],
            )
        else:
            zh, en = f"随机选派{len(chosen)}名检查人员" + note[0], f"{len(chosen)} inspector(s) drawn at random" + note[1]
        picks.append(Pick(project.id, tuple(chosen), clash, len(chosen) < per_project, zh, en))
    return Draw(seed, ALGORITHM, tuple(p.id for p in population), tuple(excluded), tuple(picks))
