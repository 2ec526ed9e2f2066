"""The programme types a call can be of (data/programmes.json), their forms (data/forms/) and workflows
(data/workflows/), and the eligibility of an application at submission, each check explained. Pure: a new call type
is a data entry, not code."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from heluo.core.workflow import Workflow
from heluo.core.workflow import load as load_workflow

from . import forms
from .quotas import age_on
from .rules import Quota, review_rules

DATA = Path(__file__).resolve().parent.parent / "data"

# The parties the application workflow names.
APPLICANT, DISTRICT, OFFICER = "applicant", "district", "officer"


@dataclass(frozen=True)
class Programme:
    code: str
    label: tuple[str, str]
    form: str
    workflow: str
    reviewers_per_proposal: int
    lump_sum: bool
    youth_quota: Quota | None  # the review rules' quota of its type (data/review-rules.json)
    young_pi_only: bool


@cache
def config() -> dict:
    return json.loads((DATA / "programmes.json").read_text(encoding="utf-8"))


@cache
def programmes() -> dict[str, Programme]:
    out, quotas = {}, review_rules().quotas
    for p in config()["programmes"]:
        out[p["code"]] = Programme(
            p["code"],
            (p["zh"], p["en"]),
            p["form"],
            p["workflow"],
            int(p["reviewers_per_proposal"]),
            bool(p.get("lump_sum")),
            quotas[p["youth_quota"]] if p.get("youth_quota") else None,
            bool(p.get("young_pi_only", {}).get("value")),
        )
    return out


def programme(code: str) -> Programme | None:
    return programmes().get(code)


@cache
def form(code: str) -> forms.FormSpec:
    return forms.load(DATA / "forms" / f"{Path(code).name}.json")


@cache
def workflow(code: str = "application") -> Workflow:
    return load_workflow(DATA / "workflows" / f"{Path(code).name}.json")


@cache
def visibility(code: str = "application") -> dict:
    return json.loads((DATA / "workflows" / f"{Path(code).name}.json").read_text(encoding="utf-8")).get("visibility", {})


def eligibility_rule(name: str):
    return config()["eligibility"][name]["value"]


# --- eligibility at submission ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    code: str
    ok: bool
    zh: str
    en: str


@dataclass(frozen=True)
class Facts:
    """What the service read about an application at submission."""

    programme: Programme
    applicant_in_registry: bool
    applicant_kind: str
    applicant_debarred: str | None  # the integrity record's explanation, or None
    pi_debarred: str | None
    pi_birth_date: dt.date | None
    pi_running_projects: int
    commitment_signed: bool
    reference_date: dt.date


def eligibility(f: Facts) -> list[Check]:
    """Every check, passed or not, with its reason: the applicant page shows them all, submission needs all passed."""
    checks = []
    kinds = eligibility_rule("applicant_kinds")
    checks.append(
        Check(
            "applicant_registry",
            f.applicant_in_registry and f.applicant_kind in kinds,
            "申报单位须为平台单位名录中的企业、高校、科研院所或服务机构",
            "The applicant must be an enterprise, university, research institute or service agency in the registry.",
        )
    )
    checks.append(
        Check(
            "applicant_integrity",
            f.applicant_debarred is None,
            f"申报单位处于科研诚信限制期内：{f.applicant_debarred}" if f.applicant_debarred else "申报单位无科研诚信限制",
            f"The applicant is debarred: {f.applicant_debarred}" if f.applicant_debarred else "The applicant is not debarred.",
        )
    )
    checks.append(
        Check(
            "pi_integrity",
            f.pi_debarred is None,
            f"项目负责人处于科研诚信限制期内：{f.pi_debarred}" if f.pi_debarred else "项目负责人无科研诚信限制",
            f"The principal investigator is debarred: {f.pi_debarred}" if f.pi_debarred else "The PI is not debarred.",
        )
    )
    most = int(eligibility_rule("max_concurrent_per_pi"))
    checks.append(
        Check(
            "pi_concurrent",
            f.pi_running_projects < most,
            f"项目负责人在研市级项目 {f.pi_running_projects} 项（上限 {most} 项）",
            f"The PI leads {f.pi_running_projects} running municipal projects (at most {most}).",
        )
    )
    if eligibility_rule("require_commitment"):
        checks.append(
            Check(
                "commitment",
                f.commitment_signed,
                "已签署科研诚信承诺" if f.commitment_signed else "须签署科研诚信承诺",
                "The integrity commitment is signed." if f.commitment_signed else "The integrity commitment must be signed.",
            )
        )
    if f.programme.young_pi_only:
        limit, included = youth_age_limit()
        age = age_on(f.pi_birth_date, f.reference_date) if f.pi_birth_date else None
        young = age is not None and (age < limit or included and age == limit)
        bound_zh, bound_en = (f"不超过{limit}周岁", f"at most {limit}") if included else (f"未满{limit}周岁", f"under {limit}")
        checks.append(
            Check(
                "pi_age",
                young,
                f"项目负责人须{bound_zh}（{f.reference_date:%Y-%m-%d}）" + (f"，现为{age}周岁" if age is not None else "，出生日期不明"),
                f"The PI must be {bound_en} on {f.reference_date:%Y-%m-%d}"
                + (f" (is {age})." if age is not None else " (birth date unknown)."),
            )
        )
    return checks


def youth_age_limit() -> tuple[int, bool]:
    """(age, whether the age itself still counts as young): the review rules' one limit."""
    quota = next(iter(review_rules().quotas.values()))
    return quota.age_limit, quota.limit_included
