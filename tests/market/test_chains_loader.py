"""Loading the city's chain files with its reference data: the nine example chains, idempotence, clear errors for
bad files, a new version of a file, and the set-up step for databases loaded before the chains existed."""

import json
import shutil

import pytest

from heluo.core.reference import ReferenceDataError, load_city
from heluo.market.models import ChainAttachment, ChainLink, IndustryChain
from heluo.market.services import chains as service
from heluo.orgs.models import Organization


@pytest.fixture
def loaded(db):
    return load_city("luoyang")


@pytest.fixture
def files(tmp_path, monkeypatch):
    """A copy of the city's chain folder that a test may spoil."""
    shutil.copytree(service.DATA_DIR / "luoyang", tmp_path / "luoyang")
    monkeypatch.setattr(service, "DATA_DIR", tmp_path)
    return tmp_path / "luoyang"


def edit(path, change):
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_the_nine_clusters_chains_load_as_labelled_examples(loaded):
    assert loaded["industry chains"] == 9
    chains = IndustryChain.objects.select_related("cluster")
    assert sorted(c.cluster.code for c in chains) == sorted(
        [
            "agricultural-machinery",
            "bearings",
            "robotics",
            "aluminium-titanium",
            "refractories",
            "fine-chemicals",
            "optoelectronic-devices",
            "photovoltaics",
            "energy-saving-environmental",
        ]
    )
    bearings = IndustryChain.objects.get(cluster__code="bearings")
    assert bearings.example_zh.startswith("示例")
    assert bearings.source["section"] == "专栏六 九大产业集群关键核心技术重点攻关方向 · 轴承产业集群"
    assert bearings.rules["kinds"]["enterprise"]["gap_below"] == 3
    link = bearings.links.get(code="large-bearings")
    assert (link.stage, link.name_zh, link.industries) == ("midstream", "风电、盾构与高铁大型轴承", ["34"])
    assert "盾构机主轴承" in link.key_technologies
    assert loaded["chain links"] == ChainLink.objects.count()


def test_loading_again_changes_nothing(loaded):
    before = list(ChainLink.objects.order_by("pk").values())
    assert load_city("luoyang") == loaded
    assert list(ChainLink.objects.order_by("pk").values()) == before


@pytest.mark.parametrize(
    "name, change, message",
    [
        (
            "bearings.json",
            lambda d: d["links"][0]["attach"].update(industries=["99"]),
            r"bearings\.json link bearing-steel: unknown GB/T 4754 division",
        ),
        (
            "bearings.json",
            lambda d: d.update(cluster="robotics"),
            r"bearings\.json: the file of cluster 'robotics' must be named robotics\.json",
        ),
        ("robotics.json", lambda d: d["links"][1].update(stage="sidestream"), r"robotics\.json link sensing-vision: stage 'sidestream'"),
        ("rules.json", lambda d: d["kinds"]["platform"].update(target=0), r"rules\.json kinds\.platform\.target: must be at least 1"),
    ],
)
def test_a_bad_file_stops_the_whole_load_with_its_name_and_reason(db, files, name, change, message):
    edit(files / name, change)
    with pytest.raises(ReferenceDataError, match=message):
        load_city("luoyang")
    assert not IndustryChain.objects.exists()  # read and checked before anything is written


def test_malformed_json_is_named(db, files):
    (files / "photovoltaics.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"Malformed JSON in .*photovoltaics\.json"):
        load_city("luoyang")


def test_a_city_without_chain_files_loads_without_chains(db, files):
    shutil.rmtree(files)
    counts = load_city("luoyang")
    assert "industry chains" not in counts and not IndustryChain.objects.exists()


def test_a_new_version_keeps_a_dropped_link_with_its_manual_attachments(loaded, files):
    link = ChainLink.objects.get(chain__cluster__code="bearings", code="supporting-services")
    org = Organization.objects.create(name="某轴承修复公司", area=link.chain.cluster.city)
    ChainAttachment.objects.create(link=link, organization=org, note="维修服务")
    edit(files / "bearings.json", lambda d: (d.update(version="2027-01-01"), d["links"].pop()))
    load_city("luoyang")
    link.refresh_from_db()
    assert not link.is_current and link.attachments.count() == 1
    assert IndustryChain.objects.get(cluster__code="bearings").version == "2027-01-01"


def test_the_setup_step_loads_chains_into_a_database_loaded_before_them(loaded, files):
    IndustryChain.objects.all().delete()
    assert service.ensure_chains("luoyang")["industry chains"] == 9
    assert service.ensure_chains("luoyang") is None  # unchanged files: nothing to do
    edit(files / "robotics.json", lambda d: d.update(version="2027-02-01"))
    assert service.ensure_chains("luoyang")["industry chains"] == 9
    assert IndustryChain.objects.get(cluster__code="robotics").version == "2027-02-01"
