"""pollutant physics: Class II limit, limit table, volatilisation, solubility, species

Issue 11 (safe-side, physically possible forecasts): intakes are judged against GB 3838-2002
Class II; volatilisation is a velocity over depth; no dissolved value above solubility;
masses are converted to the regulated species; behaviour gains "volatile".

Revision ID: h11phys01
Revises: h17ogc_feature_views
Create Date: 2026-12-06 02:40:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'h11phys01'
down_revision = 'h17ogc_feature_views'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pollutant') as b:
        b.add_column(sa.Column('limit_class2_mgl', sa.Float(), nullable=True))
        b.add_column(sa.Column('limit_source_table', sa.Integer(), nullable=True))
        b.add_column(sa.Column('volatilisation_m_per_day', sa.Float(), nullable=False,
                               server_default='0'))
        b.add_column(sa.Column('solubility_mgl', sa.Float(), nullable=True))
        b.add_column(sa.Column('species_zh', sa.Text(), nullable=True))
        b.add_column(sa.Column('species_en', sa.Text(), nullable=True))
        b.add_column(sa.Column('species_factor', sa.Float(), nullable=False,
                               server_default='1'))
    op.alter_column('pollutant', 'volatilisation_m_per_day', server_default=None)
    op.alter_column('pollutant', 'species_factor', server_default=None)
    op.drop_constraint(op.f('ck_pollutant_behaviour_known'), 'pollutant', type_='check')
    op.create_check_constraint(
        op.f('ck_pollutant_behaviour_known'), 'pollutant',
        "behaviour IN ('dissolves', 'floats', 'sinks', 'volatile')")
    op.create_check_constraint(op.f('ck_pollutant_limit_class2_positive'), 'pollutant',
                               'limit_class2_mgl IS NULL OR limit_class2_mgl > 0')
    op.create_check_constraint(op.f('ck_pollutant_limit_source_table_known'), 'pollutant',
                               'limit_source_table IS NULL OR limit_source_table IN (2, 3)')
    op.create_check_constraint(op.f('ck_pollutant_volatilisation_nonnegative'), 'pollutant',
                               'volatilisation_m_per_day >= 0')
    op.create_check_constraint(op.f('ck_pollutant_solubility_positive'), 'pollutant',
                               'solubility_mgl IS NULL OR solubility_mgl > 0')
    op.create_check_constraint(op.f('ck_pollutant_species_factor_range'), 'pollutant',
                               'species_factor > 0 AND species_factor <= 1')


def downgrade():
    for name in ('species_factor_range', 'solubility_positive', 'volatilisation_nonnegative',
                 'limit_source_table_known', 'limit_class2_positive'):
        op.drop_constraint(op.f(f'ck_pollutant_{name}'), 'pollutant', type_='check')
    op.execute("UPDATE pollutant SET behaviour = 'dissolves' WHERE behaviour = 'volatile'")
    op.drop_constraint(op.f('ck_pollutant_behaviour_known'), 'pollutant', type_='check')
    op.create_check_constraint(op.f('ck_pollutant_behaviour_known'), 'pollutant',
                               "behaviour IN ('dissolves', 'floats', 'sinks')")
    with op.batch_alter_table('pollutant') as b:
        for col in ('species_factor', 'species_en', 'species_zh', 'solubility_mgl',
                    'volatilisation_m_per_day', 'limit_source_table', 'limit_class2_mgl'):
            b.drop_column(col)
