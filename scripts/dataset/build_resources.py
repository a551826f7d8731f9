#!/usr/bin/env python3
"""Build the resource layers from the hand-authored files in data/src/resources/.

    .venv/bin/python scripts/dataset/build_resources.py [--data DIR] [--report]

Reads  data/src/resources/{pollutants,materials,depots,teams,enterprises}.yaml,
       data/rivers/rivers.yaml + data/rivers/reaches.geojson (enterprise outfalls only)
Writes data/pollutants.yaml, data/materials.yaml, data/depots/depots.geojson,
       data/teams/teams.geojson, data/enterprises/enterprises.geojson

Format: docs/data-format.md. Output is deterministic (same inputs -> byte-identical files).

- Pollutants: class techniques and recommended materials (extra field ``materials``, catalogue
  codes that serve the substance's class or are general purpose) are filled in where a substance
  has none of its own.
- Depot inventories: ``base_stock`` x depot ``scale`` x ``emphasis`` (per material code, else
  per material group), rounded to two significant figures (whole units for pieces, sets, m,
  m2, kits). Planned depots get ``inventory: []`` and the stock in ``design_inventory``;
  depots under construction hold ``stocked_share`` of it.
- Enterprise substances: industry template x ``size`` + ``add``, two significant figures.
  Outfalls are linearly referenced with common.locate() on the enterprise's river (with the
  fallbacks of enterprises.yaml when a river is not in rivers.yaml).
No build-time extras are needed (pyyaml, shapely, pyproj from the project venv).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

CLASSES = [
    "heavy_metal", "metalloid", "oil", "volatile_organic", "organic",
    "acid_alkali", "cyanide", "nutrient", "oxygen_demand", "other",
]
CODE_RE = re.compile(r"^[A-Z0-9_-]{1,40}$")
COUNT_UNITS = {"piece", "set", "kit", "bag", "m", "m2"}
RISK_LEVELS = ("major", "larger", "general")
# Extra properties written beside the data-format.md fields (the loader may ignore them).
SCHEMATIC_SITE = ("schematic: site placed by hand in/near the named city from general knowledge; "
                  "coordinates estimated")


class BuildError(Exception):
    pass


def load_yaml(path: Path):
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def sig2(x: float) -> float:
    """Round to two significant figures (0 stays 0)."""
    if x == 0:
        return 0
    v = float(f"{x:.2g}")
    return int(v) if v >= 10 and v == int(v) else v


def qty(x: float, unit: str):
    if x <= 0:
        return 0
    v = sig2(x)
    if unit in COUNT_UNITS:
        return max(1, int(round(v)))
    if v >= 10 or v == int(v):
        return int(round(v))
    return round(v, 3) if v < 1 else round(v, 1)


def check_code(code: str, where: str) -> None:
    if not isinstance(code, str) or not CODE_RE.match(code):
        raise BuildError(f"{where}: bad code {code!r}")


def r5(x: float) -> float:
    return round(float(x) + 0.0, 5)


def dump_yaml(obj) -> str:
    return yaml.safe_dump(obj, allow_unicode=True, sort_keys=False, width=1000,
                          default_flow_style=False)


def write_fc(path: Path, features: list[dict]) -> None:
    """A FeatureCollection with one compact feature per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")


def point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [r5(lon), r5(lat)]}


# --------------------------------------------------------------------------- pollutants
BEHAVIOURS = ("dissolves", "floats", "sinks", "volatile")
# Two-film volatilisation (Liss & Slater 1974; Schwarzenbach et al. 2003, ch. 20):
#   1/v = 1/k_w + 1/(H' k_a), H' = H/(R T) dimensionless.
# Reference film velocities at the LOW end of the published ranges (less loss = safe side):
# water film of O2 in rivers 1e-5 m/s (Schwarzenbach: 1e-5 to 1e-4 m/s; the O'Connor-Dobbins
# value sqrt(D_O2 u/h) is 2.6e-5 m/s at u = 1 m/s, h = 3 m), air film of H2O 3e-3 m/s (calm air,
# Schwarzenbach eq. 20-15: 0.2 u10 + 0.3 cm/s at u10 = 0). Scaled to the substance by molar
# mass as a diffusivity proxy (D ~ M^-1/2): water film (32/M)^0.25 (surface renewal, D^0.5),
# air film (18/M)^0.335 (D^0.67).
KW_O2_M_PER_DAY = 1e-5 * 86400.0
KA_H2O_M_PER_DAY = 3e-3 * 86400.0
RT_J_PER_MOL = 8.314 * 293.15


