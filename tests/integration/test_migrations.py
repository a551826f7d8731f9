"""Models and migrations do not drift; upgrade → downgrade → upgrade works on real PostGIS."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from webgis import create_app

DBNAME = "webgis_migrations"


@pytest.fixture(scope="module")
def scratch_url(database_url):
    """A separate database, so the round trip does not touch the shared test data."""
    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DBNAME}"'))
        conn.execute(text(f'CREATE DATABASE "{DBNAME}"'))
    admin.dispose()
    yield url.set(database=DBNAME).render_as_string(hide_password=False)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DBNAME}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_downgrade_upgrade_and_no_drift(scratch_url):
    from flask_migrate import downgrade, upgrade

    from webgis.extensions import db
    from webgis.migrations_filter import include_object

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"reach", "river", "water_source", "user_account", "incident"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"spatial_ref_sys", "alembic_version"}
        upgrade()
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"include_object": include_object,
                                                         "compare_type": True})
            diff = compare_metadata(ctx, db.metadata)
        assert diff == []
        # GiST indexes on geometry columns exist.
        with db.engine.connect() as conn:
            gist = conn.execute(text(
                "SELECT count(*) FROM pg_indexes WHERE indexdef ILIKE '%USING gist%'"
                " AND schemaname = 'public'")).scalar()
        assert gist >= 10
        db.engine.dispose()
