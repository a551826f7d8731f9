"""Write the sample survey files of the README's "Importing a department's survey" (one per
format), on the bundled Gansu data: `.venv/bin/python docs/samples/import/make_samples.py`.

Positions are vertices of bundled reaches (so the points sit on the rivers), codes are new
ones (SAMPLE-...) except the depot, whose stock the XLSX updates.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from webgis.dataset import gcj02

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "data"


def vertex(code: str, k: int = 1) -> tuple[float, float]:
    """The k-th vertex of a bundled reach."""
    reaches = json.loads((DATA / "rivers" / "reaches.geojson").read_text(encoding="utf-8"))
    [feat] = [f for f in reaches["features"] if f["properties"]["code"] == code]
    coords = feat["geometry"]["coordinates"]
    x, y = coords[min(k, len(coords) - 1)]
    return x, y


def enterprises_csv() -> None:
    """A GB18030 CSV with Chinese columns (profile zh_standard)."""
    rows = [("SAMPLE-ENT-1", "示例化工厂", "化工", "重大", "是", *vertex("HUANGHE-121"),
             "CADMIUM:2; LEAD:5"),
            ("SAMPLE-ENT-2", "示例选矿厂", "有色金属选矿", "较大", "否", *vertex("TAOHE-026"),
             "LEAD:12")]
    head = "企业编码,企业名称,行业,风险等级,预案备案,经度,纬度,风险物质"
    lines = [head] + [",".join(str(v) for v in r) for r in rows]
    (HERE / "enterprises_gb18030.csv").write_bytes(("\r\n".join(lines) + "\r\n")
                                                   .encode("gb18030"))


def sections_gpkg() -> None:
    """A GeoPackage in our own field names (no profile)."""
    pts = [vertex("WEIHE-020"), vertex("DATONGHE-014")]
    gpd.GeoDataFrame({"code": ["SAMPLE-SEC-1", "SAMPLE-SEC-2"],
                      "name_zh": ["示例渭河断面", "示例大通河断面"],
                      "level": ["province", "province"], "target_class": [3, 2]},
                     geometry=[Point(p) for p in pts], crs="EPSG:4326").to_file(
        HERE / "sections.gpkg", driver="GPKG")


def spaces_shp_zip() -> None:
    """A zipped Shapefile in CGCS2000 / 3-degree Gauss-Krüger zone 35 (EPSG:4523), Chinese
    column names of at most 10 bytes (a DBF limit), UTF-8 with its .cpg."""
    tmp = HERE / "_shp"
    tmp.mkdir(exist_ok=True)
    pts = [vertex("GUANCHUANHE-005"), vertex("HUANGHE-161")]
    gpd.GeoDataFrame({"编码": ["SAMPLE-IP-1", "SAMPLE-IP-2"], "名称": ["示例坑塘", "示例拦河闸"],
                      "类型": ["坑塘", "闸"], "库容_m3": [30000.0, 150000.0],
                      "技术": ["intercept;store", "intercept;dose"]},
                     geometry=[Point(p) for p in pts], crs="EPSG:4490").to_crs(4523).to_file(
        tmp / "spaces.shp", driver="ESRI Shapefile", encoding="utf-8")
    with zipfile.ZipFile(HERE / "spaces_shp.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(tmp.iterdir()):
            zf.write(p, p.name)
            p.unlink()
    tmp.rmdir()


def depots_xlsx() -> None:
    """An XLSX updating one depot's stock (the other fields are left as stored)."""
    pd.DataFrame({"编码": ["DEPOT-LZ"], "经度": [103.612], "纬度": [36.097],
                  "物资": ["PAC_CARBON:150; QUICKLIME:100"]}).to_excel(
        HERE / "depots.xlsx", index=False)


def teams_geojson() -> None:
    gpd.GeoDataFrame({"code": ["SAMPLE-TEAM-1"], "name_zh": ["示例应急监测队"],
                      "headcount": [18], "specialities": ["应急监测;采样"]},
                     geometry=[Point(103.834, 36.061)], crs="EPSG:4326").to_file(
        HERE / "teams.geojson", driver="GeoJSON")


def intakes_gcj02() -> None:
    """Intakes digitised on a Chinese web map: true positions on the rivers, shifted to
    GCJ-02 (what such a map shows)."""
    feats = []
    for i, (code, k) in enumerate((("HUANGHE-121", 1), ("TAOHE-026", 2),
                                   ("WEIHE-020", 2), ("DATONGHE-014", 2))):
        lon, lat = gcj02.from_wgs84(*vertex(code, k))
        feats.append({"type": "Feature",
                      "geometry": {"type": "Point", "coordinates": [round(lon, 6),
                                                                    round(lat, 6)]},
                      "properties": {"code": f"SAMPLE-WS-{i + 1}", "name_zh": f"示例水源{i + 1}",
                                     "population_served": 20000, "serves": "county"}})
    (HERE / "intakes_gcj02.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": feats}, ensure_ascii=False, indent=1),
        encoding="utf-8")


if __name__ == "__main__":
    enterprises_csv()
    sections_gpkg()
    spaces_shp_zip()
    depots_xlsx()
    teams_geojson()
    intakes_gcj02()
