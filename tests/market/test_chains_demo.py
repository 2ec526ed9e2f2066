"""The demo's chains: the nine clusters' chains load with the reference data and are filled from the demo's
enterprises, platforms and talents, with some links left as 补链 candidates."""

import pytest
from django.core.management import call_command

from heluo.core.models import Role
from heluo.demo import generator
from heluo.market.models import IndustryChain
from heluo.market.selectors import chains as sel
from tests.helpers import make_user

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_the_demo_fills_the_nine_chains():
    call_command("load_reference", city="luoyang", verbosity=0)
    generator.generate("small", generator.DEFAULT_SEED, log=lambda *a: None)
    staff = make_user("chains-staff", Role.BUREAU_STAFF)
    results = sel.results_for(staff)
    assert IndustryChain.objects.count() == len(results) == 9
    for code, result in results.items():
        on_links = sel.distinct_count(result, "enterprise")
        assert on_links > 0, code
        filled = [link for link in result.links.values() if link.counts["enterprise"]]
        assert len(filled) >= len(result.links) // 2, code
    assert sum(len(r.gaps) for r in results.values()) > 0  # the example thresholds leave gaps to show