def volatilisation_m_per_day(henry_pa_m3_mol: float, mw: float) -> float:
    """Two-film mass-transfer velocity (m/day) of a dissolved substance."""
    kw = KW_O2_M_PER_DAY * (32.0 / mw) ** 0.25
    ka = KA_H2O_M_PER_DAY * (18.0 / mw) ** 0.335
    h = henry_pa_m3_mol / RT_J_PER_MOL
    return 1.0 / (1.0 / kw + 1.0 / (h * ka))


def build_pollutants(src: Path, materials: dict) -> list[dict]:
    doc = load_yaml(src / "pollutants.yaml")
    tech = doc["techniques_by_class"]
    class2 = doc.get("table1_class2_mgl") or {}
    table2 = set(doc.get("table2_items") or ())
    table3_extra = doc.get("table3_extra_mgl") or {}
    physical = doc.get("physical") or {}
    codes = {p["code"] for p in doc["pollutants"]}
    for where, keys in (("table1_class2_mgl", class2), ("table2_items", table2),
                        ("table3_extra_mgl", table3_extra), ("physical", physical)):
        unknown = set(keys) - codes
        if unknown:
            raise BuildError(f"pollutants {where}: unknown codes {sorted(unknown)}")
    out, seen = [], set()
    for p in doc["pollutants"]:
        code = p["code"]
        check_code(code, "pollutants")
        if code in seen:
            raise BuildError(f"pollutants: duplicate code {code}")
        seen.add(code)
        if p["pclass"] not in CLASSES:
            raise BuildError(f"pollutants {code}: unknown class {p['pclass']}")
        phys = physical.get(code) or {}
        behaviour = phys.get("behaviour", p["behaviour"])
        if behaviour not in BEHAVIOURS:
            raise BuildError(f"pollutants {code}: bad behaviour")
        t = tech[p["pclass"]]
        decay = float(p.get("decay_per_day") or 0.0)
        note = p.get("decay_note")
        vol = 0.0
        if "henry_pa_m3_mol" in phys:
            # volatilisation is a velocity over depth (applied per reach by the model);
            # the first-order rate keeps only biodegradation and hydrolysis
            vol = volatilisation_m_per_day(float(phys["henry_pa_m3_mol"]), float(phys["mw"]))
            k_bio = float(phys.get("k_bio_per_day") or 0.0)
            k_hyd = float(phys.get("k_hyd_per_day") or 0.0)
            decay = k_bio + k_hyd
            note = (f"volatilisation v = {vol:.3g} m/d over the local depth (two-film, "
                    f"H = {phys['henry_pa_m3_mol']} Pa m3/mol, M = {phys['mw']} g/mol, "
                    f"Sander 2015); biodegradation {k_bio:g} /d ({phys.get('loss_note', '')}; "
                    f"Howard et al. 1991, longest half-life); hydrolysis {k_hyd:g} /d "
                    "(Mabey & Mill 1978)")
        if decay == 0 and not note:
            note = "conservative substance: no loss (dilution only)"
        limit_basis = p["limit_basis"]
        limit_source = p.get("limit_source_mgl")
        extra = table3_extra.get(code)
        if extra is not None:
            if limit_source is not None:
                raise BuildError(f"pollutants {code}: table3_extra_mgl repeats a limit")
            limit_source = float(extra["value"])
            limit_basis = extra["basis"]
        limit_class2 = class2.get(code)
        if limit_class2 is not None and p.get("limit_class3_mgl") is None:
            raise BuildError(f"pollutants {code}: a Class II value without a Table 1 item")
        species = phys.get("species") or {}
        factor = float(species.get("factor", 1.0))
        if not 0 < factor <= 1.0:
            raise BuildError(f"pollutants {code}: species factor must be in (0, 1]")
        solubility = phys.get("solubility_mgl")
        sol_note = phys.get("solubility_note") or (
            "no cap: miscible, or a dissolved ion from salts soluble at 10^2-10^3 g/L"
            if solubility is None else "handbook value (20-25 C)")
        source = ("limits: " + limit_basis + "; loss: " + (note or "")
                  + f"; solubility: {sol_note}"
                  + (f"; species: {species['en']}, mass x {factor:g} ({species['formula']})"
                     if species else ""))
        mats = list(p.get("materials") or t["materials"])
        for mc in mats:
            m = materials.get(mc)
            if m is None:
                raise BuildError(f"pollutants {code}: unknown material {mc}")
            if m["serves"] and p["pclass"] not in m["serves"]:
                raise BuildError(f"pollutants {code}: material {mc} does not serve {p['pclass']}")
        out.append({
            "code": code,
            "name_zh": p["name_zh"],
            "name_en": p["name_en"],
            "cas": p.get("cas"),
            "pclass": p["pclass"],
            "limit_class2_mgl": limit_class2,
            "limit_class3_mgl": p.get("limit_class3_mgl"),
            "limit_source_mgl": limit_source,
            "limit_source_table": (None if limit_source is None
                                   else 2 if code in table2 else 3),
            "limit_basis": limit_basis,
            "behaviour": behaviour,
            "decay_per_day": round(decay, 6),
            "volatilisation_m_per_day": round(vol, 4),
            "solubility_mgl": None if solubility is None else float(solubility),
            "species_zh": species.get("zh"),
            "species_en": species.get("en"),
            "species_factor": factor,
            "techniques_zh": p.get("techniques_zh") or t["zh"],
            "techniques_en": p.get("techniques_en") or t["en"],
            "source": "GB 3838-2002 as transcribed in the design notes (domain.md §3); " + source
                      + "; techniques: domain.md §4 by class unless substance-specific",
            "materials": mats,
        })
    return out


