"""editable registers: what the department edits in the browser, with a version per row

Issue 17 item 3. Depot stock gains the expiry date of materials that expire and the day it
was last checked; interception spaces gain a status (a pond that became a fish farm must be
re-checked) and the day of their last survey. Every editable row (stock, teams, enterprises,
interception spaces) gains `row_version` for optimistic concurrency: an edit carries the
version it read, a stale one is refused.

Revision ID: s5n_register_edits
Revises: s5m_plan_versions
Create Date: 2026-12-06 08:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = 's5n_register_edits'
down_revision = 's5m_plan_versions'
branch_labels = None
depends_on = None

TABLES = ("inventory", "rescue_team", "enterprise", "interception_point")
SPACE_STATUSES = ("available", "needs_recheck", "unavailable")


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column('row_version', sa.Integer(), nullable=False,
                                       server_default='1'))
    op.add_column('inventory', sa.Column('expires_on', sa.Date()))
    op.add_column('inventory', sa.Column('last_checked_on', sa.Date()))
    op.add_column('interception_point', sa.Column('status', sa.String(16), nullable=False,
                                                  server_default='available'))
    op.add_column('interception_point', sa.Column('last_survey_on', sa.Date()))
    op.create_check_constraint(op.f('ck_interception_point_status_known'),
                               'interception_point', f"status IN {SPACE_STATUSES}")


def downgrade():
    op.drop_constraint(op.f('ck_interception_point_status_known'), 'interception_point',
                       type_='check')
    op.drop_column('interception_point', 'last_survey_on')
    op.drop_column('interception_point', 'status')
    op.drop_column('inventory', 'last_checked_on')
    op.drop_column('inventory', 'expires_on')
    for table in TABLES:
        op.drop_column(table, 'row_version')
