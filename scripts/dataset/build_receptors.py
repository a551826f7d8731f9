#!/usr/bin/env python3
"""Build the receptor layers from the hand-authored rows in data/src/receptors/.

    .venv/bin/python scripts/dataset/build_receptors.py [--data DIR]

Reads  data/src/receptors/{water_sources,sections,interception_points}.yaml,
       data/rivers/rivers.yaml, data/rivers/reaches.geojson
Writes data/receptors/{water_sources,sections,interception_points}.geojson

Every receptor is linearly referenced with scripts/dataset/common.py ``locate()`` (or placed along
the network relative to another receptor / a reservoir end / a provincial boundary), so it carries
``reach`` + ``measure``. The written point is the authored (estimated) position when that lies
within 500 m of the located on-river position; otherwise the on-river position is written and the
``source`` says so. Output is deterministic (same inputs -> byte-identical files).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml
from pyproj import Geod

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

GEOD = Geod(ellps="WGS84")

MAX_OFFSET_M = 450.0   # 500 m rule, with margin for the 4-decimal measure of locate()
GANSU = "620000"
PROVINCES = {
    "甘肃": "620000", "青海": "630000", "宁夏": "640000", "陕西": "610000",
    "四川": "510000", "内蒙古": "150000", "新疆": "650000",
}
ADCODE_NAME = {v: k for k, v in PROVINCES.items()}


def round5(x: float) -> float:
    return round(float(x) + 0.0, 5)


class Network:
    """The routable network read from data/rivers (pure file reads) plus common.locate()."""

    def __init__(self, data: Path):
        import common  # scripts/dataset/common.py (network engineer)

        self.common = common
        with (data / "rivers" / "rivers.yaml").open(encoding="utf-8") as f:
            self.rivers = {r["code"]: r for r in yaml.safe_load(f)}
        gj = json.loads((data / "rivers" / "reaches.geojson").read_text(encoding="utf-8"))
        self.reaches: dict[str, dict] = {}
        self.coords: dict[str, list] = {}
        self.cum: dict[str, list] = {}
        for feat in gj["features"]:
            p = dict(feat["properties"])
            c = p["code"]
            xy = feat["geometry"]["coordinates"]
            self.reaches[c] = p
            self.coords[c] = xy
            cum = [0.0]
            for (x0, y0), (x1, y1) in zip(xy[:-1], xy[1:], strict=True):
                cum.append(cum[-1] + GEOD.inv(x0, y0, x1, y1)[2])
            self.cum[c] = cum
            # distances along the network (km placements) are hydraulic: the published
            # distances of the real river, which the drawn line is shorter than
            p["length_m"] = p.get("length_m") or cum[-1]
        self.upstream: dict[str, list] = {}
        for c, p in self.reaches.items():
            d = p.get("downstream_code")
            if d:
                self.upstream.setdefault(d, []).append(c)
        self.data = data

    # geometry ---------------------------------------------------------------
    @staticmethod
    def dist_m(x0, y0, x1, y1) -> float:
        return GEOD.inv(x0, y0, x1, y1)[2]

    def point_at(self, reach: str, measure: float) -> tuple[float, float]:
        xy, cum = self.coords[reach], self.cum[reach]
        target = max(0.0, min(1.0, measure)) * cum[-1]
        for i in range(1, len(cum)):
            if cum[i] >= target or i == len(cum) - 1:
                seg = cum[i] - cum[i - 1]
                t = 0.0 if seg <= 0 else (target - cum[i - 1]) / seg
                t = max(0.0, min(1.0, t))
                x0, y0 = xy[i - 1]
                x1, y1 = xy[i]
                return x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        return tuple(xy[-1])

    def locate(self, lon, lat, river):
        return self.common.locate(lon, lat, river, self.data)

    # topology ---------------------------------------------------------------
    def upstream_of_reach(self, reach: str, prefer_river: str | None = None) -> str | None:
        ups = self.upstream.get(reach, [])
        if not ups:
            return None
        own = self.reaches[reach]["river_code"]
        for want in (prefer_river, own):
            same = [u for u in ups if self.reaches[u]["river_code"] == want]
            if same:
                return sorted(same)[0]
        return max(ups, key=lambda u: (self.reaches[u]["discharge_m3s"], u))

    def move(self, reach: str, measure: float, metres: float, prefer_river=None):
        """Move along the network; metres > 0 downstream, < 0 upstream."""
        length = self.reaches[reach]["length_m"]
        pos = measure * length + metres
        while pos < 0:
            up = self.upstream_of_reach(reach, prefer_river)
            if up is None:
                return reach, 0.0
            reach = up
            pos += self.reaches[reach]["length_m"]
        while pos > self.reaches[reach]["length_m"]:
            nxt = self.reaches[reach].get("downstream_code")
            if not nxt:
                return reach, 1.0
            pos -= self.reaches[reach]["length_m"]
            reach = nxt
        length = self.reaches[reach]["length_m"]
        return reach, (pos / length if length else 0.0)

    def river_chain(self, river: str) -> list[str]:
        """Reaches of one river from upstream to downstream (its main chain)."""
        own = [c for c, p in self.reaches.items() if p["river_code"] == river]
        heads = [c for c in own
                 if not any(self.reaches[u]["river_code"] == river
                            for u in self.upstream.get(c, []))]
        best: list[str] = []
        for h in sorted(heads):
            chain, c, seen = [], h, set()
            while c and c not in seen and self.reaches[c]["river_code"] == river:
                seen.add(c)
                chain.append(c)
                c = self.reaches[c].get("downstream_code")
            if len(chain) > len(best):
                best = chain
        return best

    def downstream_path(self, reach: str) -> list[str]:
        out, seen = [], set()
        while reach and reach not in seen:
            seen.add(reach)
            out.append(reach)
            reach = self.reaches[reach].get("downstream_code")
        return out

    # A border river (the Maqu loop, the Wei near Dongcha) crosses the coarse province polygons
    # back and forth; an excursion out of Gansu shorter than this is not a provincial exit.
    FLICKER_M = 30000.0

    def _outside_run_down(self, reach: str) -> tuple[float, bool]:
        """Length outside Gansu from `reach` downstream, and whether the path ends outside."""
        total, seen = 0.0, set()
        while reach and reach not in seen:
            seen.add(reach)
            if self.reaches[reach]["province"] == GANSU:
                return total, False
            total += self.reaches[reach]["length_m"]
            if total >= self.FLICKER_M:
                return total, True
            reach = self.reaches[reach].get("downstream_code")
        return total, True

    def _outside_run_up(self, reach: str) -> tuple[float, bool]:
        total, seen = 0.0, set()
        while reach and reach not in seen:
            seen.add(reach)
            if self.reaches[reach]["province"] == GANSU:
                return total, False
            total += self.reaches[reach]["length_m"]
            if total >= self.FLICKER_M:
                return total, True
            reach = self.upstream_of_reach(reach)
        return total, True

    def is_exit(self, reach: str) -> bool:
        """Gansu reach whose downstream leaves the province for real (not a border flicker)."""
        p = self.reaches[reach]
        d = p.get("downstream_code")
        if p["province"] != GANSU or not d or self.reaches[d]["province"] == GANSU:
            return False
        return self._outside_run_down(d)[1]

    def all_exits(self) -> list[str]:
        return sorted(c for c in self.reaches if self.is_exit(c))

    def exits(self, river: str, to: str) -> list[str]:
        chain = self.river_chain(river)
        return [c for c in chain if self.is_exit(c)
                and self.reaches[self.reaches[c]["downstream_code"]]["province"] == to]

    def entries(self, river: str, frm: str) -> list[str]:
        chain = self.river_chain(river)
        res = []
        for i, c in enumerate(chain):
            if self.reaches[c]["province"] != GANSU or not i:
                continue
            prev = chain[i - 1]
            if self.reaches[prev]["province"] == frm and self._outside_run_up(prev)[1]:
                res.append(c)
        return res

    def reservoir_end(self, river: str, name: str):
        hits = [c for c, p in self.reaches.items()
                if p["river_code"] == river and p.get("is_reservoir")
                and name in (p.get("reservoir_name_zh") or "")]
        for c in hits:
            d = self.reaches[c].get("downstream_code")
            if d not in hits:
                return c, 1.0
        return None

    @staticmethod
    def province_en(adcode: str) -> str:
        return {"630000": "Qinghai", "640000": "Ningxia", "610000": "Shaanxi",
                "510000": "Sichuan", "150000": "Inner Mongolia", "650000": "Xinjiang"}.get(
                    adcode, adcode)


def load_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f) or []


class Builder:
    def __init__(self, data: Path):
        self.data = data
        self.net = Network(data)
        self.placed: dict[str, tuple[str, float]] = {}   # code -> (reach, measure)
        self.warnings: list[str] = []

    # ---------------------------------------------------------------- placement
    def place(self, row: dict) -> tuple[str, float, float, float, str]:
        """Return (reach, measure, lon, lat, source_suffix)."""
        river = row["river"]
        if river not in self.net.rivers:
            raise SystemExit(f"{row['code']}: river {river} not in rivers.yaml")
        if row.get("reservoir_zh"):
            hit = self.net.reservoir_end(river, row["reservoir_zh"])
            if hit:
                reach, measure = hit
                lon, lat = self.net.point_at(reach, measure)
                note = (f"placed at the downstream end of the network's reservoir reach "
                        f"'{self.net.reaches[reach]['reservoir_name_zh']}'")
                if "lon" in row:
                    d = self.net.dist_m(lon, lat, row["lon"], row["lat"])
                    if d > 5000:
                        self.warnings.append(
                            f"{row['code']}: reservoir end {d / 1000:.1f} km from the estimated "
                            f"dam position ({row['lon']}, {row['lat']})")
                return reach, measure, lon, lat, note
            self.warnings.append(f"{row['code']}: no reservoir reach matching "
                                 f"'{row['reservoir_zh']}' on {river}; placed from lon/lat")
        for key, sign in (("upstream_of", -1.0), ("downstream_of", 1.0), ("near", -1.0)):
            if row.get(key):
                ref = row[key]
                if isinstance(ref, str):
                    ref = {"code": ref, "km": 0.3}
                base = self.placed[ref["code"]]
                reach, measure = self.net.move(base[0], base[1], sign * ref["km"] * 1000.0,
                                               prefer_river=river)
                lon, lat = self.net.point_at(reach, measure)
                word = "upstream" if sign < 0 else "downstream"
                return (reach, measure, lon, lat,
                        f"placed {ref['km']:g} km {word} of {ref['code']} along the network")
        if row.get("at_crossing"):
            a, b = str(row["at_crossing"]).split("-")
            chain = self.net.river_chain(river)
            found = [c for p_, c in zip(chain, chain[1:], strict=False)
                     if self.net.reaches[p_]["province"] == PROVINCES[a]
                     and self.net.reaches[c]["province"] == PROVINCES[b]]
            if not found:
                raise SystemExit(f"{row['code']}: no {a}-{b} crossing on {river}")
            lon, lat = self.net.point_at(found[0], 0.0)
            return (found[0], 0.0, lon, lat,
                    f"placed where the network's {river} crosses the {a}-{b} boundary")
        for key in ("at_exit", "at_entry"):
            if row.get(key):
                label, _, nth = str(row[key]).partition("#")
                a, b = label.split("-")
                other = PROVINCES[b] if key == "at_exit" else PROVINCES[a]
                idx = int(nth) - 1 if nth else 0
                found = (self.net.exits(river, other) if key == "at_exit"
                         else self.net.entries(river, other))
                if len(found) <= idx:
                    self.warnings.append(f"{row['code']}: no {key} {label} #{idx + 1} on {river}"
                                         f" (found {len(found)}); row skipped")
                    return None
                reach = found[idx]
                measure = 0.9 if key == "at_exit" else 0.1
                lon, lat = self.net.point_at(reach, measure)
                where = "last Gansu reach before" if key == "at_exit" else "first Gansu reach after"
                return (reach, measure, lon, lat,
                        f"placed on the {where} the {label} boundary of the network")
        reach, measure, lon_r, lat_r, off = self.net.locate(row["lon"], row["lat"], river)
        if off <= MAX_OFFSET_M:
            return reach, measure, row["lon"], row["lat"], "coordinates estimated"
        return (reach, measure, lon_r, lat_r,
                f"estimated point ({row['lon']}, {row['lat']}) lay {off / 1000:.1f} km from the "
                f"schematic river line, so the on-river position is written")

    def resolve(self, rows: list[dict]) -> None:
        """Place every row, rows that refer to another receptor after that one."""
        self.resolved: dict[str, tuple | None] = {}
        todo = list(rows)
        while todo:
            left = []
            for row in todo:
                ref = next((row[k] for k in ("upstream_of", "downstream_of", "near")
                            if row.get(k)), None)
                ref = ref["code"] if isinstance(ref, dict) else ref
                if ref and ref not in self.placed:
                    left.append(row)
                    continue
                got = self.place(row)
                self.resolved[row["code"]] = got
                if got:
                    self.placed[row["code"]] = (got[0], got[1])
            if len(left) == len(todo):
                raise SystemExit(f"unresolvable references: {[r['code'] for r in left]}")
            todo = left

    def common(self, row: dict, placed) -> dict:
        reach, measure, lon, lat, note = placed
        return {"code": row["code"], "name_zh": row["name_zh"], "name_en": row["name_en"],
                "reach": reach, "measure": round(measure, 5)}, (lon, lat), note

    # ---------------------------------------------------------------- layers
    def interception_points(self, rows):
        out = []
        for row in rows:
            placed = self.resolved[row["code"]]
            if placed is None:
                continue
            props, xy, note = self.common(row, placed)
            q = self.net.reaches[props["reach"]]["discharge_m3s"]
            cap = row.get("cap")
            hold = row.get("holding_h")
            if hold is None and cap:
                hold = round(cap / (q * 3600.0), 1)
            cand = row.get("candidate", False)
            kind_txt = ("candidate site on the schematic line, not a surveyed site; "
                        if cand else "")
            cap_txt = ("approximate published storage"
                       if row["kind"] in ("dam", "hydropower", "reservoir") else "estimated")
            props.update({
                "kind": row["kind"], "capacity_m3": cap, "holding_h": hold,
                "techniques": row["tech"], "access": row["access"],
                "access_road_km": row.get("road_km"),
                "source": (f"schematic: {kind_txt}{row['basis']}; {note}; capacity "
                           f"{cap_txt}; "
                           f"holding_h = capacity / mean discharge of the reach ({q:g} m3/s)"),
            })
            if cand:
                props["fictitious"] = False
            out.append((props, xy))
        return out

    def water_sources(self, rows):
        out = []
        for row in rows:
            placed = self.resolved[row["code"]]
            if placed is None:
                continue
            props, xy, note = self.common(row, placed)
            sec = " (secondary surface intake)" if row.get("secondary") else ""
            props.update({
                "population_served": int(row["population_served"]),
                "serves": row["serves"], "serves_name_zh": row["serves_name_zh"],
                "bank": row.get("bank"),
                "source": (f"schematic: {row['basis']}{sec}; {note}; population served "
                           f"estimated unless stated"),
            })
            out.append((props, xy))
        return out

    def sections(self, rows, ips):
        out = []
        for row in rows:
            placed = self.resolved[row["code"]]
            if placed is None:
                continue
            props, xy, note = self.common(row, placed)
            name = ("published section name" if row.get("name_ok")
                    else "section name uncertain (plausible gauge/town name, to be checked "
                         "against the current national/provincial list)")
            extra = f"; {row['note']}" if row.get("note") else ""
            props.update({
                "level": row["level"], "target_class": int(row["target_class"]),
                "is_exit": bool(row.get("is_exit", False)), "boundary": row.get("boundary"),
                "source": f"schematic: {name}{extra}; {note}",
            })
            out.append((props, xy))
        # generated exit sections at every exit of the network not yet covered
        covered = {p["reach"] for p, _ in out if p["is_exit"]}
        for reach in self.net.all_exits():
            if reach in covered:
                continue
            r = self.net.reaches[reach]
            river = self.net.rivers[r["river_code"]]
            to = self.net.reaches[r["downstream_code"]]["province"]
            to_zh = ADCODE_NAME.get(to, to)
            n = sum(1 for p, _ in out if p["code"].startswith(f"SEC-EXIT-{r['river_code']}"))
            code = f"SEC-EXIT-{r['river_code']}" + (f"-{n + 1}" if n else "")
            lon, lat = self.net.point_at(reach, 0.9)
            out.append(({
                "code": code[:40],
                "name_zh": f"{river['name_zh']}出境断面（甘肃-{to_zh}）",
                "name_en": f"{river['name_en']} exit section (Gansu-{self.net.province_en(to)})",
                "reach": reach, "measure": 0.9, "level": "province", "target_class": 3,
                "is_exit": True, "boundary": f"甘肃-{to_zh}",
                "source": ("schematic: generated exit section on the last Gansu reach before the "
                           "provincial boundary of the network; name generic, target class "
                           "assumed III"),
            }, (lon, lat)))
        return out


def feature_collection(items) -> str:
    lines = []
    for props, (lon, lat) in items:
        feat = {"type": "Feature", "geometry": {"type": "Point",
                                                "coordinates": [round5(lon), round5(lat)]},
                "properties": props}
        lines.append(json.dumps(feat, ensure_ascii=False, separators=(",", ":")))
    return ('{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n")


def candidate_ips(b: Builder, ips) -> list:
    """A candidate cofferdam site on every key river that has no interception point of its own."""
    have = {b.net.reaches[p["reach"]]["river_code"] for p, _ in ips}
    out = []
    for code, river in sorted(b.net.rivers.items()):
        if not river.get("is_key") or code in have:
            continue
        chain = b.net.river_chain(code)
        chain = [r for r in chain if b.net.reaches[r]["province"] == GANSU] or chain
        if not chain:
            continue
        reach = chain[-1]
        q = b.net.reaches[reach]["discharge_m3s"]
        cap = int(min(200000, max(5000, round(q * 3600 * 6, -3))))
        lon, lat = b.net.point_at(reach, 0.5)
        name_zh = river["name_zh"]
        recv = river.get("receiving_name_zh") or ""
        if river.get("receiving_code") in b.net.rivers:
            recv = b.net.rivers[river["receiving_code"]]["name_zh"]
        props = {
            "code": f"IP-{code}-CAND"[:40],
            "name_zh": f"{name_zh}下游段临时拦截候选点" + (f"（入{recv}前）" if recv else ""),
            "name_en": f"{river['name_en']} lower-reach temporary interception candidate site",
            "reach": reach, "measure": 0.5, "kind": "cofferdam_site", "capacity_m3": cap,
            "holding_h": round(cap / (q * 3600.0), 1),
            "techniques": ["cofferdam", "dose", "store", "boom"],
            "access": "沿河县乡道（待现场踏勘确认）", "access_road_km": 1.0,
            "source": ("schematic: generated candidate site at the middle of the river's last "
                       "Gansu reach so that the river's plan has a space of its own; not a "
                       "surveyed site; capacity = about 6 h of mean flow (5,000-200,000 m3)"),
            "fictitious": False,
        }
        out.append((props, (lon, lat)))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=str(HERE.parent.parent / "data"))
    args = ap.parse_args(argv)
    data = Path(args.data)
    src = data / "src" / "receptors"
    b = Builder(data)
    rows = {n: load_rows(src / f"{n}.yaml")
            for n in ("interception_points", "water_sources", "sections")}
    b.resolve(rows["interception_points"] + rows["water_sources"] + rows["sections"])
    ips = b.interception_points(rows["interception_points"])
    ips += candidate_ips(b, ips)
    ws = b.water_sources(rows["water_sources"])
    secs = b.sections(rows["sections"], ips)
    out = data / "receptors"
    out.mkdir(parents=True, exist_ok=True)
    for name, items in (("water_sources", ws), ("sections", secs),
                        ("interception_points", ips)):
        codes = [p["code"] for p, _ in items]
        dup = {c for c in codes if codes.count(c) > 1}
        if dup:
            raise SystemExit(f"{name}: duplicate codes {sorted(dup)}")
        (out / f"{name}.geojson").write_text(feature_collection(items), encoding="utf-8")
        print(f"{name}: {len(items)}")
    for w in b.warnings:
        print("WARNING", w, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