# --------------------------------------------------------------------------- materials
def build_materials(src: Path) -> tuple[list[dict], dict]:
    doc = load_yaml(src / "materials.yaml")
    out, index = [], {}
    for m in doc["materials"]:
        code = m["code"]
        check_code(code, "materials")
        if code in index:
            raise BuildError(f"materials: duplicate code {code}")
        for c in m["serves"]:
            if c not in CLASSES:
                raise BuildError(f"materials {code}: unknown class {c}")
        row = {
            "code": code,
            "name_zh": m["name_zh"],
            "name_en": m["name_en"],
            "unit": m["unit"],
            "serves": list(m["serves"]),
            "group": m["group"],
            "source": doc["source"] + ("; serves [] = general purpose (all classes)"
                                       if not m["serves"] else ""),
        }
        index[code] = row
        out.append(row)
    return out, index


# --------------------------------------------------------------------------- depots
def build_depots(src: Path, materials: dict) -> list[dict]:
    doc = load_yaml(src / "depots.yaml")
    base = doc["base_stock"]
    groups = {m["group"] for m in materials.values()}
    for code in base:
        if code not in materials:
            raise BuildError(f"depots base_stock: unknown material {code}")
    feats, seen = [], set()
    for d in doc["depots"]:
        code = d["code"]
        check_code(code, "depots")
        if code in seen:
            raise BuildError(f"depots: duplicate code {code}")
        seen.add(code)
        emph = d.get("emphasis") or {}
        for k in emph:
            if k not in materials and k not in groups:
                raise BuildError(f"depot {code}: emphasis key {k!r} is neither material nor group")
        stock = []
        for mcode, q0 in base.items():
            m = materials[mcode]
            mult = emph.get(mcode, emph.get(m["group"], 1.0))
            q = qty(q0 * d["scale"] * mult, m["unit"])
            if q > 0:
                stock.append({"material": mcode, "quantity": q})
        status = d["status"]
        if status == "planned":
            inventory, design = [], stock
            inv_note = "planned: no stock yet; design stock in design_inventory"
        elif status == "under_construction":
            share = d.get("stocked_share", 0.3)
            inventory = []
            for row in stock:
                q = qty(row["quantity"] * share, materials[row["material"]]["unit"])
                if q > 0:
                    inventory.append({"material": row["material"], "quantity": q})
            design = stock
            inv_note = (f"under construction: first delivery of about {int(share * 100)} % "
                        "of the design stock")
        else:
            inventory, design = stock, None
            inv_note = ("illustrative stock: standard prefecture depot list scaled by the "
                        "prefecture's risk profile")
        props = {
            "code": code,
            "name_zh": d["name_zh"],
            "name_en": d["name_en"],
            "kind": d["kind"],
            "status": status,
            "operator": d["operator"],
            "address": d["address"],
            "adcode": d.get("adcode"),
            "contact_name": d["contact_name"],
            "contact_phone": d["contact_phone"],
            "fictitious_contact": True,
            "source": (f"{SCHEMATIC_SITE} ({d['place']}); address illustrative; "
                       "contact fictitious; "
                       f"inventory {inv_note} (data/src/resources/depots.yaml)"),
            "inventory": inventory,
        }
        if design is not None:
            props["design_inventory"] = design
        props["risk_note"] = d.get("risk_note")
        feats.append({"type": "Feature", "geometry": point(d["lon"], d["lat"]),
                      "properties": props})
    return feats


