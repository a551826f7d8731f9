"""The words of downstream alerts (pure): subjects on one line, Chinese first, the worst
case stated before the expected one, drills marked, missing numbers shown as dashes."""

from __future__ import annotations

from datetime import UTC, datetime

from webgis.response import alert_text

CONTENT = {
    "incident_title": "黄河苯泄漏", "incident_kind": "incident", "recipient_name": "宁夏回族自治区",
    "pollutant_name": "苯", "pollutant_en": "benzene", "level": "II", "in_forecast": True,
    "river_km": 312.4, "arrival_h": 40.25, "worst_arrival_h": 30.04,
    "worst_arrival_at": "2026-05-02 14:02 (UTC+8)", "peak_conc_mgl": 1.234,
    "worst_peak_conc_mgl": 1.9251, "limit_mgl": 0.01, "exceeds": True,
}
URL = "https://gis.example/ack/TOKEN"


def test_subjects_name_the_kind_in_both_languages_on_one_line():
    assert alert_text.subject("alert", CONTENT) == (
        "【预警】黄河苯泄漏 → 宁夏回族自治区 / Alert: 黄河苯泄漏 → 宁夏回族自治区")
    assert alert_text.subject("update", CONTENT).startswith("【预警更新】")
    assert alert_text.subject("end", CONTENT).startswith("【解除预警】")
    assert "End of alert:" in alert_text.subject("end", CONTENT)
    evil = {**CONTENT, "incident_title": "a\r\nBcc: x@example.org"}
    assert "\n" not in alert_text.subject("alert", evil)
    drill = alert_text.subject("alert", {**CONTENT, "incident_kind": "drill"})
    assert drill.startswith("【演练】【预警】") and "[DRILL] Alert:" in drill


def test_the_body_states_the_worst_case_first_then_english_and_the_link():
    body = alert_text.body("alert", CONTENT, URL, "2026-05-04 08:00 (UTC+8)", "请关注")
    assert body.index("最不利情况 30.0 小时后") < body.index("预计 40.2 小时后")
    assert "最不利情况约 1.93 mg/L" in body and "预计约 1.23 mg/L" in body
    assert "（标准 0.01 mg/L），预计超标" in body and "说明：请关注" in body
    assert body.index("宁夏回族自治区生态环境部门") < body.index("Alert: 黄河苯泄漏")
    assert body.count(URL) == 2 and "2026-05-04 08:00 (UTC+8)" in body
    assert "earliest (worst case) in 30.0 h" in body and "Note: 请关注" in body


def test_the_end_and_a_recipient_out_of_the_forecast():
    end = alert_text.body("end", CONTENT, URL, "x")
    assert "本次预警解除" in end and "This alert has ended" in end
    assert "小时后" not in end
    gone = alert_text.body("update", {**CONTENT, "in_forecast": False}, URL, "x")
    assert "不再到达" in gone and "no longer reaches" in gone


def test_missing_numbers_are_dashes_and_times_are_china_standard_time():
    body = alert_text.body("alert", {"recipient_name": "x", "in_forecast": True}, URL, "x")
    assert "最不利情况 — 小时后" in body and "— mg/L" in body
    assert alert_text.local_time(datetime(2026, 5, 1, 0, 30, tzinfo=UTC)) == (
        "2026-05-01 08:30 (UTC+8)")
    assert alert_text.local_time(None) is None
