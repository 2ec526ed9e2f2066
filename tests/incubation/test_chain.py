"""The chain's services: carriers by stage as data, admission by the host, graduation checked and explained, moving
on along the chain, exit with a reason, each step an event; and who sees which incubation."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from heluo.core.i18n import Refusal
from heluo.incubation.models import Incubation, IncubationEvent, IncubationStatus
from heluo.incubation.selectors import chain as selectors
from heluo.incubation.services import incubations as services
from heluo.orgs.models import Qualification

pytestmark = pytest.mark.django_db


def test_a_platform_serves_only_at_a_stage_its_kind_may_serve(inc_world):
    w = inc_world.w
    with pytest.raises(Refusal) as e:
        services.register_carrier(w.users.admin, w.plat_a, "incubator")  # a key lab
    assert e.value.reason_code == "kind_not_at_stage"
    with pytest.raises(PermissionDenied):
        services.register_carrier(w.users.district_a, w.plat_b, "accelerator")  # B's platform, A's staff


def test_the_host_admits_another_organization_may_not(inc_world):
    iw = inc_world
    with pytest.raises(PermissionDenied):
        services.admit(iw.users.host_b, iw.maker, iw.firm, dt.date(2022, 3, 1))
    inc = services.admit(iw.users.host_a, iw.maker, iw.firm, dt.date(2022, 3, 1))
    assert inc.status == IncubationStatus.INCUBATING
    with pytest.raises(Refusal) as e:
        services.admit(iw.users.host_b, iw.incubator, iw.firm, dt.date(2022, 4, 1))
    assert e.value.reason_code == "already_incubating"
    assert IncubationEvent.objects.filter(incubation=inc, action="admit").count() == 1


def test_graduation_is_refused_with_the_criteria_explained_then_granted(inc_world):
    iw = inc_world
    inc = services.admit(iw.users.host_a, iw.maker, iw.firm, dt.date(2022, 3, 1))
    with pytest.raises(Refusal) as e:
        services.graduate(iw.users.host_a, inc, dt.date(2022, 6, 1))
    assert e.value.reason_code == "criteria_not_met" and "入库科技型中小企业" in e.value.zh and "tech SME" in e.value.en
    # the 2023 revenue (¥800,000) is under the example threshold; a tech SME registration meets one criterion
    Qualification.objects.create(
        organization=iw.firm, kind="tech_sme", year=2023, valid_from=dt.date(2023, 1, 1), valid_to=dt.date(2099, 12, 31)
    )
    with pytest.raises(PermissionDenied):  # the maker space's host does not admit to another's incubator
        services.graduate(iw.users.host_a, inc, dt.date(2023, 6, 1), next_carrier=iw.incubator)
    done = services.graduate(iw.users.host_a, inc, dt.date(2023, 6, 1))
    assert done.status == IncubationStatus.GRADUATED and done.graduation["met"]
    nxt = services.admit(iw.users.host_b, iw.incubator, iw.firm, dt.date(2023, 7, 1), moves_on=True)
    assert Incubation.objects.get(pk=done.pk).status == IncubationStatus.MOVED_ON
    assert nxt.firm == iw.firm and nxt.previous_id == done.pk
    out = selectors.carrier_outcome(iw.maker)
    assert out.graduated == 1 and out.qualifications["tech_sme"] == 1 and out.revenue is None  # one firm: not disclosed


def test_moving_back_along_the_chain_is_refused(inc_world):
    iw = inc_world
    Qualification.objects.create(organization=iw.firm, kind="hte", valid_from=dt.date(2023, 1, 1))
    inc = services.admit(iw.w.users.admin, iw.incubator, iw.firm, dt.date(2022, 3, 1))
    with pytest.raises(Refusal) as e:
        services.graduate(iw.w.users.admin, inc, dt.date(2023, 6, 1), next_carrier=iw.maker)
    assert e.value.reason_code == "not_onward"
    assert Incubation.objects.get(pk=inc.pk).status == IncubationStatus.INCUBATING
    services.graduate(iw.w.users.admin, inc, dt.date(2023, 6, 1))
    with pytest.raises(Refusal) as e:
        services.admit(iw.users.host_a, iw.maker, iw.firm, dt.date(2023, 7, 1), moves_on=True)
    assert e.value.reason_code == "not_onward"


def test_an_exit_needs_a_reason(inc_world):
    iw = inc_world
    inc = services.admit(iw.users.host_a, iw.maker, iw.firm, dt.date(2022, 3, 1))
    with pytest.raises(Refusal) as e:
        services.leave(iw.users.host_a, inc, dt.date(2022, 9, 1), "")
    assert e.value.reason_code == "reason_required"
    services.leave(iw.users.host_a, inc, dt.date(2022, 9, 1), "迁出本市")
    assert Incubation.objects.get(pk=inc.pk).status == IncubationStatus.LEFT


def test_who_sees_an_incubation(inc_world):
    iw = inc_world
    inc = services.admit(iw.users.host_a, iw.maker, iw.firm, dt.date(2022, 3, 1))
    seen = {name: selectors.incubation_list(getattr(iw.users, name)).filter(pk=inc.pk).exists() for name in vars(iw.users)}
    assert seen == {"mentor": False, "other_mentor": False, "firm": True, "host_a": True, "host_b": False, "district_b": False}
    assert selectors.incubation_list(iw.w.users.district_a).filter(pk=inc.pk).exists()
    assert not selectors.incubation_list(None).exists()
