"""river plans as living documents: versions drafted, reviewed and issued in the product

Issue 17 item 4. Each river plan's steps are edited in the browser as versions: a draft,
reviewed, then issued; the issued version is the one incidents use (until then, the bundled
steps). Issuing supersedes the previous issued version. The bundled starting state of the
88 key rivers' plans (the department's reported 35 compiled, 53 to go) follows from each
river's `plan_batch` and is shown as reported, never as recorded.

Revision ID: s5m_plan_versions
Revises: s5l_risk_supervision
Create Date: 2026-12-06 07:50:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 's5m_plan_versions'
down_revision = 's5l_risk_supervision'
branch_labels = None
depends_on = None

STATUSES = ("draft", "reviewed", "issued", "superseded")


def upgrade():
    op.create_table(
        'plan_version',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('plan_id', sa.Integer(), sa.ForeignKey('river_plan.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('version_no', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(12), nullable=False, server_default='draft'),
        sa.Column('steps', postgresql.JSONB(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False, server_default=''),
        sa.Column('row_version', sa.Integer(), nullable=False, server_default='1'),
        sa.Column('created_by_id', sa.Integer(), sa.ForeignKey('user_account.id')),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column('reviewed_by_id', sa.Integer(), sa.ForeignKey('user_account.id')),
        sa.Column('reviewed_at', sa.DateTime(timezone=True)),
        sa.Column('issued_by_id', sa.Integer(), sa.ForeignKey('user_account.id')),
        sa.Column('issued_at', sa.DateTime(timezone=True)),
        sa.UniqueConstraint('plan_id', 'version_no', name=op.f('uq_plan_version_plan_id')),
        sa.CheckConstraint(f"status IN {STATUSES}", name=op.f('ck_plan_version_status_known')),
    )
    op.create_index(op.f('ix_plan_version_plan_id'), 'plan_version', ['plan_id'])
    # at most one issued version per plan, and at most one draft or reviewed version
    op.create_index('uq_plan_version_one_issued', 'plan_version', ['plan_id'], unique=True,
                    postgresql_where=sa.text("status = 'issued'"))
    op.create_index('uq_plan_version_one_open', 'plan_version', ['plan_id'], unique=True,
                    postgresql_where=sa.text("status IN ('draft', 'reviewed')"))


def downgrade():
    op.drop_table('plan_version')
