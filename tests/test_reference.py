import pytest

from heluo.core.reference import ReferenceDataError, load_city
from heluo.geo.models import Area, PlanningZone
from heluo.people.models import TalentProgramme
from heluo.taxonomy import reference
from heluo.taxonomy.models import Cluster, HitechField, Industry

pytestmark = pytest.mark.django_db

# luoyang-data.md §3: 7 市辖区 + 7 县 after the 2021 adjustment.
LUOYANG_CURRENT = {
    "410302",
    "410303",
    "410304",
    "410305",
    "410307",
    "410308",
    "410311",
    "410323",
    "410324",
    "410325",
    "410326",
    "410327",
    "410328",
    "410329",
}
MODELS = [Industry, HitechField, Area, PlanningZone, Cluster, TalentProgramme]


@pytest.fixture
def loaded():
    return load_city("luoyang")


def snapshot():
    return {model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in MODELS}


def test_industry_sections_and_divisions(loaded):
    assert Industry.objects.filter(level=Industry.Level.SECTION, parent=None).count() == 20
    assert Industry.objects.filter(level=Industry.Level.DIVISION).count() == 97
    assert not Industry.objects.filter(level=Industry.Level.DIVISION, parent=None).exists()
    for division, section in [
        ("01", "A"),
        ("11", "B"),
        ("13", "C"),
        ("43", "C"),
        ("44", "D"),
        ("86", "R"),
        ("90", "R"),
        ("91", "S"),
        ("97", "T"),
    ]:
        assert Industry.objects.get(code=division).parent.code == section
    # 2017 names, not 2011 ones.
    assert Industry.objects.get(code="11").name_zh == "开采专业及辅助性活动"
    assert Industry.objects.get(code="91").name_zh == "中国共产党机关"
    assert Industry.objects.get(code="97").name_zh == "国际组织"


def test_hitech_fields(loaded):
    assert HitechField.objects.filter(parent=None).count() == 8
    assert HitechField.objects.exclude(parent=None).count() == 52
    sub = HitechField.objects.get(code="8.9")
    assert sub.parent.code == "8" and sub.number == 8
    assert [f.children.count() for f in HitechField.objects.filter(parent=None)] == [8, 7, 2, 6, 8, 4, 8, 9]


def test_luoyang_current_county_level_areas(loaded):
    city = Area.objects.get(code="410300", kind=Area.Kind.CITY)
    assert city.parent.code == "410000"
    county_level = [Area.Kind.DISTRICT, Area.Kind.COUNTY, Area.Kind.COUNTY_CITY]
    current = Area.objects.filter(parent=city, kind__in=county_level, valid_to=None)
    assert set(current.values_list("code", flat=True)) == LUOYANG_CURRENT


def test_retired_codes_have_successors(loaded):
    expected = {"410306": "410308", "410322": "410308", "410381": "410307"}
    for code, successor in expected.items():
        area = Area.objects.get(code=code)
        assert not area.is_current
        assert area.successor.code == successor
        assert "unverified" in area.note


def test_functional_zones_are_not_official_codes(loaded):
    zones = Area.objects.filter(kind=Area.Kind.FUNCTIONAL_ZONE)
    assert set(zones.values_list("code", flat=True)) == {"410371", "410300-YB", "410300-JK"}
    assert not zones.filter(code_is_official=True).exists()
    assert "统计用区划代码" in Area.objects.get(code="410371").note


def test_planning_zones(loaded):
    zones = {z.code: z for z in PlanningZone.objects.filter(city__code="410300")}
    assert set(zones) == {"core", "ring", "southern-eco"}
    southern = zones["southern-eco"]
    assert southern.confidence == "high" and "洛政〔2021〕11号" in southern.source
    assert {a.name_zh for a in southern.areas.all()} == {"栾川县", "嵩县", "汝阳县", "洛宁县"}
    assert set(zones["ring"].areas.values_list("code", flat=True)) == {"410323", "410327", "410329"}
    assert zones["core"].confidence == "medium"


def test_clusters_and_future_industries(loaded):
    clusters = Cluster.objects.filter(city__code="410300")
    assert clusters.filter(kind=Cluster.Kind.CLUSTER).count() == 9
    assert clusters.filter(kind=Cluster.Kind.FUTURE).count() == 4
    assert {"轴承", "耐火材料", "光伏"} <= set(clusters.values_list("name_zh", flat=True))
    assert all(c.focus_zh and "专栏六" in c.source for c in clusters)


def test_talent_programmes(loaded):
    assert TalentProgramme.objects.get(code="heluo-yingcai").name_zh == "河洛英才计划"
    assert TalentProgramme.objects.filter(level="provincial").exists()


def test_loading_twice_changes_nothing(loaded):
    before = snapshot()
    assert load_city("luoyang") == loaded
    assert snapshot() == before


def test_unknown_city_lists_available_files():
    with pytest.raises(ReferenceDataError, match="atlantis.*available: .*luoyang"):
        load_city("atlantis")
    with pytest.raises(ReferenceDataError):
        load_city("../cities/luoyang")


def test_missing_or_malformed_taxonomy_file_is_named(tmp_path, monkeypatch):
    missing = tmp_path / "gbt4754_2017.json"
    monkeypatch.setattr(reference, "INDUSTRY_FILE", missing)
    with pytest.raises(ReferenceDataError, match="not found.*gbt4754_2017.json"):
        load_city("luoyang")
    missing.write_text('{"sections": [', encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="Malformed JSON.*gbt4754_2017.json"):
        load_city("luoyang")
    assert not Area.objects.exists()
