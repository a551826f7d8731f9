#!/usr/bin/env python3
"""Build one river plan per key river (一河一策) from templates.

    .venv/bin/python scripts/dataset/build_plans.py [--data DIR]

Reads  data/src/plans/template.yaml   shared steps with {placeholders}
       data/src/plans/rivers.yaml     per-river facts (counties, towns, risk sources, classes)
       data/src/plans/units.yaml      prefecture bureaus and their county branches
       data/rivers/*, data/receptors/*.geojson, data/enterprises/enterprises.geojson (optional)
Writes data/plans/<RIVER_CODE>.yaml   (and removes plans of rivers that are no longer key)

Run after build_receptors.py (plans refer to receptor codes). Deterministic output.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build_receptors import Network  # noqa: E402

LEVELS = ("I", "II", "III", "IV")
PHASES = ("report", "assess", "contain", "treat", "monitor", "recover")
ALWAYS_CLASSES = ("oil", "volatile_organic", "organic")   # road / rail tanker accidents
N_DOWNSTREAM_IPS = 4
N_DOWNSTREAM_WS = 3
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"


def load_yaml(p: Path):
    with p.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def load_fc(p: Path) -> list[dict]:
    if not p.exists():
        return []
    gj = json.loads(p.read_text(encoding="utf-8"))
    return [f["properties"] for f in gj["features"]]


class Units:
    def __init__(self, src: dict):
        self.province = src["province"]
        self.prefs = src["prefectures"]
        self.neighbours = src["neighbours"]
        self.county: dict[str, tuple[str, str]] = {}
        for pref, info in self.prefs.items():
            for c in info["counties"]:
                self.county[c] = pref

    def find(self, name: str) -> tuple[str, str]:
        """(full county name, prefecture) for a full or short county name."""
        if name in self.county:
            return name, self.county[name]
        if name in self.prefs:          # a prefecture-level city without counties
            return name, name
        hits = [c for c in self.county if c.startswith(name)]
        if len(hits) != 1:
            raise SystemExit(f"county {name!r}: {len(hits)} matches in units.yaml")
        return hits[0], self.county[hits[0]]

    @staticmethod
    def short(county: str) -> str:
        for marker in ("保安族", "东乡族自治县", "族自治县", "藏族", "裕固族", "蒙古族", "哈萨克族",
                       "回族"):
            if marker in county and not county.startswith(marker):
                return county[: county.index(marker)]
        if county.endswith("市") and len(county) <= 3:
            return county   # 临夏市, 玉门市, 敦煌市, 华亭市, 合作市 keep 市
        return county[:-1] if county[-1] in "区县市" and len(county) > 2 else county

    def branch(self, county: str) -> str:
        full, pref = self.find(county)
        bureau = self.prefs[pref]["bureau"]
        if full == pref:
            return bureau
        return f"{bureau}{self.short(full)}分局"


def fmt(s, ctx: dict) -> str:
    try:
        return str(s).format(**ctx)
    except KeyError as e:
        raise SystemExit(f"template placeholder {e} missing") from e


def join_zh(items, limit=None) -> str:
    items = list(items)
    if limit and len(items) > limit:
        items = items[:limit] + ["等"]
        return "、".join(items[:-1]) + "等"
    return "、".join(items)


def join_en(items, limit=None) -> str:
    items = list(items)
    if limit and len(items) > limit:
        return ", ".join(items[:limit]) + " and others"
    return ", ".join(items)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=str(HERE.parent.parent / "data"))
    args = ap.parse_args(argv)
    data = Path(args.data)
    src = data / "src" / "plans"
    net = Network(data)
    tpl = load_yaml(src / "template.yaml")
    facts = load_yaml(src / "rivers.yaml")
    units = Units(load_yaml(src / "units.yaml"))
    rec = {n: load_fc(data / "receptors" / f"{n}.geojson")
           for n in ("water_sources", "sections", "interception_points")}
    pollutants = {}
    if (data / "pollutants.yaml").exists():
        pollutants = {p["code"]: p for p in load_yaml(data / "pollutants.yaml")}
    ents = load_fc(data / "enterprises" / "enterprises.geojson")

    by_reach: dict[str, list[tuple[str, dict]]] = {}
    for kind, items in rec.items():
        for p in items:
            by_reach.setdefault(p["reach"], []).append((kind, p))

    key = sorted(c for c, r in net.rivers.items() if r.get("is_key"))
    missing = [c for c in key if c not in facts]
    if missing:
        raise SystemExit(f"no plan facts in data/src/plans/rivers.yaml for {missing}")
    out_dir = data / "plans"
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.yaml"):
        if old.stem not in key:
            old.unlink()

    for code in key:
        plan = build_plan(code, net, facts[code], units, tpl, by_reach, ents, pollutants)
        text = yaml.safe_dump(plan, allow_unicode=True, sort_keys=False, width=100000,
                              default_flow_style=False)
        (out_dir / f"{code}.yaml").write_text(
            "# GENERATED by scripts/dataset/build_plans.py from data/src/plans/ -- do not edit "
            "by hand.\n" + text, encoding="utf-8")
    print(f"plans: {len(key)}")
    return 0


def build_plan(code, net: Network, fact, units: Units, tpl, by_reach, ents, pollutants):
    river = net.rivers[code]
    chain = net.river_chain(code)
    path = net.downstream_path(chain[0]) if chain else []
    own = {c for c, p in net.reaches.items() if p["river_code"] == code}
    order = {r: i for i, r in enumerate(path)}

    def along(kind):
        items = []
        for r in path:
            for k, p in by_reach.get(r, []):
                if k == kind:
                    items.append((order[r], p["measure"], p["code"], r in own, p))
        items.sort(key=lambda t: (t[0], t[1], t[2]))
        return items

    ws = along("water_sources")
    secs = along("sections")
    ips = along("interception_points")
    own_ws = [t[4] for t in ws if t[3]]
    down_ws = [t[4] for t in ws if not t[3]][:N_DOWNSTREAM_WS]
    own_secs = [t[4] for t in secs if t[3]]
    first_exit = next((t for t in secs if t[4]["is_exit"]), None)
    exit_secs = [t[4] for t in secs if t[4]["is_exit"]]
    own_ips = [t[4] for t in ips if t[3]]
    down_ips = [t[4] for t in ips if not t[3]][:N_DOWNSTREAM_IPS]
    plan_ips = own_ips + down_ips

    # responsible units ---------------------------------------------------------------
    counties = [units.find(c) for c in fact["c"]]
    branches = list(dict.fromkeys(units.branch(c) for c, _ in counties))
    prefs = list(dict.fromkeys(p for _, p in counties))
    pref_bureaus = [units.prefs[p]["bureau"] for p in prefs]
    pref_en = [units.prefs[p]["en"] for p in prefs]
    to_provs = list(dict.fromkeys(
        net.reaches[net.reaches[r]["downstream_code"]]["province"]
        for r in path if net.is_exit(r)))
    neighbours = [units.neighbours[t] for t in to_provs if t in units.neighbours]
    neighbour = ({"unit_zh": join_zh([x["unit_zh"] for x in neighbours]),
                  "unit_en": join_en([x["unit_en"] for x in neighbours])}
                 if neighbours else None)

    towns_zh = [t[0] for t in fact["t"]]
    towns_en = [t[1] for t in fact["t"]]
    classes = list(dict.fromkeys(list(fact.get("k") or []) + list(ALWAYS_CLASSES)))

    # enterprises on the river ----------------------------------------------------------
    river_ents = [e for e in ents
                  if (e.get("outfall_river") or net.reaches.get(e["outfall_reach"], {})
                      .get("river_code")) == code]
    rank = {"major": 0, "larger": 1, "general": 2}
    river_ents.sort(key=lambda e: (rank.get(e["risk_level"], 3), e["code"]))
    for e in river_ents:
        for s in e.get("substances", []):
            pc = pollutants.get(s["pollutant"], {}).get("pclass")
            if pc and pc not in classes:
                classes.append(pc)

    def ws_name(p):
        return p["name_zh"]

    sens = []
    for p in own_ws:
        sens.append({"code": p["code"], "note_zh": f"{p['serves_name_zh']}集中式饮用水水源取水口，"
                     f"供水人口约{p['population_served']:,}人" if p["population_served"]
                     else f"{p['serves_name_zh']}备用饮用水水源取水口"})
    for p in own_secs:
        lvl = "国控" if p["level"] == "state" else "省控"
        note = f"{lvl}断面，水质目标{['I', 'II', 'III', 'IV', 'V'][p['target_class'] - 1]}类"
        if p["is_exit"]:
            note += f"，出境断面（{p['boundary']}）"
        sens.append({"code": p["code"], "note_zh": note})
    for p in down_ws:
        sens.append({"code": p["code"],
                     "note_zh": f"下游：{p['serves_name_zh']}集中式饮用水水源取水口，"
                                f"供水人口约{p['population_served']:,}人"})
    if first_exit and not first_exit[3]:
        p = first_exit[4]
        sens.append({"code": p["code"], "note_zh": f"下游出境断面（{p['boundary']}）"})

    dams = [p for p in plan_ips if p["kind"] in ("dam", "hydropower", "reservoir", "sluice")]
    intake_names = [p["name_zh"] for p in own_ws + down_ws]
    intake_names_en = [p["name_en"] for p in own_ws + down_ws]
    sec_names = [p["name_zh"] for p in own_secs] or (
        [first_exit[4]["name_zh"]] if first_exit else [])
    sec_names_en = [p["name_en"] for p in own_secs] or (
        [first_exit[4]["name_en"]] if first_exit else [])
    recv = river.get("receiving_code")
    recv_zh = net.rivers[recv]["name_zh"] if recv in net.rivers else (
        river.get("receiving_name_zh") or "尾闾")
    recv_en = net.rivers[recv]["name_en"] if recv in net.rivers else (
        river.get("receiving_name_zh") or "its terminal area")
    last = net.reaches[path[-1]] if path else {}
    if first_exit:
        exit_zh = join_zh([p["name_zh"] for p in exit_secs], 3)
        exit_en = join_en([p["name_en"] for p in exit_secs], 3)
    elif last.get("end_kind") == "terminal_lake":
        exit_zh, exit_en = f"{recv_zh}（终端）", f"{recv_en} (terminal)"
    else:
        exit_zh, exit_en = f"{recv_zh}汇入口", f"the {recv_en} confluence"

    if neighbour:
        notify_zh = f"{neighbour['unit_zh']}及下游相邻市（州）、县生态环境部门"
        notify_en = f"{neighbour['unit_en']} and the downstream prefectures and counties"
    else:
        notify_zh = f"{recv_zh}下游相邻市（州）、县生态环境部门"
        notify_en = f"the ecology-environment authorities of the downstream areas on the {recv_en}"

    sens_zh = [ws_name(p) for p in own_ws + down_ws] + [p["name_zh"] for p in own_secs]
    sens_en = [p["name_en"] for p in own_ws + down_ws] + [p["name_en"] for p in own_secs]
    ctx = {
        "river_zh": river["name_zh"], "river_en": river["name_en"],
        "towns_zh": join_zh(towns_zh), "towns_en": join_en(towns_en),
        "county_bureaus": join_zh(branches, 4), "county_bureaus_en": "county branches",
        "pref_bureau": join_zh(pref_bureaus), "pref_bureau_en": join_en(
            f"the {e} ecology-environment bureau" for e in pref_en),
        "pref_zh": join_zh(prefs), "pref_en": join_en(pref_en),
        "intakes_zh": join_zh(intake_names, 4) or "沿河取水口",
        "intakes_en": join_en(intake_names_en, 4) or "riverside intakes",
        "intakes_or_none_zh": join_zh(intake_names, 4) or "下游取水口",
        "intakes_or_none_en": join_en(intake_names_en, 4) or "downstream intakes",
        "first_intake_zh": intake_names[0] if intake_names else "下游第一个取水口",
        "first_intake_en": intake_names_en[0] if intake_names_en else "the first intake downstream",
        "sections_zh": join_zh(sec_names, 5) or "下游控制断面",
        "sections_en": join_en(sec_names_en, 5) or "the downstream control sections",
        "first_space_zh": plan_ips[0]["name_zh"] if plan_ips else "第一个应急空间",
        "first_space_en": plan_ips[0]["name_en"] if plan_ips else "the first emergency space",
        "exit_or_end_zh": exit_zh, "exit_or_end_en": exit_en,
        "exit_or_none_zh": exit_zh if first_exit else "如可能影响下游相邻省区",
        "exit_or_none_en": (exit_en if first_exit
                            else "where a neighbouring province may be affected"),
        "exit_zh": exit_zh, "exit_en": exit_en,
        "ips_zh": join_zh([p["name_zh"] for p in plan_ips], 6),
        "ips_en": join_en([p["name_en"] for p in plan_ips], 6),
        "dams_zh": join_zh([p["name_zh"] for p in dams], 4) or "下游闸坝",
        "dams_en": join_en([p["name_en"] for p in dams], 4) or "downstream dams",
        "sensitive_list_zh": join_zh(sens_zh, 8) or "见敏感点清单",
        "sensitive_list_en": join_en(sens_en, 8) or "see the list of sensitive points",
        "notify_zh": notify_zh, "notify_en": notify_en,
        "neighbour_zh": neighbour["unit_zh"] if neighbour else "",
        "neighbour_en": neighbour["unit_en"] if neighbour else "",
    }
    conds = {"exit": bool(neighbour), "dam": bool(dams), "intake": bool(own_ws or down_ws)}

    steps = []
    for st in tpl["steps"]:
        if st.get("when") and not conds[st["when"]]:
            continue
        cl = list(st.get("classes") or [])
        if cl and not any(c in classes for c in cl):
            continue
        assert st["phase"] in PHASES
        step = {"phase": st["phase"], "order": len(steps) + 1,
                "text_zh": fmt(st["text_zh"], ctx), "text_en": fmt(st["text_en"], ctx),
                # every branch in full (the text may shorten them with 等): the analysis
                # keeps the units of the prefectures a spill's plume touches
                "responsible": fmt(st["responsible"], {**ctx, "county_bureaus": join_zh(branches)})}
        if st.get("due_min") is not None:
            step["due_min"] = int(st["due_min"])
        step["classes"] = cl
        if st.get("min_level"):
            assert st["min_level"] in LEVELS
            step["min_level"] = st["min_level"]
        steps.append(step)

    # contacts (fictitious) -----------------------------------------------------------
    contacts = []
    n = 0

    def add(role, unit, area, idx_seed):
        nonlocal n
        n += 1
        surname = SURNAMES[(sum(map(ord, code)) + n) % len(SURNAMES)]
        contacts.append({"role_zh": role, "unit_zh": unit, "name": f"{surname}某（虚构）",
                         "phone": (f"{area}-8{(hash_code(code) + idx_seed) % 1000:03d}"
                                   + ("0000" if len(area) == 3 else "000")),
                         "fictitious": True})

    for i, (c, p) in enumerate(counties[:4]):
        add("属地应急值守", units.branch(c), units.prefs[p]["area"], i)
    for i, p in enumerate(prefs[:3]):
        add("市（州）环境应急科", units.prefs[p]["bureau"], units.prefs[p]["area"], 10 + i)
    add("省级环境应急值守", units.province["unit_zh"], units.province["area"], 20)
    for i, nb in enumerate(neighbours):
        add("跨省通报联络", nb["unit_zh"], nb["area"], 30 + i)

    # risk summary ----------------------------------------------------------------------
    ent_zh = ent_en = ""
    if river_ents:
        names = [e["name_zh"] for e in river_ents[:4]]
        n_major = sum(1 for e in river_ents if e["risk_level"] == "major")
        fict = all(e.get("fictitious") for e in river_ents[:4])
        ent_zh = (f"数据集登记入河排口在本河的风险企业{len(river_ents)}家"
                  f"（重大风险{n_major}家），"
                  f"如{join_zh(names)}{'（示例名称，虚构）' if fict else ''}。")
        ent_en = (f"The dataset lists {len(river_ents)} risk enterprises with outfalls on this "
                  f"river "
                  f"({n_major} major), e.g. {join_en(e['name_en'] for e in river_ents[:4])}"
                  f"{' (illustrative, fictitious names)' if fict else ''}. ")
    sens_txt_zh = "；".join(x for x in (join_zh([p["name_zh"] for p in own_ws]),
                                       join_zh([p["name_zh"] for p in own_secs], 6)) if x)
    down_txt_zh = join_zh([p["name_zh"] for p in down_ws])
    county_txt = join_zh(c for c, _ in counties)
    summary_zh = (f"{river['name_zh']}流经{join_zh(towns_zh)}（{county_txt}），"
                  f"汇入{recv_zh}。主要风险源：{fact['r']}。{ent_zh}"
                  f"本河敏感点：{sens_txt_zh or '无登记取水口和断面'}。"
                  + (f"下游敏感点：{down_txt_zh}。" if down_txt_zh else "")
                  + (f"污染可能经{exit_zh}出省，须按跨省事件研判。" if first_exit else ""))
    summary_en = (f"The {river['name_en']} flows past {join_en(towns_en)} into the {recv_en}. "
                  f"Main risk sources: {fact['re']}. {ent_en}"
                  f"Sensitive points on the river: "
                  f"{join_en([p['name_en'] for p in own_ws + own_secs], 8) or 'none registered'}. "
                  + (f"Downstream: {join_en(p['name_en'] for p in down_ws)}. " if down_ws else "")
                  + (f"Pollution may leave Gansu at {exit_en}: treat as cross-provincial."
                     if first_exit else "")).strip()

    return {
        "river_code": code,
        "title_zh": fmt(tpl["title_zh"], ctx),
        "title_en": fmt(tpl["title_en"], ctx),
        "version": tpl["version"],
        "source": ("generated by scripts/dataset/build_plans.py from the shared template "
                   "data/src/plans/template.yaml and the river facts in data/src/plans/rivers.yaml "
                   "(towns, counties and risk sources from general knowledge); reporting limits "
                   "from 突发环境事件信息报告办法 (MEP Order No. 17, 2011) Art. 3/4/8/12-14; other "
                   "time targets are planning targets of the template; treatment steps from the "
                   "Longjiang 2012, Hejiang 2013 and Longxing 2015 cases; responsible units follow "
                   "the published naming of Gansu's ecology-environment bureaus and branches; "
                   "contacts fictitious"),
        "risk_summary_zh": summary_zh,
        "risk_summary_en": summary_en,
        "sensitive_points": sens,
        "interception_points": [p["code"] for p in plan_ips],
        "contacts": contacts,
        "steps": steps,
    }


def hash_code(s: str) -> int:
    """Stable small hash (Python's hash() is salted per process)."""
    h = 0
    for ch in s:
        h = (h * 131 + ord(ch)) % 1000003
    return h


if __name__ == "__main__":
    sys.exit(main())
