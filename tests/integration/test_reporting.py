"""Issue 11 (5): the reporting clock from discovery, Art. 4 (1) from a share of the limit,
standby intakes, the 2014 plan's other criteria, and the plan and resources fitted to the
spill — through `POST /api/v1/incidents/analyze` and `webgis analyze`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from webgis.response.level import SOURCE_ALERT_SHARE

BODY = {
    "location": {"lon": 103.1, "lat": 35.92},  # the mini fixture's tributary
    "pollutant": "BENZENE",
    "release": {"mass_kg": 2000, "duration_h": 0},
    "season": "normal",
    "horizon_h": 72,
    "started_at": "2026-05-01T08:00:00+08:00",
}


def _analyze(client, **extra):
    resp = client.post("/api/v1/incidents/analyze", json={**BODY, **extra})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _criteria(rows):
    return [r["criterion"] for r in rows]


def test_the_report_clock_counts_from_discovery(client):
    # released 08:00, discovered 10:30: the deadline is 10:30 + 2 h or 4 h, not 08:00 + ...
    r = _analyze(client, discovered_at="2026-05-01T10:30:00+08:00")
    lv = r["level"]
    assert lv["discovered_at"] == "2026-05-01T10:30:00+08:00"
    assert r["request"]["discovered_at"] == "2026-05-01T10:30:00+08:00"
    assert r["request"]["started_at"] == "2026-05-01T08:00:00+08:00"
    due = {120: "2026-05-01T12:30:00+08:00", 240: "2026-05-01T14:30:00+08:00"}
    assert lv["report_due_at"] == due[lv["report_due_min"]]
    if lv["report_as"] == "I/II":  # the province reports to the ministry within 1 h
        assert lv["province_to_mee_due_at"] == "2026-05-01T13:30:00+08:00"


def test_discovery_defaults_to_now_or_to_a_later_start(client):
    before = datetime.now(UTC).replace(microsecond=0)
    lv = _analyze(client)["level"]
    found = datetime.fromisoformat(lv["discovered_at"])
    assert before <= found <= datetime.now(UTC)
    later = (before + timedelta(hours=3)).isoformat()  # a drill set for later today
    assert _analyze(client, started_at=later)["level"]["discovered_at"] == later


def test_discovery_without_offset_is_utc(client):
    lv = _analyze(client, discovered_at="2026-05-01T03:00:00")["level"]
    assert lv["discovered_at"] == "2026-05-01T03:00:00+00:00"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"discovered_at": "2026-05-01T07:59:00+08:00"}, "discovered_at"),  # before the start
        ({"discovered_at": "2099-01-01T00:00:00+08:00"}, "discovered_at"),  # far future
        ({"discovered_at": "soon"}, "discovered_at"),
        ({"discovered_at": 12}, "discovered_at"),
        ({"ecology": "dead fish"}, "ecology"),
        ({"sensitive_groups": "yes"}, "sensitive_groups"),
        ({"mass_incident": 1}, "mass_incident"),
    ],
)
def test_bad_reporting_input_is_422_naming_the_field(client, extra, field):
    resp = client.post("/api/v1/incidents/analyze", json={**BODY, **extra})
    assert resp.status_code == 422, resp.get_json()
    body = resp.get_json()
    assert field in body["fields"] and body["error"]


def test_the_2014_criteria_are_inputs_and_reasons(client):
    r = _analyze(client, ecology="function_lost", sensitive_groups=True, mass_incident=True,
                 evacuated=12_000)
    lv = r["level"]
    assert lv["suggested"] == "I"
    eco = next(x for x in lv["reasons"] if x["criterion"] == "ecology")
    assert eco["level"] == "I" and eco["text_zh"] and eco["text_en"]
    assert next(x for x in lv["reasons"] if x["criterion"] == "evacuated")["level"] == "II"
    assert {"art4_2", "art4_5"} <= set(_criteria(lv["report_reasons"]))
    assert lv["report_as"] == "I/II" and lv["report_due_min"] == 120
    req = r["request"]
    assert (req["ecology"], req["sensitive_groups"], req["mass_incident"],
            req["evacuated"]) == ("function_lost", True, True, 12_000)


def _intake(r):
    return next(x for x in r["receptors"] if x["code"] == "WS_A")


def _worst_share(r):
    w = _intake(r)
    return w["worst"]["peak_conc_mgl"] / w["limit_mgl"]


@pytest.mark.parametrize(("share", "triggered"), [(0.3, True), (0.03, False)])
def test_art4_1_triggers_below_an_exceedance(client, share, triggered):
    """A worst-case peak of 30 % of the intake's limit is "may be affected"; 3 % is not."""
    base = _worst_share(_analyze(client))
    mass = 2000 * share / base  # concentrations scale with the mass
    r = _analyze(client, release={"mass_kg": mass, "duration_h": 0})
    got = _worst_share(r)
    assert got == pytest.approx(share, rel=0.05)
    assert not _intake(r)["exceeds"] and not _intake(r)["worst"]["exceeds"]
    art4_1 = [x for x in r["level"]["report_reasons"] if x["criterion"] == "art4_1"]
    assert bool(art4_1) == triggered == (got >= SOURCE_ALERT_SHARE)
    if triggered:
        assert "甲水源地" in art4_1[0]["text_zh"] and f"{got:.0%}" in art4_1[0]["text_zh"]
        assert r["level"]["report_as"] == "I/II" and r["level"]["report_due_min"] == 120


