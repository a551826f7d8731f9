"""Screening runs: the job queue, their credible releases and what each reaches

Revision ID: s5g_screening_jobs
Revises: s5e_dispatch_checklist
Create Date: 2026-12-06 07:30:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 's5g_screening_jobs'
down_revision = 's5e_dispatch_checklist'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'screening_job',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('kind', sa.String(10), nullable=False),
        sa.Column('status', sa.String(10), nullable=False),
        sa.Column('run_key', sa.String(64), nullable=False),
        sa.Column('dataset_key', sa.String(64), nullable=False),
        sa.Column('parameters', postgresql.JSONB(), nullable=False),
        sa.Column('progress', sa.Float(), nullable=False),
        sa.Column('spills_total', sa.Integer(), nullable=False),
        sa.Column('spills_done', sa.Integer(), nullable=False),
        sa.Column('chunks_total', sa.Integer(), nullable=False),
        sa.Column('chunks_done', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column('started_at', sa.DateTime(timezone=True)),
        sa.Column('finished_at', sa.DateTime(timezone=True)),
        sa.Column('created_by_id', sa.Integer(),
                  sa.ForeignKey('user_account.id', ondelete='SET NULL')),
        sa.Column('created_by_name', sa.Text(), nullable=False),
        sa.Column('cancelled_by_name', sa.Text()),
        sa.Column('runner', sa.Text()),
        sa.Column('engine', sa.Text()),
        sa.Column('error', sa.Text()),
        sa.Column('failed_chunks', postgresql.JSONB()),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'cancelled')",
                           name='status_known'),
        sa.CheckConstraint("kind IN ('province', 'area')", name='kind_known'),
        sa.CheckConstraint('progress >= 0 AND progress <= 1', name='progress_0_1'),
    )
    op.create_index('uq_screening_job_live_key', 'screening_job', ['run_key'], unique=True,
                    postgresql_where=sa.text("status IN ('queued', 'running', 'done')"))
    op.create_index('ix_screening_job_queued', 'screening_job', ['created_at'],
                    postgresql_where=sa.text("status = 'queued'"))
    op.create_table(
        'screening_spill',
        sa.Column('job_id', sa.Integer(),
                  sa.ForeignKey('screening_job.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('spill_no', sa.Integer(), primary_key=True),
        sa.Column('enterprise_code', sa.String(40), nullable=False),
        sa.Column('enterprise_name', sa.Text(), nullable=False),
        sa.Column('industry', sa.Text(), nullable=False),
        sa.Column('pollutant_code', sa.String(40), nullable=False),
        sa.Column('season', sa.String(10), nullable=False),
        sa.Column('stored_t', sa.Float(), nullable=False),
        sa.Column('storage', sa.String(12), nullable=False),
        sa.Column('fraction', sa.Float(), nullable=False),
        sa.Column('mass_kg', sa.Float(), nullable=False),
        sa.Column('capped', sa.Boolean(), nullable=False),
        sa.Column('reach_code', sa.String(40), nullable=False),
        sa.Column('measure', sa.Float(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
    )
    op.create_table(
        'screening_hit',
        sa.Column('id', sa.BigInteger(), primary_key=True),
        sa.Column('job_id', sa.Integer(),
                  sa.ForeignKey('screening_job.id', ondelete='CASCADE'), nullable=False),
        sa.Column('spill_no', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(20), nullable=False),
        sa.Column('receptor_code', sa.String(80), nullable=False),
        sa.Column('river_code', sa.String(40), nullable=False),
        sa.Column('river_km', sa.Float(), nullable=False),
        sa.Column('arrival_h', sa.Float(), nullable=False),
        sa.Column('peak_mgl', sa.Float(), nullable=False),
        sa.Column('limit_mgl', sa.Float()),
        sa.Column('ratio', sa.Float()),
        sa.Column('exceed_h', sa.Float()),
        sa.Column('flagged', sa.Boolean(), nullable=False),
        sa.Column('population_served', sa.Integer()),
    )
    op.create_index('ix_screening_hit_job_receptor', 'screening_hit',
                    ['job_id', 'receptor_code'])
    op.create_index('ix_screening_hit_job_spill', 'screening_hit', ['job_id', 'spill_no'])


def downgrade():
    op.drop_table('screening_hit')
    op.drop_table('screening_spill')
    op.drop_index('ix_screening_job_queued', table_name='screening_job')
    op.drop_index('uq_screening_job_live_key', table_name='screening_job')
    op.drop_table('screening_job')
