"""OGC API - Features: read-only views of every layer in schema `ogc`

pygeoapi's PostgreSQL provider (webgis/ogc.py) publishes each view as a collection. The
views give every feature our code as its `id` (never a serial id), one geometry column
`geom` in EPSG:4326 (= CRS84 axis order for PostGIS), plain columns only (arrays joined
into text, so GDAL/QGIS see strings) and nothing about accounts: saved incidents' authors
are not in `ogc.incidents`.

Revision ID: h17ogc_feature_views
Revises: h12auth_sessions_tokens
Create Date: 2026-12-06 02:50:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h17ogc_feature_views'
down_revision = 'h12auth_sessions_tokens'
branch_labels = None
depends_on = None

VIEWS = {
    'rivers': """
        SELECT r.code AS id, r.name_zh, r.name_en, r.basin,
               rr.code AS receiving_code, r.receiving_name_zh, r.is_key, r.plan_batch,
               r.length_km, count(re.id)::integer AS reach_count, r.source,
               ST_Multi(ST_Collect(re.geom ORDER BY re.code))::geometry(MultiLineString, 4326)
                   AS geom
        FROM river r
        JOIN reach re ON re.river_id = r.id
        LEFT JOIN river rr ON rr.id = r.receiving_id
        GROUP BY r.id, rr.code
    """,
    'reaches': """
        SELECT re.code AS id, r.code AS river_code, r.name_zh AS river_name_zh,
               r.name_en AS river_name_en, dn.code AS downstream_code, re.end_kind,
               re.length_m, re.discharge_m3s, re.factor_dry, re.factor_normal,
               re.factor_flood, re.velocity_mps, re.width_m, re.depth_m, re.slope,
               re.is_reservoir, re.reservoir_name_zh, re.volume_m3, re.province, re.source,
               re.geom::geometry(LineString, 4326) AS geom
        FROM reach re
        JOIN river r ON r.id = re.river_id
        LEFT JOIN reach dn ON dn.id = re.downstream_id
    """,
    'admin_areas': """
        SELECT code AS id, name_zh, name_en, level, parent_code, source,
               geom::geometry(MultiPolygon, 4326) AS geom
        FROM admin_area
    """,
    'places': """
        SELECT code AS id, name_zh, name_en, kind, adcode, note, source,
               geom::geometry(Point, 4326) AS geom
        FROM place
    """,
    'enterprises': """
        SELECT e.code AS id, e.name_zh, e.name_en, e.industry, e.risk_level, e.plan_filed,
               e.fictitious, e.adcode, re.code AS outfall_reach_code, e.outfall_measure,
               (SELECT string_agg(p.code, ',' ORDER BY p.code)
                  FROM enterprise_substance es JOIN pollutant p ON p.id = es.pollutant_id
                 WHERE es.enterprise_id = e.id) AS substances,
               e.source, e.geom::geometry(Point, 4326) AS geom
        FROM enterprise e
        JOIN reach re ON re.id = e.outfall_reach_id
    """,
    'depots': """
        SELECT d.code AS id, d.name_zh, d.name_en, d.kind, d.status, d.operator, d.address,
               d.adcode, d.contact_name, d.contact_phone, d.fictitious_contact,
               (SELECT string_agg(m.code, ',' ORDER BY m.code)
                  FROM inventory i JOIN material m ON m.id = i.material_id
                 WHERE i.depot_id = d.id) AS materials,
               d.source, d.geom::geometry(Point, 4326) AS geom
        FROM depot d
    """,
    'teams': """
        SELECT code AS id, name_zh, name_en, base, adcode, headcount,
               array_to_string(specialities, ',') AS specialities,
               array_to_string(equipment, ',') AS equipment,
               contact_name, contact_phone, fictitious_contact, source,
               geom::geometry(Point, 4326) AS geom
        FROM rescue_team
    """,
    'intakes': """
        SELECT w.code AS id, w.name_zh, w.name_en, re.code AS reach_code, w.measure,
               w.population_served, w.serves, w.serves_name_zh, w.bank, w.source,
               w.geom::geometry(Point, 4326) AS geom
        FROM water_source w
        JOIN reach re ON re.id = w.reach_id
    """,
    'sections': """
        SELECT s.code AS id, s.name_zh, s.name_en, re.code AS reach_code, s.measure,
               s.level, s.target_class, s.is_exit, s.boundary, s.source,
               s.geom::geometry(Point, 4326) AS geom
        FROM monitoring_section s
        JOIN reach re ON re.id = s.reach_id
    """,
    'interception_points': """
        SELECT ip.code AS id, ip.name_zh, ip.name_en, re.code AS reach_code, ip.measure,
               ip.kind, ip.capacity_m3, ip.holding_h,
               array_to_string(ip.techniques, ',') AS techniques, ip.access,
               ip.access_road_km, ip.source, ip.geom::geometry(Point, 4326) AS geom
        FROM interception_point ip
        JOIN reach re ON re.id = ip.reach_id
    """,
    # Saved incidents and drills: the predicted path (the analysis result's path lines), not
    # the author (created_by_id stays out: account names are not for anonymous readers).
    # Incidents have no code: the id is the number of /api/v1/incidents/<id>, as text
    # (pygeoapi compares the id with the string from the URL for its prev/next links).
    'incidents': """
        SELECT i.id::text AS id, i.kind, i.title, i.created_at, i.river_code,
               i.result -> 'snap' ->> 'river_name' AS river_name_zh,
               i.pollutant_code, i.result -> 'pollutant' ->> 'name' AS pollutant_name_zh,
               i.result -> 'level' ->> 'suggested' AS suggested_level,
               (i.result ->> 'length_km')::double precision AS path_length_km,
               ST_X(i.geom) AS release_lon, ST_Y(i.geom) AS release_lat,
               p.geom::geometry(MultiLineString, 4326) AS geom
        FROM incident i
        CROSS JOIN LATERAL (
            SELECT ST_Multi(ST_CollectionExtract(ST_Collect(
                       ST_SetSRID(ST_GeomFromGeoJSON(f -> 'geometry'), 4326)), 2)) AS geom
            FROM jsonb_array_elements(
                CASE WHEN jsonb_typeof(i.result -> 'path' -> 'features') = 'array'
                     THEN i.result -> 'path' -> 'features' ELSE '[]'::jsonb END) AS f
            WHERE jsonb_typeof(f -> 'geometry') = 'object'
        ) AS p
        WHERE p.geom IS NOT NULL AND NOT ST_IsEmpty(p.geom)
    """,
}


def upgrade():
    op.execute('CREATE SCHEMA IF NOT EXISTS ogc')
    for name, sql in VIEWS.items():
        op.execute(f'CREATE VIEW ogc.{name} AS {sql}')


def downgrade():
    op.execute('DROP SCHEMA IF EXISTS ogc CASCADE')
