"""The typed settings the services take (webgis.config.Settings)."""

from __future__ import annotations

import pytest

from webgis.config import Settings, from_environment


def test_built_from_the_app_config_keys():
    cfg = {**from_environment(), "SNAP_MAX_M": 1234.0, "ROAD_CIRCUITY": 1.7,
           "ROAD_SPEED_KMH": 40, "TRANSFER_CACHE_MB": 8, "TOKEN_TTL_DAYS": 2,
           "PUBLIC_URL": None, "DATA_DIR": "/srv/data"}
    s = Settings.from_mapping(cfg)
    assert (s.snap_max_m, s.road_circuity, s.road_speed_kmh, s.transfer_cache_mb,
            s.token_ttl_days, s.public_url, s.data_dir) == (
        1234.0, 1.7, 40.0, 8.0, 2.0, "", "/srv/data")
    assert s.transfer_cache_bytes == 8 * 2**20


def test_the_environment_is_read_when_no_app_gives_settings(monkeypatch):
    monkeypatch.setenv("WEBGIS_SNAP_MAX_M", "250")
    assert Settings.from_environment().snap_max_m == 250.0


def test_answers_the_config_key_names():
    s = Settings(snap_max_m=10.0, road_speed_kmh=30.0)
    assert s["SNAP_MAX_M"] == 10.0 and s.get("ROAD_SPEED_KMH") == 30.0
    assert s.get("SECRET_KEY", "none") == "none"  # not a service setting: never handed out
    with pytest.raises(KeyError):
        s["SECRET_KEY"]