# --------------------------------------------------------------------------- teams
def build_teams(src: Path) -> list[dict]:
    doc = load_yaml(src / "teams.yaml")
    feats, seen = [], set()
    for t in doc["teams"]:
        code = t["code"]
        check_code(code, "teams")
        if code in seen:
            raise BuildError(f"teams: duplicate code {code}")
        seen.add(code)
        props = {
            "code": code,
            "name_zh": t["name_zh"],
            "name_en": t["name_en"],
            "base": t["base"],
            "adcode": t.get("adcode"),
            "headcount": int(t["headcount"]),
            "specialities": list(t["specialities"]),
            "equipment": list(t["equipment"]),
            "contact_name": t["contact_name"],
            "contact_phone": t["contact_phone"],
            "fictitious_contact": True,
            "source": (f"{SCHEMATIC_SITE}; team composition, headcount, specialities and "
                       "equipment illustrative; contact fictitious "
                       "(data/src/resources/teams.yaml)"),
            "built_on": t.get("built_on"),
        }
        feats.append({"type": "Feature", "geometry": point(t["lon"], t["lat"]),
                      "properties": props})
    return feats


# --------------------------------------------------------------------------- enterprises
def _plan_filed(code: str, risk: str, explicit) -> bool:
    if explicit is not None:
        return bool(explicit)
    if risk in ("major", "larger"):
        return True
    return int(hashlib.sha1(code.encode()).hexdigest(), 16) % 10 < 8


