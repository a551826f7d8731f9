"""OGC API - Features: drills apart from incidents (issue 17, item 1)

`ogc.incidents` listed every saved incident *and* every drill, so a GIS client showed a
drill's path as if a real spill had happened. Now `ogc.incidents` holds real incidents only
(`kind = 'incident'`) and the new `ogc.drills` the drills, each title prefixed
【演练 DRILL】 (the drill's own "[演练] " prefix replaced, not doubled) and `is_drill` true,
with the drill's name and status when it was started from a scenario. Both views have
the same columns first, so a client reads them alike; neither has an author.

Revision ID: s7ogc_drills_apart
Revises: s5j_drills
Create Date: 2026-12-06 19:50:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 's7ogc_drills_apart'
down_revision = 's5j_drills'
branch_labels = None
depends_on = None

# The path lines of the saved analysis (its `path` features) as one MultiLineString.
_PATH = """
        CROSS JOIN LATERAL (
            SELECT ST_Multi(ST_CollectionExtract(ST_Collect(
                       ST_SetSRID(ST_GeomFromGeoJSON(f -> 'geometry'), 4326)), 2)) AS geom
            FROM jsonb_array_elements(
                CASE WHEN jsonb_typeof(i.result -> 'path' -> 'features') = 'array'
                     THEN i.result -> 'path' -> 'features' ELSE '[]'::jsonb END) AS f
            WHERE jsonb_typeof(f -> 'geometry') = 'object'
        ) AS p
"""

_COLUMNS = """
               i.created_at, i.river_code,
               i.result -> 'snap' ->> 'river_name' AS river_name_zh,
               i.pollutant_code, i.result -> 'pollutant' ->> 'name' AS pollutant_name_zh,
               i.result -> 'level' ->> 'suggested' AS suggested_level,
               (i.result ->> 'length_km')::double precision AS path_length_km,
               ST_X(i.geom) AS release_lon, ST_Y(i.geom) AS release_lat
"""

INCIDENTS = f"""
        SELECT i.id::text AS id, i.kind, false AS is_drill, i.title, {_COLUMNS},
               p.geom::geometry(MultiLineString, 4326) AS geom
        FROM incident i
        {_PATH}
        WHERE i.kind = 'incident' AND p.geom IS NOT NULL AND NOT ST_IsEmpty(p.geom)
"""

DRILLS = f"""
        SELECT i.id::text AS id, i.kind, true AS is_drill,
               '【演练 DRILL】' || regexp_replace(i.title, '^\\s*\\[演练\\]\\s*', '') AS title,
               {_COLUMNS},
               d.name AS drill_name, d.status AS drill_status, d.scenario_id,
               p.geom::geometry(MultiLineString, 4326) AS geom
        FROM incident i
        LEFT JOIN drill d ON d.incident_id = i.id
        {_PATH}
        WHERE i.kind = 'drill' AND p.geom IS NOT NULL AND NOT ST_IsEmpty(p.geom)
"""

# h17ogc_feature_views' incidents view (incidents and drills together), for downgrade.
BEFORE = f"""
        SELECT i.id::text AS id, i.kind, i.title, {_COLUMNS},
               p.geom::geometry(MultiLineString, 4326) AS geom
        FROM incident i
        {_PATH}
        WHERE p.geom IS NOT NULL AND NOT ST_IsEmpty(p.geom)
"""


def upgrade():
    op.execute('DROP VIEW ogc.incidents')
    op.execute(f'CREATE VIEW ogc.incidents AS {INCIDENTS}')
    op.execute(f'CREATE VIEW ogc.drills AS {DRILLS}')


def downgrade():
    op.execute('DROP VIEW ogc.drills')
    op.execute('DROP VIEW ogc.incidents')
    op.execute(f'CREATE VIEW ogc.incidents AS {BEFORE}')
