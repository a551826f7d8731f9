"""The survey import page in Chromium: an admin previews an XLSX of one depot's stock (the
report and the point on the small map), commits it, and commits the original back; a
refused file shows its row and field. No request leaves localhost."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from tests.e2e.conftest import ensure_user, sign_in

ADMIN = ("e2e_import_admin", "e2e import admin password")


@pytest.fixture(scope="module")
def admin(e2e_app) -> tuple[str, str]:
    return ensure_user(e2e_app, ADMIN[0], "admin", ADMIN[1])


def _stock(e2e_app) -> float:
    from webgis.extensions import db

    with e2e_app.app_context():
        try:
            return db.session.execute(text(
                "SELECT i.quantity FROM inventory i JOIN depot d ON d.id = i.depot_id JOIN "
                "material m ON m.id = i.material_id WHERE d.code = 'DEPOT-LZ' AND "
                "m.code = 'PAC_CARBON'")).scalar_one()
        finally:
            db.session.remove()


def _sheet(path: Path, quantity: float) -> Path:
    pd.DataFrame({"编码": ["DEPOT-LZ"], "经度": [103.612], "纬度": [36.097],
                  "物资": [f"PAC_CARBON:{quantity:g}"]}).to_excel(path, index=False)
    return path


def test_admin_previews_commits_and_sees_refusals(watched, live_server, admin, e2e_app,
                                                  tmp_path):
    page = watched.page
    sign_in(page, live_server, admin)
    page.goto(live_server + "/import")
    was = _stock(e2e_app)
    page.select_option("select[name=layer]", "depots")
    page.select_option("select[name=profile]", "zh_standard")
    page.set_input_files("input[name=file]", str(_sheet(tmp_path / "stock.xlsx", was + 1)))
    page.click("button[data-act=preview]")
    page.locator("#imp-summary", has_text="1 修改").wait_for()
    assert page.locator("#imp-map path.leaflet-interactive").count() >= 1  # the depot
    assert _stock(e2e_app) == was  # a preview stores nothing
    page.click("button[data-act=commit]")
    page.locator("#sup-msg", has_text="已保存").wait_for()
    assert _stock(e2e_app) == was + 1
    # the original back, through the page again
    page.set_input_files("input[name=file]", str(_sheet(tmp_path / "back.xlsx", was)))
    page.click("button[data-act=preview]")
    page.locator("#imp-summary", has_text="1 修改").wait_for()
    page.click("button[data-act=commit]")
    page.locator("#sup-msg", has_text="已保存").wait_for()
    assert _stock(e2e_app) == was
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name_zh,level,target_class,lon,lat\nS_E2E,甲,state,9,103.6,36.1\n")
    page.select_option("select[name=layer]", "sections")
    page.select_option("select[name=profile]", "")
    page.set_input_files("input[name=file]", str(bad))
    page.click("button[data-act=preview]")
    page.locator("#imp-problems tbody tr", has_text="target_class").wait_for()
    assert page.locator("#sup-msg.error").count() == 1
    assert page.locator("button[data-act=commit]").is_disabled()
    assert watched.errors == []
    assert watched.blocked == []
