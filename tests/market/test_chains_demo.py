"""The demo's chains: the nine clusters' chains load with the reference data and are filled by `heluo demo` from its
enterprises, platforms, talents, achievements and technology demands, with some links left as 补链 candidates."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from heluo.market.models import IndustryChain
from heluo.market.selectors import chains as sel

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_the_demo_fills_the_nine_chains():
    call_command("load_reference", city="luoyang", verbosity=0)
    call_command("demo", "--no-serve", "--size", "small", stdout=io.StringIO())
    results = sel.results_for(get_user_model().objects.get(username="staff"))
    assert IndustryChain.objects.count() == len(results) == 9
    for code, result in results.items():
        on_links = sel.distinct_count(result, "enterprise")
        assert on_links > 0, code
        filled = [link for link in result.links.values() if link.counts["enterprise"]]
        assert len(filled) >= len(result.links) // 2, code
    for kind in ("achievement", "demand"):  # the market's published records sit on most chains too
        assert sum(1 for result in results.values() if sel.distinct_count(result, kind)) >= 5, kind
    assert sum(len(r.gaps) for r in results.values()) > 0  # the example thresholds leave gaps to show
