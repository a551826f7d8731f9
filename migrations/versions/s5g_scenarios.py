"""The scenario library: named, tagged spill scenarios

Revision ID: s5g_scenarios
Revises: s5n_register_edits
Create Date: 2026-12-06 08:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 's5g_scenarios'
down_revision = 's5n_register_edits'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scenario',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('tags', postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('enterprise_code', sa.String(40)),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('pollutant_code', sa.String(40), nullable=False),
        sa.Column('mass_kg', sa.Float(), nullable=False),
        sa.Column('duration_h', sa.Float(), nullable=False),
        sa.Column('season', sa.String(10), nullable=False),
        sa.Column('horizon_h', sa.Float(), nullable=False),
        sa.Column('source_incident_id', sa.Integer(),
                  sa.ForeignKey('incident.id', ondelete='SET NULL')),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column('created_by_id', sa.Integer(),
                  sa.ForeignKey('user_account.id', ondelete='SET NULL')),
        sa.Column('created_by_name', sa.Text(), nullable=False),
        sa.CheckConstraint("season IN ('dry', 'normal', 'flood')", name='season_known'),
        sa.CheckConstraint('mass_kg > 0', name='mass_positive'),
        sa.CheckConstraint('duration_h >= 0', name='duration_nonnegative'),
        sa.CheckConstraint('horizon_h > 0', name='horizon_positive'),
    )
    op.create_index('ix_scenario_tags', 'scenario', ['tags'], postgresql_using='gin')


def downgrade():
    op.drop_index('ix_scenario_tags', table_name='scenario')
    op.drop_table('scenario')
