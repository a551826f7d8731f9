"""Saved scenarios' paths for GIS clients: `scenario_path`, `ogc.scenario_paths` (#17)

A scenario stores its spill, not its forecast; a GIS client needs the forecast's line.
`scenario_path` keeps it per scenario (written by `webgis.services.scenarios` when a
scenario is created, edited or run, in the same transaction; deleted with the scenario)
with the dataset version it was computed on. Existing scenarios have no row until
`webgis scenarios refresh-paths` (the analysis needs the app, not just SQL).

`ogc.scenario_paths` publishes it: the scenario number as `id`, its name, tags (joined
with ","), pollutant, mass, the path's length, the first intake or monitoring section
reached in the worst case and when, the author (a planners' collection, signed-in only:
webgis.ogc.SIGNED_IN_ONLY) and when it was computed.

Revision ID: s7ogc_scenario_paths
Revises: s7ogc_drills_apart
Create Date: 2026-12-06 20:00:00

"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

# revision identifiers, used by Alembic.
revision = 's7ogc_scenario_paths'
down_revision = 's7ogc_drills_apart'
branch_labels = None
depends_on = None

VIEW = """
        SELECT s.id::text AS id, s.name, array_to_string(s.tags, ',') AS tags,
               s.pollutant_code AS pollutant, s.mass_kg, s.duration_h, s.season,
               s.horizon_h, s.enterprise_code, p.length_km, p.first_receptor_kind,
               p.first_receptor_code, p.first_receptor_name, p.worst_arrival_h,
               s.created_by_name AS author, p.dataset_version, p.computed_at,
               p.geom::geometry(MultiLineString, 4326) AS geom
        FROM scenario_path p
        JOIN scenario s ON s.id = p.scenario_id
        WHERE p.geom IS NOT NULL AND NOT ST_IsEmpty(p.geom)
"""


def upgrade():
    op.create_table(
        'scenario_path',
        sa.Column('scenario_id', sa.Integer(),
                  sa.ForeignKey('scenario.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('geom', Geometry(geometry_type='MULTILINESTRING', srid=4326, dimension=2,
                                   spatial_index=False, from_text='ST_GeomFromEWKT',
                                   name='geometry'), nullable=True),
        sa.Column('length_km', sa.Float(), nullable=False),
        sa.Column('first_receptor_kind', sa.String(20)),
        sa.Column('first_receptor_code', sa.Text()),
        sa.Column('first_receptor_name', sa.Text()),
        sa.Column('worst_arrival_h', sa.Float()),
        sa.Column('dataset_version', sa.Text(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.CheckConstraint('length_km >= 0', name='length_nonnegative'),
        sa.CheckConstraint('worst_arrival_h IS NULL OR worst_arrival_h >= 0',
                           name='arrival_nonnegative'),
    )
    op.create_geospatial_index('idx_scenario_path_geom', 'scenario_path', ['geom'],
                               unique=False, postgresql_using='gist', postgresql_ops={})
    op.execute(f'CREATE VIEW ogc.scenario_paths AS {VIEW}')


def downgrade():
    op.execute('DROP VIEW ogc.scenario_paths')
    op.drop_geospatial_index('idx_scenario_path_geom', table_name='scenario_path',
                             postgresql_using='gist', column_name='geom')
    op.drop_table('scenario_path')
