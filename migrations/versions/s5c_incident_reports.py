"""incident reports: 初报, 续报, 处理结果报告, immutable once issued

Issue 14 item 4. ``incident_report`` holds the reports of the 2011 reporting measures
(突发环境事件信息报告办法, Art. 12-14): kind, number per incident and kind, document
number, status draft -> issued, the sections, who drafted and issued them and when, and
``corrects_id`` (a correction is a new report). A trigger refuses UPDATE and DELETE of an
issued report, whoever asks, like the event log's; a draft may be edited and issued.

Revision ID: s5c_incident_reports
Revises: i14a_living_incident
Create Date: 2026-12-06 07:40:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 's5c_incident_reports'
down_revision = 'i14a_living_incident'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'incident_report',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('incident_id', sa.Integer(), sa.ForeignKey('incident.id'), nullable=False),
        sa.Column('kind', sa.String(10), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('doc_no', sa.String(40), nullable=False),
        sa.Column('status', sa.String(10), nullable=False, server_default='draft'),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('content', postgresql.JSONB(), nullable=False,
                  server_default=sa.text("'{}'::jsonb")),
        sa.Column('level', sa.String(4)),
        sa.Column('report_as', sa.String(8)),
        sa.Column('revision_no', sa.Integer()),
        sa.Column('corrects_id', sa.Integer(), sa.ForeignKey('incident_report.id')),
        sa.Column('drafted_by_id', sa.Integer(), sa.ForeignKey('user_account.id')),
        sa.Column('drafted_by', sa.Text(), nullable=False, server_default=''),
        sa.Column('drafted_at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column('issued_by_id', sa.Integer(), sa.ForeignKey('user_account.id')),
        sa.Column('issued_by', sa.Text()),
        sa.Column('issued_at', sa.DateTime(timezone=True)),
        sa.CheckConstraint("kind IN ('initial', 'followup', 'final')",
                           name=op.f('ck_incident_report_kind_known')),
        sa.CheckConstraint("status IN ('draft', 'issued')",
                           name=op.f('ck_incident_report_status_known')),
        sa.CheckConstraint("number >= 1", name=op.f('ck_incident_report_number_positive')),
        sa.CheckConstraint("status = 'draft' OR (issued_at IS NOT NULL)",
                           name=op.f('ck_incident_report_issued_has_time')),
        sa.UniqueConstraint('incident_id', 'kind', 'number',
                            name=op.f('uq_incident_report_incident_id')),
        sa.UniqueConstraint('doc_no', name=op.f('uq_incident_report_doc_no')),
    )
    op.create_index(op.f('ix_incident_report_incident_id'), 'incident_report', ['incident_id'])
    op.execute("""
        CREATE FUNCTION incident_report_issued_is_final() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF OLD.status = 'issued' THEN
            RAISE EXCEPTION 'incident_report % is issued: % refused (a correction is a new report)',
              OLD.id, TG_OP USING ERRCODE = 'insufficient_privilege';
          END IF;
          IF TG_OP = 'DELETE' THEN
            RETURN OLD;
          END IF;
          RETURN NEW;
        END $$;
    """)
    op.execute("CREATE TRIGGER incident_report_issued_no_change BEFORE UPDATE OR DELETE "
               "ON incident_report FOR EACH ROW "
               "EXECUTE FUNCTION incident_report_issued_is_final()")


def downgrade():
    op.execute("DROP TRIGGER incident_report_issued_no_change ON incident_report")
    op.drop_table('incident_report')
    op.execute("DROP FUNCTION incident_report_issued_is_final()")
