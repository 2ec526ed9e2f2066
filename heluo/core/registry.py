"""Extension points. `core` knows no domain: each app adds its own entries from its `AppConfig.ready()`
(set-up steps, reference-data loaders, navigation, periodic jobs, a server process's warm-ups), and the frameworks read them from here.

Import kinds register with `heluo.core.imports.register` in each app's `imports` module, and API routers
are each app's `api.router`; both are found by module name (see `app_modules`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import apps
from django.utils.module_loading import module_has_submodule


@dataclass(frozen=True)
class SetupStep:
    """Something a fresh or upgraded database needs after its schema: reference data, a plan, example policies.
    `run(city, verbose)` is idempotent and answers counts of what it added or changed (or None)."""

    name: str
    run: Callable[[str, bool], dict | None]
    order: int = 100


@dataclass(frozen=True)
class ReferenceLoader:
    """Part of a city's reference data. `read(city_data)` reads and checks (files included) without writing;
    `write(payload)` upserts on natural keys and answers counts. `national` loaders ignore the city file."""

    name: str
    read: Callable[[dict], Any]
    write: Callable[[Any], dict[str, int]]
    order: int = 100
    national: bool = False


@dataclass(frozen=True)
class NavEntry:
    """A top-level navigation entry. `roles` None: everyone (also the public). `matches`: URL names, as
    "namespace:" for a whole app or "namespace:prefix" for names beginning so, that mark the entry active.
    `menu` "reference" puts the entry under the reference-data dropdown."""

    key: str
    url_name: str
    label: Any
    icon: str = ""
    roles: tuple[str, ...] | None = None
    matches: tuple[str, ...] = ()
    order: int = 100
    menu: str = "main"


@dataclass(frozen=True)
class HomeStat:
    """A figure on the home page: `count(user)` within the user's scope, linking to `url_name` + `query(user)`.
    `public`: shown to anonymous visitors too. `task`: a to-do for the user (None from `count` hides it)."""

    key: str
    url_name: str
    label: Any
    count: Callable[[Any], int | None]
    icon: str = ""
    query: Callable[[Any], str] | None = None
    public: bool = True
    task: bool = False
    order: int = 100


@dataclass(frozen=True)
class PeriodicJob:
    """A job the platform runs on a schedule (the daily voucher expiry, a pool refresh …). `run()` does it as the
    system and answers a JSON-able dict of what it did; `{"ok": False, …}` marks the run as failed. The job runner
    (`heluo.core.jobs`) enqueues it for `heluo worker`: `heluo jobs daily` from cron, or a bureau administrator's
    "run now"."""

    name: str
    label: Any
    run: Callable[[], dict]
    schedule: str = "daily"
    order: int = 100


@dataclass(frozen=True)
class Warmup:
    """Work a web server process does once, in a background thread, as soon as it starts (an in-memory index built
    before the first user asks for it). `run()` must be safe to race with requests: it does what a first request
    would do."""

    name: str
    run: Callable[[], Any]
    order: int = 100


_setup_steps: dict[str, SetupStep] = {}
_warmups: dict[str, Warmup] = {}
_periodic_jobs: dict[str, PeriodicJob] = {}
_home_stats: dict[str, HomeStat] = {}
_reference_loaders: dict[str, ReferenceLoader] = {}
_nav_entries: dict[tuple[str, str], NavEntry] = {}


def add_setup_step(step: SetupStep) -> None:
    _setup_steps[step.name] = step  # keyed, so a second ready() call replaces rather than repeats


def setup_steps() -> list[SetupStep]:
    return sorted(_setup_steps.values(), key=lambda s: (s.order, s.name))


def add_warmup(warmup: Warmup) -> None:
    _warmups[warmup.name] = warmup


def warmups() -> list[Warmup]:
    return sorted(_warmups.values(), key=lambda w: (w.order, w.name))


def add_reference_loader(loader: ReferenceLoader) -> None:
    _reference_loaders[loader.name] = loader


def reference_loaders() -> list[ReferenceLoader]:
    return sorted(_reference_loaders.values(), key=lambda r: (r.order, r.name))


def add_nav(*entries: NavEntry) -> None:
    for entry in entries:
        _nav_entries[(entry.key, entry.url_name)] = entry


def nav_entries(menu: str = "main") -> list[NavEntry]:
    return sorted((e for e in _nav_entries.values() if e.menu == menu), key=lambda e: (e.order, e.key))


def add_home_stat(*stats: HomeStat) -> None:
    for stat in stats:
        _home_stats[stat.key] = stat


def home_stats() -> list[HomeStat]:
    return sorted(_home_stats.values(), key=lambda s: (s.order, s.key))


def add_periodic_job(*jobs: PeriodicJob) -> None:
    for job in jobs:
        _periodic_jobs[job.name] = job


def periodic_jobs(schedule: str | None = None) -> list[PeriodicJob]:
    return sorted((j for j in _periodic_jobs.values() if schedule in (None, j.schedule)), key=lambda j: (j.order, j.name))


def app_modules(name: str) -> Iterator[Any]:
    """Each installed heluo app's submodule `name` (e.g. "api", "imports"), in INSTALLED_APPS order."""
    for config in apps.get_app_configs():
        if config.name.startswith("heluo.") and module_has_submodule(config.module, name):
            yield import_module(f"{config.name}.{name}")
