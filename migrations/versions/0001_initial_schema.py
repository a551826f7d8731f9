"""initial schema: reference layers, incidents, users

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 18:30:44.955212

"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # PostGIS first: every layer has a geometry column. Downgrade keeps the extension,
    # which other databases objects (and the postgis/postgis image) may rely on.
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_geospatial_table('admin_area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('parent_code', sa.String(length=40), nullable=True),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.CheckConstraint("level IN ('province', 'prefecture', 'new_district')", name=op.f('ck_admin_area_level_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_area')),
    sa.UniqueConstraint('code', name=op.f('uq_admin_area_code'))
    )
    op.create_geospatial_index('idx_admin_area_geom', 'admin_area', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('dataset_layer',
    sa.Column('layer', sa.String(length=40), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('feature_count', sa.Integer(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('layer', name=op.f('pk_dataset_layer'))
    )
    op.create_geospatial_table('depot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('operator', sa.Text(), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('adcode', sa.String(length=12), nullable=True),
    sa.Column('contact_name', sa.Text(), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('fictitious_contact', sa.Boolean(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('provincial', 'basin')", name=op.f('ck_depot_kind_known')),
    sa.CheckConstraint("status IN ('operational', 'planned', 'under_construction')", name=op.f('ck_depot_status_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_depot')),
    sa.UniqueConstraint('code', name=op.f('uq_depot_code'))
    )
    op.create_geospatial_index('idx_depot_geom', 'depot', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('material',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('serves', postgresql.ARRAY(sa.String(length=20)), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material')),
    sa.UniqueConstraint('code', name=op.f('uq_material_code'))
    )
    op.create_geospatial_table('place',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('adcode', sa.String(length=12), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('capital', 'prefecture_seat', 'county_seat', 'town')", name=op.f('ck_place_kind_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place')),
    sa.UniqueConstraint('code', name=op.f('uq_place_code'))
    )
    op.create_geospatial_index('idx_place_geom', 'place', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('pollutant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cas', sa.String(length=20), nullable=True),
    sa.Column('pclass', sa.String(length=20), nullable=False),
    sa.Column('limit_class3_mgl', sa.Float(), nullable=True),
    sa.Column('limit_source_mgl', sa.Float(), nullable=True),
    sa.Column('limit_basis', sa.Text(), nullable=False),
    sa.Column('behaviour', sa.String(length=10), nullable=False),
    sa.Column('decay_per_day', sa.Float(), nullable=False),
    sa.Column('techniques_zh', sa.Text(), nullable=True),
    sa.Column('techniques_en', sa.Text(), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.CheckConstraint("behaviour IN ('dissolves', 'floats', 'sinks')", name=op.f('ck_pollutant_behaviour_known')),
    sa.CheckConstraint("pclass IN ('heavy_metal', 'metalloid', 'oil', 'volatile_organic', 'organic', 'acid_alkali', 'cyanide', 'nutrient', 'oxygen_demand', 'other')", name=op.f('ck_pollutant_pclass_known')),
    sa.CheckConstraint('decay_per_day >= 0', name=op.f('ck_pollutant_decay_nonnegative')),
    sa.CheckConstraint('limit_class3_mgl IS NULL OR limit_class3_mgl > 0', name=op.f('ck_pollutant_limit_class3_positive')),
    sa.CheckConstraint('limit_source_mgl IS NULL OR limit_source_mgl > 0', name=op.f('ck_pollutant_limit_source_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pollutant')),
    sa.UniqueConstraint('code', name=op.f('uq_pollutant_code'))
    )
    op.create_geospatial_table('rescue_team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('base', sa.Text(), nullable=False),
    sa.Column('adcode', sa.String(length=12), nullable=True),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('specialities', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('equipment', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('contact_name', sa.Text(), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('fictitious_contact', sa.Boolean(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.CheckConstraint('headcount >= 0', name=op.f('ck_rescue_team_headcount_nonnegative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rescue_team')),
    sa.UniqueConstraint('code', name=op.f('uq_rescue_team_code'))
    )
    op.create_geospatial_index('idx_rescue_team_geom', 'rescue_team', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('river',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('basin', sa.String(length=10), nullable=False),
    sa.Column('receiving_id', sa.Integer(), nullable=True),
    sa.Column('receiving_name_zh', sa.Text(), nullable=True),
    sa.Column('is_key', sa.Boolean(), nullable=False),
    sa.Column('plan_batch', sa.Integer(), nullable=True),
    sa.Column('length_km', sa.Float(), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.CheckConstraint("basin IN ('yellow', 'yangtze', 'inland')", name=op.f('ck_river_basin_known')),
    sa.CheckConstraint('length_km IS NULL OR length_km > 0', name=op.f('ck_river_length_positive')),
    sa.CheckConstraint('plan_batch IS NULL OR plan_batch IN (1, 2)', name=op.f('ck_river_plan_batch_1_2')),
    sa.ForeignKeyConstraint(['receiving_id'], ['river.id'], name=op.f('fk_river_receiving_id_river'), initially='DEFERRED', deferrable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_river')),
    sa.UniqueConstraint('code', name=op.f('uq_river_code'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'duty_officer', 'planner', 'field_team')", name=op.f('ck_user_account_role_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_account_token_hash')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    op.create_geospatial_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('river_code', sa.String(length=40), nullable=True),
    sa.Column('pollutant_code', sa.String(length=40), nullable=True),
    sa.Column('request', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('result', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint("kind IN ('incident', 'drill')", name=op.f('ck_incident_kind_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_incident_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident'))
    )
    op.create_geospatial_index('idx_incident_geom', 'incident', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('inventory',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('depot_id', sa.Integer(), nullable=False),
    sa.Column('material_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_inventory_quantity_nonnegative')),
    sa.ForeignKeyConstraint(['depot_id'], ['depot.id'], name=op.f('fk_inventory_depot_id_depot'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['material_id'], ['material.id'], name=op.f('fk_inventory_material_id_material')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory')),
    sa.UniqueConstraint('depot_id', 'material_id', name='uq_inventory_depot_material')
    )
    op.create_index(op.f('ix_inventory_depot_id'), 'inventory', ['depot_id'], unique=False)
    op.create_index(op.f('ix_inventory_material_id'), 'inventory', ['material_id'], unique=False)
    op.create_geospatial_table('reach',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('river_id', sa.Integer(), nullable=False),
    sa.Column('downstream_id', sa.Integer(), nullable=True),
    sa.Column('end_kind', sa.String(length=20), nullable=True),
    sa.Column('length_m', sa.Float(), nullable=False),
    sa.Column('discharge_m3s', sa.Float(), nullable=False),
    sa.Column('factor_dry', sa.Float(), nullable=False),
    sa.Column('factor_normal', sa.Float(), nullable=False),
    sa.Column('factor_flood', sa.Float(), nullable=False),
    sa.Column('velocity_mps', sa.Float(), nullable=True),
    sa.Column('width_m', sa.Float(), nullable=True),
    sa.Column('depth_m', sa.Float(), nullable=True),
    sa.Column('slope', sa.Float(), nullable=True),
    sa.Column('is_reservoir', sa.Boolean(), nullable=False),
    sa.Column('reservoir_name_zh', sa.Text(), nullable=True),
    sa.Column('volume_m3', sa.Float(), nullable=True),
    sa.Column('province', sa.String(length=12), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='LINESTRING', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint("end_kind IS NULL OR end_kind IN ('outlet', 'terminal_lake')", name=op.f('ck_reach_end_kind_known')),
    sa.CheckConstraint('NOT is_reservoir OR volume_m3 IS NOT NULL', name=op.f('ck_reach_reservoir_volume')),
    sa.CheckConstraint('depth_m IS NULL OR depth_m > 0', name=op.f('ck_reach_depth_positive')),
    sa.CheckConstraint('discharge_m3s > 0', name=op.f('ck_reach_discharge_positive')),
    sa.CheckConstraint('downstream_id IS NULL OR downstream_id <> id', name=op.f('ck_reach_not_self_downstream')),
    sa.CheckConstraint('factor_dry > 0 AND factor_normal > 0 AND factor_flood > 0', name=op.f('ck_reach_factors_positive')),
    sa.CheckConstraint('length_m > 0', name=op.f('ck_reach_length_positive')),
    sa.CheckConstraint('slope IS NULL OR slope > 0', name=op.f('ck_reach_slope_positive')),
    sa.CheckConstraint('velocity_mps IS NULL OR velocity_mps > 0', name=op.f('ck_reach_velocity_positive')),
    sa.CheckConstraint('volume_m3 IS NULL OR volume_m3 >= 0', name=op.f('ck_reach_volume_nonnegative')),
    sa.CheckConstraint('width_m IS NULL OR width_m > 0', name=op.f('ck_reach_width_positive')),
    sa.ForeignKeyConstraint(['downstream_id'], ['reach.id'], name=op.f('fk_reach_downstream_id_reach'), initially='DEFERRED', deferrable=True),
    sa.ForeignKeyConstraint(['river_id'], ['river.id'], name=op.f('fk_reach_river_id_river')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reach')),
    sa.UniqueConstraint('code', name=op.f('uq_reach_code'))
    )
    op.create_geospatial_index('idx_reach_geom', 'reach', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_reach_downstream_id'), 'reach', ['downstream_id'], unique=False)
    op.create_index(op.f('ix_reach_river_id'), 'reach', ['river_id'], unique=False)
    op.create_table('river_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('river_id', sa.Integer(), nullable=False),
    sa.Column('title_zh', sa.Text(), nullable=False),
    sa.Column('title_en', sa.Text(), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('risk_summary_zh', sa.Text(), nullable=False),
    sa.Column('risk_summary_en', sa.Text(), nullable=False),
    sa.Column('sensitive_points', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('contacts', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('interception_codes', postgresql.ARRAY(sa.String(length=40)), nullable=False),
    sa.ForeignKeyConstraint(['river_id'], ['river.id'], name=op.f('fk_river_plan_river_id_river')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_river_plan')),
    sa.UniqueConstraint('code', name=op.f('uq_river_plan_code')),
    sa.UniqueConstraint('river_id', name=op.f('uq_river_plan_river_id'))
    )
    op.create_geospatial_table('enterprise',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('industry', sa.Text(), nullable=False),
    sa.Column('risk_level', sa.String(length=10), nullable=False),
    sa.Column('plan_filed', sa.Boolean(), nullable=False),
    sa.Column('fictitious', sa.Boolean(), nullable=False),
    sa.Column('adcode', sa.String(length=12), nullable=True),
    sa.Column('outfall_reach_id', sa.Integer(), nullable=False),
    sa.Column('outfall_measure', sa.Float(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.CheckConstraint("risk_level IN ('major', 'larger', 'general')", name=op.f('ck_enterprise_risk_level_known')),
    sa.CheckConstraint('outfall_measure >= 0 AND outfall_measure <= 1', name=op.f('ck_enterprise_measure_0_1')),
    sa.ForeignKeyConstraint(['outfall_reach_id'], ['reach.id'], name=op.f('fk_enterprise_outfall_reach_id_reach')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise')),
    sa.UniqueConstraint('code', name=op.f('uq_enterprise_code'))
    )
    op.create_geospatial_index('idx_enterprise_geom', 'enterprise', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_enterprise_outfall_reach_id'), 'enterprise', ['outfall_reach_id'], unique=False)
    op.create_geospatial_table('interception_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('capacity_m3', sa.Float(), nullable=True),
    sa.Column('holding_h', sa.Float(), nullable=True),
    sa.Column('techniques', postgresql.ARRAY(sa.String(length=20)), nullable=False),
    sa.Column('access', sa.Text(), nullable=False),
    sa.Column('access_road_km', sa.Float(), nullable=True),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('measure', sa.Float(), nullable=False),
    sa.Column('reach_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('dam', 'hydropower', 'sluice', 'reservoir', 'bridge', 'pond', 'shoal', 'weir', 'cofferdam_site')", name=op.f('ck_interception_point_kind_known')),
    sa.CheckConstraint('access_road_km IS NULL OR access_road_km >= 0', name=op.f('ck_interception_point_access_road_nonnegative')),
    sa.CheckConstraint('capacity_m3 IS NOT NULL OR holding_h IS NOT NULL', name=op.f('ck_interception_point_capacity_or_holding')),
    sa.CheckConstraint('capacity_m3 IS NULL OR capacity_m3 >= 0', name=op.f('ck_interception_point_capacity_nonnegative')),
    sa.CheckConstraint('holding_h IS NULL OR holding_h >= 0', name=op.f('ck_interception_point_holding_nonnegative')),
    sa.CheckConstraint('measure >= 0 AND measure <= 1', name=op.f('ck_interception_point_measure_0_1')),
    sa.ForeignKeyConstraint(['reach_id'], ['reach.id'], name=op.f('fk_interception_point_reach_id_reach')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interception_point')),
    sa.UniqueConstraint('code', name=op.f('uq_interception_point_code'))
    )
    op.create_geospatial_index('idx_interception_point_geom', 'interception_point', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_interception_point_reach_id'), 'interception_point', ['reach_id'], unique=False)
    op.create_geospatial_table('monitoring_section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('target_class', sa.Integer(), nullable=False),
    sa.Column('is_exit', sa.Boolean(), nullable=False),
    sa.Column('boundary', sa.Text(), nullable=True),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('measure', sa.Float(), nullable=False),
    sa.Column('reach_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("level IN ('state', 'province')", name=op.f('ck_monitoring_section_level_known')),
    sa.CheckConstraint('measure >= 0 AND measure <= 1', name=op.f('ck_monitoring_section_measure_0_1')),
    sa.CheckConstraint('target_class BETWEEN 1 AND 5', name=op.f('ck_monitoring_section_target_class_1_5')),
    sa.ForeignKeyConstraint(['reach_id'], ['reach.id'], name=op.f('fk_monitoring_section_reach_id_reach')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_section')),
    sa.UniqueConstraint('code', name=op.f('uq_monitoring_section_code'))
    )
    op.create_geospatial_index('idx_monitoring_section_geom', 'monitoring_section', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_monitoring_section_reach_id'), 'monitoring_section', ['reach_id'], unique=False)
    op.create_table('plan_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=10), nullable=False),
    sa.Column('order', sa.Integer(), nullable=False),
    sa.Column('text_zh', sa.Text(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('responsible', sa.Text(), nullable=False),
    sa.Column('due_min', sa.Integer(), nullable=True),
    sa.Column('classes', postgresql.ARRAY(sa.String(length=20)), nullable=False),
    sa.Column('min_level', sa.String(length=3), nullable=True),
    sa.CheckConstraint("min_level IS NULL OR min_level IN ('I', 'II', 'III', 'IV')", name=op.f('ck_plan_step_min_level_known')),
    sa.CheckConstraint("phase IN ('report', 'assess', 'contain', 'treat', 'monitor', 'recover')", name=op.f('ck_plan_step_phase_known')),
    sa.CheckConstraint('"order" >= 1', name=op.f('ck_plan_step_order_positive')),
    sa.CheckConstraint('due_min IS NULL OR due_min >= 0', name=op.f('ck_plan_step_due_nonnegative')),
    sa.ForeignKeyConstraint(['plan_id'], ['river_plan.id'], name=op.f('fk_plan_step_plan_id_river_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_step')),
    sa.UniqueConstraint('plan_id', 'phase', 'order', name='uq_plan_step_order')
    )
    op.create_index(op.f('ix_plan_step_plan_id'), 'plan_step', ['plan_id'], unique=False)
    op.create_geospatial_table('water_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('population_served', sa.Integer(), nullable=False),
    sa.Column('serves', sa.String(length=10), nullable=False),
    sa.Column('serves_name_zh', sa.Text(), nullable=False),
    sa.Column('bank', sa.String(length=5), nullable=True),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('measure', sa.Float(), nullable=False),
    sa.Column('reach_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("bank IS NULL OR bank IN ('left', 'right')", name=op.f('ck_water_source_bank_known')),
    sa.CheckConstraint("serves IN ('city', 'county', 'township')", name=op.f('ck_water_source_serves_known')),
    sa.CheckConstraint('measure >= 0 AND measure <= 1', name=op.f('ck_water_source_measure_0_1')),
    sa.CheckConstraint('population_served >= 0', name=op.f('ck_water_source_population_nonnegative')),
    sa.ForeignKeyConstraint(['reach_id'], ['reach.id'], name=op.f('fk_water_source_reach_id_reach')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_water_source')),
    sa.UniqueConstraint('code', name=op.f('uq_water_source_code'))
    )
    op.create_geospatial_index('idx_water_source_geom', 'water_source', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_water_source_reach_id'), 'water_source', ['reach_id'], unique=False)
    op.create_table('enterprise_substance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('pollutant_id', sa.Integer(), nullable=False),
    sa.Column('max_t', sa.Float(), nullable=False),
    sa.CheckConstraint('max_t >= 0', name=op.f('ck_enterprise_substance_max_t_nonnegative')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_enterprise_substance_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pollutant_id'], ['pollutant.id'], name=op.f('fk_enterprise_substance_pollutant_id_pollutant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_substance')),
    sa.UniqueConstraint('enterprise_id', 'pollutant_id', name='uq_substance_enterprise_pollutant')
    )
    op.create_index(op.f('ix_enterprise_substance_enterprise_id'), 'enterprise_substance', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_enterprise_substance_pollutant_id'), 'enterprise_substance', ['pollutant_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_enterprise_substance_pollutant_id'), table_name='enterprise_substance')
    op.drop_index(op.f('ix_enterprise_substance_enterprise_id'), table_name='enterprise_substance')
    op.drop_table('enterprise_substance')
    op.drop_index(op.f('ix_water_source_reach_id'), table_name='water_source')
    op.drop_geospatial_index('idx_water_source_geom', table_name='water_source', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('water_source')
    op.drop_index(op.f('ix_plan_step_plan_id'), table_name='plan_step')
    op.drop_table('plan_step')
    op.drop_index(op.f('ix_monitoring_section_reach_id'), table_name='monitoring_section')
    op.drop_geospatial_index('idx_monitoring_section_geom', table_name='monitoring_section', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('monitoring_section')
    op.drop_index(op.f('ix_interception_point_reach_id'), table_name='interception_point')
    op.drop_geospatial_index('idx_interception_point_geom', table_name='interception_point', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('interception_point')
    op.drop_index(op.f('ix_enterprise_outfall_reach_id'), table_name='enterprise')
    op.drop_geospatial_index('idx_enterprise_geom', table_name='enterprise', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('enterprise')
    op.drop_table('river_plan')
    op.drop_index(op.f('ix_reach_river_id'), table_name='reach')
    op.drop_index(op.f('ix_reach_downstream_id'), table_name='reach')
    op.drop_geospatial_index('idx_reach_geom', table_name='reach', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('reach')
    op.drop_index(op.f('ix_inventory_material_id'), table_name='inventory')
    op.drop_index(op.f('ix_inventory_depot_id'), table_name='inventory')
    op.drop_table('inventory')
    op.drop_geospatial_index('idx_incident_geom', table_name='incident', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('incident')
    op.drop_table('user_account')
    op.drop_table('river')
    op.drop_geospatial_index('idx_rescue_team_geom', table_name='rescue_team', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('rescue_team')
    op.drop_table('pollutant')
    op.drop_geospatial_index('idx_place_geom', table_name='place', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('place')
    op.drop_table('material')
    op.drop_geospatial_index('idx_depot_geom', table_name='depot', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('depot')
    op.drop_table('dataset_layer')
    op.drop_geospatial_index('idx_admin_area_geom', table_name='admin_area', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('admin_area')
