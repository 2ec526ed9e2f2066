"""The 洛阳 county-level map (heluo/plan/data/maps/luoyang.geojson) and the script that made it. No database."""

import importlib.util
import itertools
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAP_FILE = REPO / "heluo" / "plan" / "data" / "maps" / "luoyang.geojson"
SCRIPT = REPO / "scripts" / "convert_luoyang_map.py"

CURRENT = {
    "410302": "老城区",
    "410303": "西工区",
    "410304": "瀍河回族区",
    "410305": "涧西区",
    "410307": "偃师区",
    "410308": "孟津区",
    "410311": "洛龙区",
    "410323": "新安县",
    "410324": "栾川县",
    "410325": "嵩县",
    "410326": "汝阳县",
    "410327": "宜阳县",
    "410328": "洛宁县",
    "410329": "伊川县",
}
RETIRED = {"410306", "410322", "410381"}
# Luoyang: about 33°35′–35°05′N, 111°08′–112°59′E (the outlines reach 33.5625 at 嵩县's southern tip).
WEST, SOUTH, EAST, NORTH = 111.1, 33.5, 113.0, 35.1


@pytest.fixture(scope="module")
def geojson():
    return json.loads(MAP_FILE.read_text(encoding="utf-8"))


def polygons(geometry):
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def signed_area(ring):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def test_feature_collection_of_the_14_current_divisions(geojson):
    assert geojson["type"] == "FeatureCollection"
    assert len(geojson["features"]) == 14
    found = {f["properties"]["code"]: f["properties"]["name"] for f in geojson["features"]}
    assert found == CURRENT
    assert not RETIRED & set(found)
    for feature in geojson["features"]:
        assert feature["type"] == "Feature"
        code = feature["properties"]["code"]
        assert isinstance(code, str) and len(code) == 6 and code.isdigit()


def test_geometries_are_closed_polygons_inside_luoyang(geojson):
    for feature in geojson["features"]:
        code, geometry = feature["properties"]["code"], feature["geometry"]
        assert geometry["type"] in ("Polygon", "MultiPolygon"), code
        assert polygons(geometry), code
        for polygon in polygons(geometry):
            assert polygon, code
            for i, ring in enumerate(polygon):
                assert len(ring) >= 4, code
                assert ring[0] == ring[-1], f"{code}: ring not closed"
                assert signed_area(ring) != 0, code
                # RFC 7946: exterior rings counterclockwise, holes clockwise.
                assert (signed_area(ring) > 0) == (i == 0), f"{code}: ring {i} wound the wrong way"
                for position in ring:
                    assert len(position) == 2, code
                    lon, lat = position
                    assert WEST <= lon <= EAST and SOUTH <= lat <= NORTH, f"{code}: {position} outside Luoyang"
                    assert round(lon, 5) == lon and round(lat, 5) == lat, code


def test_total_area_is_plausible(geojson):
    # 洛阳 is about 15,230 km²; at ~34.5°N one square degree is about 111.3 km × 91.7 km ≈ 10,200 km².
    # Holes are wound clockwise, so the signed areas of all rings add up to the area.
    total = sum(signed_area(ring) for feature in geojson["features"] for polygon in polygons(feature["geometry"]) for ring in polygon)
    assert 14_000 < total * 10_200 < 16_500


def test_attribution(geojson):
    attribution = geojson["attribution"]
    text = json.dumps(attribution, ensure_ascii=False)
    for needle in (
        "echarts-china-cities-pypkg",
        "0.0.9",
        "MIT",
        "C.W.",
        "scripts/convert_luoyang_map.py",
        "410306",
        "410322",
        "410308",
        "410381",
        "410307",
    ):
        assert needle in text, needle


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("convert_luoyang_map", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def encode_ring(points, scale=1024):
    """ECharts' encoding, written here only to check the script's decoder against it."""
    ints = [(round(x * scale), round(y * scale)) for x, y in points]
    offset = list(ints[0])
    prev_x, prev_y = offset
    chars = []
    for x, y in ints:
        for delta in (x - prev_x, y - prev_y):
            chars.append(chr(((delta << 1) ^ (delta >> 31)) + 64))
        prev_x, prev_y = x, y
    return "".join(chars), offset


def test_decoder_round_trips(script):
    points = [(112.4541015625, 34.619140625), (112.5, 34.619140625), (112.5, 34.65), (112.4541015625, 34.619140625)]
    encoded, offset = encode_ring(points)
    decoded = script.decode_ring(encoded, offset)
    assert decoded == [[round(x * 1024) / 1024, round(y * 1024) / 1024] for x, y in points]


def test_js_literal_parser(script):
    js = 'x(function(){A.registerMap("洛阳",{type:"FeatureCollection",features:[{id:"410302",properties:{name:\'老城区\',cp:[112.5,-3e-1],n:1}}],UTF8Encoding:!0})})'
    name, data = script.read_registered_map(js)
    assert name == "洛阳"
    assert data == {
        "type": "FeatureCollection",
        "features": [{"id": "410302", "properties": {"name": "老城区", "cp": [112.5, -0.3], "n": 1}}],
        "UTF8Encoding": True,
    }
