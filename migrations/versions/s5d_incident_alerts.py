"""downstream alerts: one row per message to an administration, and their e-mail contacts

Issue 14, item 5. ``incident_alert`` holds each alert, update and end of alert (解除预警)
sent to a downstream administration from the incident's notify list: its content, who sent
it and when, the e-mail delivery status, the acknowledgement (when, by whom — the name the
recipient typed) and the id and hash of its acknowledgement link (never the link).
``alert_contact`` is the address book: the e-mail of each administration that has one.

Revision ID: s5d_incident_alerts
Revises: s5c_incident_reports
Create Date: 2026-12-06 07:40:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 's5d_incident_alerts'
down_revision = 's5c_incident_reports'
branch_labels = None
depends_on = None

KINDS = ("alert", "update", "end")
EMAIL = ("not_configured", "no_address", "pending", "sent", "failed")


def upgrade():
    op.create_table(
        'alert_contact',
        sa.Column('recipient_key', sa.String(60), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('email', sa.Text()),
        sa.Column('contact_name', sa.Text(), nullable=False, server_default=''),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.PrimaryKeyConstraint('recipient_key', name=op.f('pk_alert_contact')),
    )
    op.create_table(
        'incident_alert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('first_id', sa.Integer()),
        sa.Column('kind', sa.String(10), nullable=False),
        sa.Column('recipient_key', sa.String(60), nullable=False),
        sa.Column('recipient_name', sa.Text(), nullable=False),
        sa.Column('recipient_level', sa.String(20), nullable=False),
        sa.Column('email', sa.Text()),
        sa.Column('content', postgresql.JSONB(), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False, server_default=''),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column('sent_by_id', sa.Integer()),
        sa.Column('sent_by_name', sa.Text(), nullable=False),
        sa.Column('token_id', sa.String(40), nullable=False),
        sa.Column('token_hash', sa.String(64), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('acknowledged_at', sa.DateTime(timezone=True)),
        sa.Column('acknowledged_by', sa.Text()),
        sa.Column('ack_note', sa.Text()),
        sa.Column('ended_at', sa.DateTime(timezone=True)),
        sa.Column('email_status', sa.String(20), nullable=False),
        sa.Column('email_error', sa.Text()),
        sa.Column('emailed_at', sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_alert')),
        sa.ForeignKeyConstraint(['incident_id'], ['incident.id'],
                                name=op.f('fk_incident_alert_incident_id_incident')),
        sa.ForeignKeyConstraint(['first_id'], ['incident_alert.id'],
                                name=op.f('fk_incident_alert_first_id_incident_alert')),
        sa.ForeignKeyConstraint(['sent_by_id'], ['user_account.id'],
                                name=op.f('fk_incident_alert_sent_by_id_user_account')),
        sa.UniqueConstraint('token_id', name=op.f('uq_incident_alert_token_id')),
        sa.CheckConstraint(f"kind IN {KINDS}", name=op.f('ck_incident_alert_kind_known')),
        sa.CheckConstraint(f"email_status IN {EMAIL}",
                           name=op.f('ck_incident_alert_email_status_known')),
        sa.CheckConstraint("(kind = 'alert') = (first_id IS NULL)",
                           name=op.f('ck_incident_alert_chain')),
    )
    op.create_index(op.f('ix_incident_alert_incident'), 'incident_alert', ['incident_id', 'id'])
    op.create_index(op.f('ix_incident_alert_first'), 'incident_alert', ['first_id'])
    # one open chain per administration and incident
    op.create_index(op.f('ix_incident_alert_open_chain'), 'incident_alert',
                    ['incident_id', 'recipient_key'], unique=True,
                    postgresql_where=sa.text("kind = 'alert' AND ended_at IS NULL"))


def downgrade():
    op.drop_index(op.f('ix_incident_alert_open_chain'), 'incident_alert')
    op.drop_index(op.f('ix_incident_alert_first'), 'incident_alert')
    op.drop_index(op.f('ix_incident_alert_incident'), 'incident_alert')
    op.drop_table('incident_alert')
    op.drop_table('alert_contact')