def build_enterprises(src: Path, data: Path, pollutant_codes: set[str], report: list[str]):
    import common  # scripts/dataset/common.py (network engineer)

    doc = load_yaml(src / "enterprises.yaml")
    rivers = {r["code"] for r in load_yaml(data / "rivers" / "rivers.yaml")}
    reaches = common.load_reaches(data)
    fallbacks = doc.get("river_fallbacks") or {}
    templates = doc["templates"]
    industries = doc["industries"]
    for name, tpl in templates.items():
        for pc in tpl:
            if pc not in pollutant_codes:
                raise BuildError(f"enterprise template {name}: unknown pollutant {pc}")

    def river_for(code: str) -> tuple[str, str | None]:
        if code in rivers and common.reaches_of(code, data):
            return code, None
        for alt in fallbacks.get(code, []):
            if alt in rivers and common.reaches_of(alt, data):
                return alt, code
        raise BuildError(f"river {code} not in rivers.yaml and no usable fallback")

    feats, seen = [], set()
    for g in doc["groups"]:
        prefix = g["prefix"]
        for i, e in enumerate(g["rows"], start=1):
            code = f"ENT-{prefix}-{i:03d}"
            check_code(code, "enterprises")
            if code in seen:
                raise BuildError(f"enterprises: duplicate code {code}")
            seen.add(code)
            if e["risk"] not in RISK_LEVELS:
                raise BuildError(f"{code}: bad risk level {e['risk']}")
            if e["ind"] not in industries:
                raise BuildError(f"{code}: unknown industry {e['ind']}")
            size = float(e.get("size", 1.0))
            subs: dict[str, float] = {}
            if e.get("tpl"):
                for pc, t in templates[e["tpl"]].items():
                    subs[pc] = subs.get(pc, 0.0) + t * size
            for pc, t in (e.get("add") or {}).items():
                if pc not in pollutant_codes:
                    raise BuildError(f"{code}: unknown pollutant {pc}")
                subs[pc] = subs.get(pc, 0.0) + t
            if not subs:
                raise BuildError(f"{code}: no substances")
            substances = [{"pollutant": pc, "max_t": sig2(v)} for pc, v in subs.items()]
            river, wanted = river_for(e["river"])
            lon, lat = e["at"]
            olon, olat = e.get("out") or (lon, lat)
            reach, measure, qlon, qlat, off = common.locate(olon, olat, river, data)
            if reach not in reaches:
                raise BuildError(f"{code}: located on unknown reach {reach}")
            if off > 30000:
                report.append(f"{code} {e['zh']}: outfall point {off / 1000:.1f} km from {river}")
            sub_note = (f"; receiving river {wanted} is not in rivers.yaml, nearest modelled "
                        f"river {river} used") if wanted else ""
            if wanted:
                report.append(f"{code} {e['zh']}: river {wanted} -> {river}")
            where = ("at the given outfall point" if e.get("out")
                     else "at the nearest point of the river to the plant")
            ind = industries[e["ind"]]
            tpl_note = (f"industry template '{e['tpl']}' x {size:g}" if e.get("tpl")
                        else "per-site list")
            if e.get("add") and e.get("tpl"):
                tpl_note += " plus site additions"
            props = {
                "code": code,
                "name_zh": e["zh"],
                "name_en": e["en"],
                "industry": e["ind"],
                "industry_zh": ind["zh"],
                "risk_level": e["risk"],
                "plan_filed": _plan_filed(code, e["risk"], e.get("plan")),
                "fictitious": True,
                "adcode": e.get("adcode", g["adcode"]),
                "outfall_reach": reach,
                "outfall_measure": measure,
                "source": (
                    "schematic: fictitious enterprise placed at the real industrial geography "
                    f"of its area ({ind['en'].lower()}); plant point estimated from general "
                    f"knowledge; name, substances ({tpl_note}), quantities, risk level and plan "
                    f"status illustrative; outfall located with scripts/dataset/common.py "
                    f"locate() on {river} {where} (offset {off / 1000:.1f} km){sub_note}"
                    + (f"; {g['note']}" if g.get("note") else "")
                ),
                "substances": substances,
                "park_zh": e.get("park"),
                "outfall_river": river,
                "outfall_lon": qlon,
                "outfall_lat": qlat,
            }
            feats.append({"type": "Feature", "geometry": point(lon, lat), "properties": props})
    return feats


# --------------------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(HERE.parents[1] / "data"))
    ap.add_argument("--report", action="store_true", help="print substitutions and far outfalls")
    args = ap.parse_args(argv)
    data = Path(args.data)
    src = data / "src" / "resources"

    materials, mindex = build_materials(src)
    pollutants = build_pollutants(src, mindex)
    depots = build_depots(src, mindex)
    teams = build_teams(src)
    header = ("# Derived file: written by scripts/dataset/build_resources.py from "
              "data/src/resources/{}. Do not edit by hand.\n")
    (data / "pollutants.yaml").write_text(header.format("pollutants.yaml") + dump_yaml(pollutants),
                                          encoding="utf-8")
    (data / "materials.yaml").write_text(header.format("materials.yaml") + dump_yaml(materials),
                                         encoding="utf-8")
    write_fc(data / "depots" / "depots.geojson", depots)
    write_fc(data / "teams" / "teams.geojson", teams)
    report: list[str] = []
    if (data / "rivers" / "reaches.geojson").exists():
        ents = build_enterprises(src, data, {p["code"] for p in pollutants}, report)
        write_fc(data / "enterprises" / "enterprises.geojson", ents)
    else:
        ents = []
        print("data/rivers/reaches.geojson missing: enterprises not built", file=sys.stderr)
    print(f"pollutants {len(pollutants)}, materials {len(materials)}, depots {len(depots)}, "
          f"teams {len(teams)}, enterprises {len(ents)}")
    if args.report:
        for line in report:
            print("  " + line)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BuildError as exc:
        print(f"build_resources: {exc}", file=sys.stderr)
        sys.exit(1)
