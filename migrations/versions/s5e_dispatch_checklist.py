"""dispatch of materials and teams, field-team accounts, the plan checklist on the server

* ``dispatch``: materials from a depot and/or a team sent to a target of an incident, with
  its status (``dispatched → en_route → on_site → deployed → returned``) and the time of
  each status;
* ``dispatch_line``: each material's quantity (taken from the depot's stock when the
  dispatch is made) and, on return, how much was used;
* ``team_member``: which rescue team a field-team account belongs to;
* ``incident_plan_tick``: the plan steps ticked on an incident, by whom and when.

Revision ID: s5e_dispatch_checklist
Revises: s5d_incident_alerts
Create Date: 2026-12-06 07:40:00

"""
from alembic import op
import sqlalchemy as sa

revision = 's5e_dispatch_checklist'
down_revision = 's5d_incident_alerts'
branch_labels = None
depends_on = None

STATUSES = ("dispatched", "en_route", "on_site", "deployed", "returned")


def upgrade():
    op.create_table(
        'dispatch',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('depot_id', sa.Integer(), nullable=True),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('target_code', sa.String(60), nullable=False),
        sa.Column('target_name', sa.Text(), nullable=False),
        sa.Column('target_kind', sa.String(20), nullable=False),
        sa.Column('target_lon', sa.Float(), nullable=False),
        sa.Column('target_lat', sa.Float(), nullable=False),
        sa.Column('status', sa.String(12), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column('en_route_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('on_site_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('deployed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"status IN {STATUSES}", name=op.f('ck_dispatch_status_known')),
        sa.CheckConstraint("depot_id IS NOT NULL OR team_id IS NOT NULL",
                           name=op.f('ck_dispatch_depot_or_team')),
        sa.ForeignKeyConstraint(['incident_id'], ['incident.id'],
                                name=op.f('fk_dispatch_incident_id_incident')),
        sa.ForeignKeyConstraint(['depot_id'], ['depot.id'],
                                name=op.f('fk_dispatch_depot_id_depot')),
        sa.ForeignKeyConstraint(['team_id'], ['rescue_team.id'],
                                name=op.f('fk_dispatch_team_id_rescue_team')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_dispatch_created_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch')),
    )
    op.create_index(op.f('ix_dispatch_incident_id'), 'dispatch', ['incident_id'])
    op.create_index(op.f('ix_dispatch_team_id'), 'dispatch', ['team_id'])

    op.create_table(
        'dispatch_line',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('dispatch_id', sa.Integer(), nullable=False),
        sa.Column('material_id', sa.Integer(), nullable=False),
        sa.Column('quantity', sa.Float(), nullable=False),
        sa.Column('used', sa.Float(), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f('ck_dispatch_line_quantity_positive')),
        sa.CheckConstraint("used IS NULL OR (used >= 0 AND used <= quantity)",
                           name=op.f('ck_dispatch_line_used_within_quantity')),
        sa.ForeignKeyConstraint(['dispatch_id'], ['dispatch.id'], ondelete='CASCADE',
                                name=op.f('fk_dispatch_line_dispatch_id_dispatch')),
        sa.ForeignKeyConstraint(['material_id'], ['material.id'],
                                name=op.f('fk_dispatch_line_material_id_material')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_line')),
        sa.UniqueConstraint('dispatch_id', 'material_id',
                            name=op.f('uq_dispatch_line_dispatch_id')),
    )
    op.create_index(op.f('ix_dispatch_line_dispatch_id'), 'dispatch_line', ['dispatch_id'])

    op.create_table(
        'team_member',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE',
                                name=op.f('fk_team_member_user_id_user_account')),
        sa.ForeignKeyConstraint(['team_id'], ['rescue_team.id'], ondelete='CASCADE',
                                name=op.f('fk_team_member_team_id_rescue_team')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_team_member')),
    )
    op.create_index(op.f('ix_team_member_team_id'), 'team_member', ['team_id'])

    op.create_table(
        'incident_plan_tick',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('phase', sa.String(10), nullable=False),
        sa.Column('step_order', sa.Integer(), nullable=False),
        sa.Column('done', sa.Boolean(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column('by_id', sa.Integer(), nullable=True),
        sa.Column('by_name', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['incident_id'], ['incident.id'],
                                name=op.f('fk_incident_plan_tick_incident_id_incident')),
        sa.ForeignKeyConstraint(['by_id'], ['user_account.id'],
                                name=op.f('fk_incident_plan_tick_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_plan_tick')),
        sa.UniqueConstraint('incident_id', 'phase', 'step_order',
                            name=op.f('uq_incident_plan_tick_incident_id')),
    )


def downgrade():
    op.drop_table('incident_plan_tick')
    op.drop_index(op.f('ix_team_member_team_id'), 'team_member')
    op.drop_table('team_member')
    op.drop_index(op.f('ix_dispatch_line_dispatch_id'), 'dispatch_line')
    op.drop_table('dispatch_line')
    op.drop_index(op.f('ix_dispatch_team_id'), 'dispatch')
    op.drop_index(op.f('ix_dispatch_incident_id'), 'dispatch')
    op.drop_table('dispatch')
