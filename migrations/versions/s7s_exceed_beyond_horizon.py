"""Screening hits: exceedance beyond the horizon (the counted hours are a lower bound)

Revision ID: s7s_exceed_beyond_horizon
Revises: s7ogc_scenario_paths
Create Date: 2026-12-06 20:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 's7s_exceed_beyond_horizon'
down_revision = 's7ogc_scenario_paths'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('screening_hit', sa.Column(
        'exceed_beyond_horizon', sa.Boolean(), nullable=False,
        server_default=sa.text('false')))


def downgrade():
    op.drop_column('screening_hit', 'exceed_beyond_horizon')
