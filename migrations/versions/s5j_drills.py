"""Drills: an incident of kind drill started from a scenario, with a script of injects

Revision ID: s5j_drills
Revises: s5g_scenarios
Create Date: 2026-12-06 09:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 's5j_drills'
down_revision = 's5g_scenarios'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'drill',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('incident_id', sa.Integer(),
                  sa.ForeignKey('incident.id', ondelete='CASCADE'), nullable=False,
                  unique=True),
        sa.Column('scenario_id', sa.Integer(),
                  sa.ForeignKey('scenario.id', ondelete='SET NULL')),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('speed', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('injects', postgresql.JSONB(), nullable=False),
        sa.Column('status', sa.String(10), nullable=False),
        sa.Column('created_by_id', sa.Integer(),
                  sa.ForeignKey('user_account.id', ondelete='SET NULL')),
        sa.Column('created_by_name', sa.Text(), nullable=False),
        sa.CheckConstraint('speed IN (1, 10, 60)', name='speed_known'),
        sa.CheckConstraint("status IN ('running', 'played', 'ended')", name='status_known'),
    )


def downgrade():
    op.drop_table('drill')
