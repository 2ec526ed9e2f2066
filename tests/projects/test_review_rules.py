"""The review rules' data file: the plan's numbers where the plan gives them, every value cited, bad values
refused with a bilingual reason."""

import copy
import json
from fractions import Fraction

import pytest

from heluo.projects.engine import rules

DATA = json.loads(rules.RULES_PATH.read_text(encoding="utf-8"))


def test_the_defaults_from_the_plan():
    r = rules.review_rules()
    assert r.inspections_per_cycle == 1  # 最多查一次
    assert r.inspected_statuses == ("running", "mid_term", "accepting")  # a project under way
    assert (r.quotas["major"].min_share, r.quotas["social_science"].min_share) == (Fraction(1, 5), Fraction(3, 10))
    assert {q.age_limit for q in r.quotas.values()} == {40} and all(q.limit_included for q in r.quotas.values())
    assert r.trim_share < Fraction(1, 2) and r.coauthor_years >= 1 and r.inspectors_per_project >= 1
    assert set(r.integrity_scopes) == {"applications", "expert_duties", "both"}


def test_every_value_is_cited():
    def cited(node):
        return all(node.get(k) not in (None, "") for k in ("document", "article", "is_example"))

    for section, item in [
        ("conflicts", "coauthor_years"),
        *[("review", k) for k in DATA["review"]],
        *[("inspection", k) for k in DATA["inspection"]],
    ]:
        assert cited(DATA[section][item]), (section, item)
    assert cited(DATA["youth_quotas"]["age_limit"]) and all(cited(q) for q in DATA["youth_quotas"]["call_types"].values())
    assert cited(DATA["integrity"])
    assert (
        not DATA["youth_quotas"]["call_types"]["major"]["is_example"]
        and "40岁以下" in DATA["youth_quotas"]["call_types"]["major"]["article"]
    )


@pytest.mark.parametrize(
    "path, value",
    [
        (("review", "trim_share", "value"), "0.5"),
        (("youth_quotas", "call_types", "major", "min_share"), "1.2"),
        (("youth_quotas", "call_types", "major", "enforcement"), "ignore"),
        (("youth_quotas", "age_limit", "value"), 0),
        (("inspection", "per_cycle", "value"), True),
        (("inspection", "statuses", "value"), []),
        (("inspection", "statuses", "value"), "running"),
        (("conflicts", "coauthor_years", "value"), "3"),
    ],
)
def test_bad_values_are_refused(path, value):
    data = copy.deepcopy(DATA)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(rules.RuleError) as caught:
        rules.parse_rules(data)
    assert caught.value.zh and caught.value.en
