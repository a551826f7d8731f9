"""risk supervision: hazard records per enterprise with evidence, and an append-only audit log

Issue 17 item 5. A hazard (隐患) found at an enterprise is recorded with its category, grade,
rectification deadline and status (found → rectifying → closed); rectification evidence
(a photo or a scanned document) is stored with it. `audit_log` records who changed what in
the department's registers (before and after), and, like the incident event log, refuses
UPDATE, DELETE and TRUNCATE.

Revision ID: s5l_risk_supervision
Revises: s5c_incident_reports
Create Date: 2026-12-06 07:40:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 's5l_risk_supervision'
down_revision = 's5c_incident_reports'
branch_labels = None
depends_on = None

CATEGORIES = ("management", "water_containment", "air_containment", "supplies", "plan",
              "other")
GRADES = ("major", "general")
STATUSES = ("found", "rectifying", "closed")


def upgrade():
    op.create_table(
        'hazard',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('code', sa.String(40), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), sa.ForeignKey('enterprise.id'),
                  nullable=False),
        sa.Column('found_on', sa.Date(), nullable=False),
        sa.Column('category', sa.String(20), nullable=False),
        sa.Column('grade', sa.String(10), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('status', sa.String(12), nullable=False, server_default='found'),
        sa.Column('closed_on', sa.Date()),
        sa.Column('rectification', sa.Text(), nullable=False, server_default=''),
        sa.Column('version', sa.Integer(), nullable=False, server_default='1'),
        sa.Column('created_by_id', sa.Integer(), sa.ForeignKey('user_account.id')),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.UniqueConstraint('code', name=op.f('uq_hazard_code')),
        sa.CheckConstraint(f"category IN {CATEGORIES}", name=op.f('ck_hazard_category_known')),
        sa.CheckConstraint(f"grade IN {GRADES}", name=op.f('ck_hazard_grade_known')),
        sa.CheckConstraint(f"status IN {STATUSES}", name=op.f('ck_hazard_status_known')),
        sa.CheckConstraint("deadline >= found_on", name=op.f('ck_hazard_deadline_after_found')),
        sa.CheckConstraint("(status = 'closed') = (closed_on IS NOT NULL)",
                           name=op.f('ck_hazard_closed_has_date')),
    )
    op.create_index(op.f('ix_hazard_enterprise_id'), 'hazard', ['enterprise_id'])
    op.create_index(op.f('ix_hazard_status_deadline'), 'hazard', ['status', 'deadline'])
    op.create_table(
        'hazard_evidence',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('hazard_id', sa.Integer(), sa.ForeignKey('hazard.id'), nullable=False),
        sa.Column('filename', sa.Text(), nullable=False),
        sa.Column('content_type', sa.String(60), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(64), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), sa.ForeignKey('user_account.id')),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )
    op.create_index(op.f('ix_hazard_evidence_hazard_id'), 'hazard_evidence', ['hazard_id'])
    op.create_table(
        'audit_log',
        sa.Column('id', sa.BigInteger(), primary_key=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column('actor_id', sa.Integer(), sa.ForeignKey('user_account.id')),
        sa.Column('actor_name', sa.Text(), nullable=False),
        sa.Column('actor_role', sa.String(20), nullable=False),
        sa.Column('action', sa.String(40), nullable=False),
        sa.Column('object_type', sa.String(40), nullable=False),
        sa.Column('object_code', sa.String(80), nullable=False),
        sa.Column('before', postgresql.JSONB()),
        sa.Column('after', postgresql.JSONB()),
    )
    op.create_index(op.f('ix_audit_log_object'), 'audit_log', ['object_type', 'object_code'])
    op.execute("""
        CREATE FUNCTION audit_log_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
        END $$;
    """)
    op.execute("CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
               "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
    op.execute("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
               "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()")


def downgrade():
    op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
    op.execute("DROP TRIGGER audit_log_no_change ON audit_log")
    op.drop_table('audit_log')
    op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_table('hazard_evidence')
    op.drop_table('hazard')
