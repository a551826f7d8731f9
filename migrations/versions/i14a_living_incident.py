"""the living incident: status, version, facts, revisions, an append-only event log, readings

An incident becomes something officers work on for hours or days (issue 14):

* ``incident`` gains its state (``status``), an optimistic-concurrency ``version`` (every
  write carries the version it read), the current ``facts``, ``discovered_at``,
  ``updated_at`` and a ``client_key`` so that saving the same analysis twice returns the
  first incident instead of a duplicate.
* ``incident_revision`` keeps every forecast: one row per change of the facts.
* ``incident_event`` is the timeline and audit log. A trigger refuses UPDATE and DELETE,
  whoever asks: the log is append-only.
* ``incident_reading`` holds monitoring results at sections, intakes or any point.
* the role ``leader`` (issues reports, ends alerts).

Existing incidents get revision 1 from their stored request and result and a ``created``
event at their creation time.

Revision ID: i14a_living_incident
Revises: h11phys01
Create Date: 2026-12-06 07:40:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from geoalchemy2 import Geometry

revision = 'i14a_living_incident'
down_revision = 'h11phys01'
branch_labels = None
depends_on = None

STATUSES = ("reported", "responding", "monitoring", "closed")
OLD_ROLES = ("admin", "duty_officer", "planner", "field_team")
NEW_ROLES = ("admin", "duty_officer", "leader", "planner", "field_team")


def upgrade():
    op.add_column('incident', sa.Column('status', sa.String(12), nullable=False,
                                        server_default='reported'))
    op.add_column('incident', sa.Column('version', sa.Integer(), nullable=False,
                                        server_default='1'))
    op.add_column('incident', sa.Column('updated_at', sa.DateTime(timezone=True),
                                        nullable=False, server_default=sa.func.now()))
    op.add_column('incident', sa.Column('discovered_at', sa.DateTime(timezone=True)))
    op.add_column('incident', sa.Column('facts', postgresql.JSONB(), nullable=False,
                                        server_default=sa.text("'{}'::jsonb")))
    op.add_column('incident', sa.Column('client_key', sa.String(64)))
    op.create_check_constraint(op.f('ck_incident_status_known'), 'incident', f"status IN {STATUSES}")
    op.create_unique_constraint(op.f('uq_incident_created_by_id'), 'incident',
                                ['created_by_id', 'client_key'])
    op.create_index(op.f('ix_incident_kind_created'), 'incident', ['kind', 'created_at'])
    op.execute("UPDATE incident SET facts = request, updated_at = created_at")

    op.create_table(
        'incident_revision',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('incident_id', sa.Integer(), sa.ForeignKey('incident.id'), nullable=False),
        sa.Column('revision_no', sa.Integer(), nullable=False),
        sa.Column('facts', postgresql.JSONB(), nullable=False),
        sa.Column('request', postgresql.JSONB(), nullable=False),
        sa.Column('result', postgresql.JSONB(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column('created_by_id', sa.Integer(), sa.ForeignKey('user_account.id')),
        sa.UniqueConstraint('incident_id', 'revision_no', name=op.f('uq_incident_revision_incident_id')),
    )
    op.execute("INSERT INTO incident_revision (incident_id, revision_no, facts, request, "
               "result, created_at, created_by_id) SELECT id, 1, facts, request, result, "
               "created_at, created_by_id FROM incident")

    op.create_table(
        'incident_event',
        sa.Column('id', sa.BigInteger(), primary_key=True),
        sa.Column('incident_id', sa.Integer(), sa.ForeignKey('incident.id'), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column('actor_id', sa.Integer(), sa.ForeignKey('user_account.id')),
        sa.Column('actor_name', sa.Text(), nullable=False),
        sa.Column('actor_role', sa.String(20), nullable=False),
        sa.Column('kind', sa.String(40), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False, server_default=''),
        sa.Column('payload', postgresql.JSONB(), nullable=False,
                  server_default=sa.text("'{}'::jsonb")),
        sa.UniqueConstraint('incident_id', 'seq', name=op.f('uq_incident_event_incident_id')),
    )
    op.execute("""
        CREATE FUNCTION incident_event_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'incident_event is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
        END $$;
    """)
    op.execute("CREATE TRIGGER incident_event_no_change BEFORE UPDATE OR DELETE "
               "ON incident_event FOR EACH ROW EXECUTE FUNCTION incident_event_append_only()")
    op.execute("CREATE TRIGGER incident_event_no_truncate BEFORE TRUNCATE "
               "ON incident_event FOR EACH STATEMENT "
               "EXECUTE FUNCTION incident_event_append_only()")
    op.execute("INSERT INTO incident_event (incident_id, seq, at, actor_id, actor_name, "
               "actor_role, kind, summary) SELECT i.id, 1, i.created_at, i.created_by_id, "
               "coalesce(u.username, ''), coalesce(u.role, ''), 'created', i.title "
               "FROM incident i LEFT JOIN user_account u ON u.id = i.created_by_id")

    op.create_table(
        'incident_reading',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('incident_id', sa.Integer(), sa.ForeignKey('incident.id'), nullable=False),
        sa.Column('station_kind', sa.String(10), nullable=False),
        sa.Column('station_code', sa.String(60)),
        sa.Column('reach_code', sa.String(60), nullable=False),
        sa.Column('measure_m', sa.Float(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('geom', Geometry('POINT', srid=4326, spatial_index=False), nullable=False),
        sa.Column('sampled_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('pollutant_code', sa.String(40), nullable=False),
        sa.Column('value_mg_l', sa.Float(), nullable=False),
        sa.Column('below_detection', sa.Boolean(), nullable=False, server_default='false'),
        sa.Column('detection_limit_mg_l', sa.Float()),
        sa.Column('qa_flag', sa.String(20), nullable=False, server_default='ok'),
        sa.Column('source', sa.String(10), nullable=False),
        sa.Column('entered_by_id', sa.Integer(), sa.ForeignKey('user_account.id')),
        sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.CheckConstraint("station_kind IN ('section', 'intake', 'point')",
                           name=op.f('ck_incident_reading_station_kind')),
        sa.CheckConstraint("source IN ('hand', 'file', 'station')", name=op.f('ck_incident_reading_source')),
        sa.CheckConstraint("value_mg_l >= 0", name=op.f('ck_incident_reading_not_negative')),
        sa.CheckConstraint("detection_limit_mg_l IS NULL OR detection_limit_mg_l > 0",
                           name=op.f('ck_incident_reading_detection_limit_positive')),
    )
    op.create_index(op.f('ix_incident_reading_station'), 'incident_reading',
                    ['incident_id', 'station_kind', 'station_code', 'sampled_at'])

    op.drop_constraint(op.f('ck_user_account_role_known'), 'user_account', type_='check')
    op.create_check_constraint(op.f('ck_user_account_role_known'), 'user_account', f"role IN {NEW_ROLES}")


def downgrade():
    op.execute("UPDATE user_account SET role = 'duty_officer' WHERE role = 'leader'")
    op.drop_constraint(op.f('ck_user_account_role_known'), 'user_account', type_='check')
    op.create_check_constraint(op.f('ck_user_account_role_known'), 'user_account', f"role IN {OLD_ROLES}")
    op.drop_table('incident_reading')
    op.execute("DROP TRIGGER incident_event_no_truncate ON incident_event")
    op.execute("DROP TRIGGER incident_event_no_change ON incident_event")
    op.drop_table('incident_event')
    op.execute("DROP FUNCTION incident_event_append_only()")
    op.drop_table('incident_revision')
    op.drop_index(op.f('ix_incident_kind_created'), 'incident')
    op.drop_constraint(op.f('uq_incident_created_by_id'), 'incident', type_='unique')
    op.drop_constraint(op.f('ck_incident_status_known'), 'incident', type_='check')
    for col in ('client_key', 'facts', 'discovered_at', 'updated_at', 'version', 'status'):
        op.drop_column('incident', col)
