"""Labels of the response sheet in Simplified Chinese (default) and English.

The sheet is a document with its own vocabulary (a printed form), so its labels live
here rather than in the UI's gettext catalogue; ``label(key, lang)`` falls back to Chinese.
"""

from __future__ import annotations

from typing import Any

LABELS: dict[str, tuple[str, str]] = {
    # document
    "sheet_title": (
        "突发水污染事件现场处置工作单", "Field response sheet: water pollution incident"
    ),
    "default_title": ("{river}{pollutant}泄漏", "{pollutant} spill in the {river}"),
    "scenario": ("情景推演（未保存）", "scenario (not saved)"),
    "drill": ("演练", "DRILL"),
    "page": ("第 {n} 页 / 共 {total} 页", "page {n} of {total}"),
    "generated": ("生成于 {at}", "generated {at}"),
    "model_note": (
        "到达时间与浓度为一维模型估算：“预计”为期望情况，“最早”为最不利情况（流速上包络）；"
        "道路用时为估算；以现场监测为准。",
        "Arrival times and concentrations are 1D model estimates: 'expected' is the expected "
        "case, 'earliest' the worst case (upper-envelope velocity); road times are estimates. "
        "Field monitoring prevails.",
    ),
    "live_link": ("在线查看事件：", "Live incident: "),
    "scan": ("扫码查看在线事件", "scan for the live incident"),
    # header
    "incident": ("事件", "Incident"),
    "time": ("发生时间", "Time"),
    "discovered": ("发现时间", "Discovered"),
    "place": ("地点", "Place"),
    "place_value": (
        "{river}（河段 {reach}，距河道 {offset} m）  {lon}°E, {lat}°N",
        "{river} (reach {reach}, {offset} m from the channel)  {lon}°E, {lat}°N",
    ),
    "pollutant_mass": ("污染物及数量", "Pollutant and mass"),
    "mass_value": ("{name}  {mass} kg{duration}", "{name}  {mass} kg{duration}"),
    "instant": ("，瞬时排放", ", instantaneous"),
    "over_hours": ("，持续 {h} 小时", ", over {h} h"),
    "level": ("建议事件级别", "Suggested level"),
    "level_value": ("{level}级（{name}）", "level {level} ({name})"),
    "level_I": ("特别重大", "especially major"),
    "level_II": ("重大", "major"),
    "level_III": ("较大", "larger"),
    "level_IV": ("一般", "general"),
    "deadline": ("报告时限", "Reporting deadline"),
    "deadline_value": (
        "{at} 前（发现后 {minutes} 分钟内，按{report_as}级报告）",
        "by {at} ({minutes} min after discovery, report as level {report_as})",
    ),
    "officer": ("签发人 / 值班员", "Issuing officer"),
    "officer_blank": ("____________（签字）", "____________ (signature)"),
    "season_horizon": ("水期 / 预测时长", "Season / horizon"),
    "season_dry": ("枯水期", "dry season"),
    "season_normal": ("平水期", "normal flow"),
    "season_flood": ("丰水期", "flood season"),
    "hours": ("{h} 小时", "{h} h"),
    "reasons": ("定级依据", "Why this level"),
    # map
    "map": ("态势图", "Situation map"),
    "map_legend_incident": ("事发点", "incident"),
    "map_legend_path": ("污染团路径（到达时间，h）", "plume path (arrival, h)"),
    "map_legend_ws": ("饮用水水源取水口", "drinking-water intake"),
    "map_legend_section": ("监测断面", "monitoring section"),
    "map_legend_ip": ("拦截点", "interception point"),
    "map_legend_depot": ("物资库", "material depot"),
    "map_legend_team": ("救援队伍", "rescue team"),
    "map_legend_boundary": ("行政边界", "boundary crossing"),
    "map_legend_dispatch": ("调运方向", "dispatch"),
    "arrival_h": ("到达时间 (h)", "arrival (h)"),
    "km": ("公里", "km"),
    "north": ("北", "N"),
    # receptor table
    "receptors": ("沿程敏感点（按河道里程）", "Receptors downstream (by river km)"),
    "col_no": ("序", "#"),
    "col_kind": ("类型", "Kind"),
    "col_name": ("名称", "Name"),
    "col_km": ("里程 km", "km"),
    "col_arrival": ("到达（最早）", "Arrival (earliest)"),
    "col_arrival_clock": ("预计到达", "Expected arrival"),
    "col_earliest": ("最早到达", "Earliest arrival"),
    "col_peak_time": ("峰值时间", "Peak at"),
    "col_peak": ("峰值 mg/L", "Peak mg/L"),
    "col_peak_oil": ("溶解态石油类峰值 mg/L", "Dissolved petroleum peak mg/L"),
    "slick_line": (
        "油膜：{arr} 到达（最早 {warr}），{end} 过境结束（最晚 {wend}），"
        "长 {len} km（最长 {wlen} km），已蒸发 {ev}%",
        "Slick: arrives {arr} (earliest {warr}), passed by {end} (latest {wend}), "
        "{len} km long (longest {wlen} km), {ev}% evaporated",
    ),
    "oil_note": (
        "漂浮油品按油膜预测：油膜随表层流速漂移（预计为断面平均流速的1.18倍；最不利取1.25倍并计"
        "顺河风漂移，得最早到达，过境结束按平均流速取最晚，得最长油膜）；蒸发按Fingas经验式，仅计入"
        "预计情况。浓度为溶解/分散态石油类（GB 3838-2002 石油类 0.05 mg/L），以油品水溶组分"
        "（WAF {waf} mg/L）为上限，不是油品本体浓度。岸边滞留油可在油膜过境后持续释放。",
        "Floating oil is forecast as a slick moving with the surface current (1.18 × the "
        "cross-section mean velocity expected; the worst case takes 1.25 × plus down-river "
        "wind drift for the earliest arrival and the mean velocity for the latest passage "
        "end, i.e. the longest slick); evaporation by Fingas' equation, credited in the "
        "expected case only. Concentrations are dissolved/dispersed petroleum (GB 3838-2002 "
        "petroleum 0.05 mg/L), bounded by the product's water-accommodated fraction (WAF "
        "{waf} mg/L), never a bulk concentration of the product. Oil stranded on the banks "
        "can keep leaching after the slick has passed.",
    ),
    "sketch_slick": ("油膜 {arr} 到达，长 {len} km", "slick at {arr}, {len} km long"),
    "sketch_peak_oil": ("石油类 {peak} mg/L", "petroleum {peak} mg/L"),
    "col_limit": ("标准 mg/L", "Limit mg/L"),
    "col_exceed": ("超标倍数 / 时长", "× limit / hours"),
    "col_limit_basis": ("标准依据", "Limit basis"),
    "col_solubility": ("溶解度", "Solubility"),
    "col_near_field": ("近区", "Near field"),
    "exceeds_yes": ("超标", "above"),
    "undissolved": ("超过溶解度：未溶解的物质", "exceeds solubility: undissolved product"),
    "near_field": ("近区（岸边浓度高于断面平均）",
                   "near field (bank above the cross-section mean)"),
    "kind_water_source": ("取水口", "intake"),
    "kind_section": ("断面", "section"),
    "kind_interception": ("拦截点", "interception"),
    "kind_confluence": ("汇流", "confluence"),
    "kind_boundary": ("行政边界", "boundary"),
    # interception
    "interceptions": ("拦截点（自上游向下游）", "Interception points (upstream to downstream)"),
    "col_type": ("类型", "Type"),
    "col_capacity": ("容量 / 蓄滞", "Capacity / holding"),
    "col_techniques": ("可用技术", "Techniques"),
    "col_access": ("通行条件", "Access"),
    "col_plume": ("污染团最早到达", "Plume earliest"),
    "col_assigned": ("调派", "Assigned"),
    "holding": ("蓄滞 {h} 小时", "holds {h} h"),
    "access_road": ("距公路 {km} km", "{km} km from road"),
    "type_dam": ("拦河坝", "dam"),
    "type_hydropower": ("水电站", "hydropower"),
    "type_sluice": ("闸", "sluice"),
    "type_reservoir": ("水库", "reservoir"),
    "type_bridge": ("桥梁", "bridge"),
    "type_pond": ("应急池", "pond"),
    "type_shoal": ("河滩", "shoal"),
    "type_weir": ("堰", "weir"),
    "type_cofferdam_site": ("围堰点", "cofferdam site"),
    "tech_intercept": ("拦截", "intercept"),
    "tech_divert": ("导流", "divert"),
    "tech_dose": ("投药", "dose"),
    "tech_boom": ("围油栏", "boom"),
    "tech_absorb": ("吸附", "absorb"),
    "tech_store": ("蓄存", "store"),
    "tech_dilute": ("稀释", "dilute"),
    "tech_cofferdam": ("筑围堰", "cofferdam"),
    # depots and teams
    "depots": ("物资库及调运物资", "Depots and materials to dispatch"),
    "col_depot": ("物资库", "Depot"),
    "col_target": ("送往", "To"),
    "col_distance": ("路程 km", "Road km"),
    "col_travel": ("用时", "Travel"),
    "col_eta": ("预计到达", "ETA"),
    "col_in_time": ("先于污染团", "Before plume"),
    "col_materials": ("调运物资（适用本污染物）", "Materials (for this pollutant)"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "more_materials": ("等共 {n} 种", "({n} in all)"),
    "teams": ("救援队伍调派", "Team assignments"),
    "col_team": ("队伍", "Team"),
    "col_headcount": ("人数", "Staff"),
    "col_contact": ("联系人", "Contact"),
    "none": ("无", "none"),
    # plan
    "plan": ("处置步骤核对表", "Plan checklist"),
    "plan_from": ("依据：{title}", "From: {title}"),
    "col_done": ("完成", "Done"),
    "col_phase": ("阶段", "Phase"),
    "col_step": ("步骤", "Step"),
    "col_responsible": ("责任单位", "Responsible"),
    "col_due": ("时限", "Due"),
    "phase_report": ("报告", "report"),
    "phase_assess": ("研判", "assess"),
    "phase_contain": ("控制", "contain"),
    "phase_treat": ("处置", "treat"),
    "phase_monitor": ("监测", "monitor"),
    "phase_recover": ("恢复", "recover"),
    "due_value": ("{at}（{minutes} 分钟）", "{at} ({minutes} min)"),
    # contacts
    "contacts": ("联系方式", "Contacts"),
    "col_role": ("职责", "Role"),
    "col_unit": ("单位", "Unit"),
    "col_person": ("姓名", "Name"),
    "col_phone": ("电话", "Phone"),
    "fictitious": ("（示例）", " (sample)"),
    "notify": ("下游通报", "Downstream notifications"),
    "col_admin": ("通报对象", "Notify"),
    "col_reason": ("原因", "Reason"),
    # sketch
    "sketch": ("可能受影响的敏感点示意图", "Sketch map of sensitive points that may be affected"),
    "sketch_note": (
        "依《突发环境事件信息报告办法》第十三条，初报须附可能受影响的敏感点分布示意图。",
        "Art. 13 of the 2011 reporting measures: the initial report carries a sketch map "
        "of the sensitive points that may be affected.",
    ),
    "sketch_axis": ("距事发点河道里程（km）", "river km from the incident"),
    "sketch_start": ("事发点", "incident"),
    "sketch_peak": ("峰值 {peak} mg/L", "peak {peak} mg/L"),
    "sketch_limit": ("（标准 {limit}）", " (limit {limit})"),
    "exceed_mark": ("超标", "above limit"),
    # data files
    "sheet_receptors": ("敏感点", "Receptors"),
    "sheet_materials": ("物资", "Materials"),
    "sheet_summary": ("概况", "Summary"),
    "sheet_interceptions": ("拦截点", "Interception"),
    "sheet_teams": ("队伍", "Teams"),
    "sheet_plan": ("处置步骤", "Plan"),
    "sheet_contacts": ("联系方式", "Contacts"),
    "folder_path": ("污染团路径", "Plume path"),
    "folder_receptors": ("敏感点", "Receptors"),
    "folder_depots": ("物资库", "Depots"),
    "folder_teams": ("救援队伍", "Teams"),
    "route_name": ("{river}污染团路径", "Plume path, {river}"),
    "col_quantity": ("数量", "Quantity"),
    "col_unit_m": ("单位", "Unit"),
    "col_code": ("编码", "Code"),
    "col_lon": ("经度", "Lon"),
    "col_lat": ("纬度", "Lat"),
    "col_worst_arrival": ("最早到达 h", "Earliest arrival h"),
    "col_arrival_h": ("到达 h", "Arrival h"),
    "col_peak_h": ("峰值时间 h", "Peak h"),
    "col_exceeds": ("超标", "Exceeds"),
    "col_exceed_hours": ("超标时长 h", "Hours above"),
    "col_worst_peak": ("最不利峰值 mg/L", "Worst peak mg/L"),
    "col_worst_peak_oil": ("最不利溶解态石油类峰值 mg/L", "Worst dissolved petroleum peak mg/L"),
    "col_slick_arrival_h": ("油膜到达 h", "Slick arrival h"),
    "col_slick_worst_arrival_h": ("油膜最早到达 h", "Slick earliest arrival h"),
    "col_slick_end_h": ("油膜过境结束 h", "Slick passage end h"),
    "col_slick_worst_end_h": ("油膜最晚过境结束 h", "Slick latest passage end h"),
    "col_slick_length": ("油膜长度 km", "Slick length km"),
    "col_slick_worst_length": ("最长油膜 km", "Longest slick km"),
    "col_evaporated": ("已蒸发 %", "Evaporated %"),
    "col_river": ("河流", "River"),
    "col_field": ("项目", "Field"),
    "col_value": ("内容", "Value"),
}


def label(key: str, lang: str = "zh", **kw: Any) -> str:
    """The label in ``lang`` (zh or en), formatted with ``kw``; the key when unknown."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**kw) if kw else text