def test_cli_flags_give_the_api_result(runner, client):
    api = _analyze(client, discovered_at="2026-05-01T09:00:00+08:00", ecology="species_damaged",
                   sensitive_groups=True, casualties={"deaths": 3, "poisoned": 0})
    out = runner.invoke(args=[
        "analyze", "--lon", "103.1", "--lat", "35.92", "--pollutant", "BENZENE", "--mass-kg",
        "2000", "--started-at", BODY["started_at"], "--discovered-at",
        "2026-05-01T09:00:00+08:00", "--ecology", "species_damaged", "--sensitive-groups",
        "--deaths", "3", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["level"] == api["level"]
    table = runner.invoke(args=[
        "analyze", "--lon", "103.1", "--lat", "35.92", "--pollutant", "BENZENE", "--mass-kg",
        "2000", "--started-at", BODY["started_at"], "--discovered-at",
        "2026-05-01T09:00:00+08:00"])
    assert table.exit_code == 0, table.output
    assert "of discovery (2026-05-01T09:00:00+08:00)" in table.output


def test_resources_keep_every_row_and_mark_the_useful_ones(client):
    r = _analyze(client)
    for rows in (r["depots"], r["teams"]):
        flags = [x["useful"] for x in rows]
        assert flags and flags[0]
        assert flags == sorted(flags, reverse=True)  # the useful ones are the head


# --- on the bundled Gansu dataset ---------------------------------------------------------

# HUANGHE-133 at 0.2 of its length, ~4 km above Lanzhou's Xiliugou intake (standby, no
# population served); within 6 h the plume reaches no other intake and no boundary.
XILIUGOU_SPILL = {"location": {"lon": 103.54304, "lat": 36.11887}, "pollutant": "BENZENE",
                  "release": {"mass_kg": 10000}, "horizon_h": 6}


def test_a_standby_intake_is_listed_but_does_not_make_it_level_i(bundled_client):
    resp = bundled_client.post("/api/v1/incidents/analyze", json=XILIUGOU_SPILL)
    assert resp.status_code == 200, resp.get_json()
    r = resp.get_json()
    standby = next(x for x in r["receptors"] if x["code"] == "WS-HH-LANZHOU-XLG")
    assert standby["exceeds"]  # far above the limit...
    lv = r["level"]
    assert "intake" not in _criteria(lv["reasons"])  # ...but it serves nobody
    assert lv["suggested"] != "I"
    assert lv["standby_intakes"] == [standby["name"]]
    art4_1 = next(x for x in lv["report_reasons"] if x["criterion"] == "art4_1")
    assert standby["name"] in art4_1["text_zh"]  # still a protected source (Art. 4 (1))


def test_the_plan_is_fitted_to_the_prefectures_the_plume_touches(bundled_client):
    # cadmium on the Wei at Tianshui (WEIHE-016): the Wei plan names Dingxi's and
    # Tianshui's units; the plume runs from Tianshui into Shaanxi
    body = {"location": {"lon": 105.82703, "lat": 34.62069}, "pollutant": "CADMIUM",
            "release": {"mass_kg": 500}, "horizon_h": 48}
    resp = bundled_client.post("/api/v1/incidents/analyze", json=body)
    assert resp.status_code == 200, resp.get_json()
    r = resp.get_json()
    plan = r["plan"]
    assert plan["river_code"] == "WEIHE" and plan["prefectures"] == ["天水市"]
    text = " ".join(s["responsible"] for s in plan["steps"])
    assert "天水市生态环境局麦积分局" in text and "定西市" not in text
    reached = {x["code"] for x in r["receptors"] if x["kind"] == "interception"}
    assert plan["interception_points"] and set(plan["interception_points"]) <= reached
    assert "IP-WEI-LONGXI-WEIR" not in plan["interception_points"]  # upstream, in Dingxi
    for rows in (r["depots"], r["teams"]):
        assert len(rows) > 10 and 1 <= sum(x["useful"] for x in rows) <= 5


def test_a_plume_across_a_prefecture_boundary_keeps_both_sides(bundled_client):
    # cadmium on the Yellow River in Lanzhou (HUANGHE-133): within 24 h into Baiyin; the
    # Yellow River plan also names Gannan's, Linxia's and Qinghai-border units upstream
    body = {"location": {"lon": 103.53759, "lat": 36.13183}, "pollutant": "CADMIUM",
            "release": {"mass_kg": 500}, "horizon_h": 24}
    resp = bundled_client.post("/api/v1/incidents/analyze", json=body)
    assert resp.status_code == 200, resp.get_json()
    plan = resp.get_json()["plan"]
    assert plan["river_code"] == "HUANGHE" and plan["prefectures"] == ["兰州市", "白银市"]
    text = " ".join(s["responsible"] for s in plan["steps"])
    assert "兰州市生态环境局西固分局" in text and "白银市生态环境局靖远分局" in text
    assert "甘南" not in text and "临夏" not in text
