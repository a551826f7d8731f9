"""revocable sessions and expiring API tokens

A per-user session version (part of every session cookie's identity: raising it signs out
every copy of every session) and an expiry for the API token. Tokens issued before this
migration get 90 days from now (the default WEBGIS_TOKEN_TTL_DAYS).

Revision ID: h12auth_sessions_tokens
Revises: 0001
Create Date: 2026-11-30 02:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'h12auth_sessions_tokens'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user_account', sa.Column('token_expires_at', sa.DateTime(timezone=True),
                                            nullable=True))
    op.add_column('user_account', sa.Column('session_version', sa.Integer(),
                                            server_default='1', nullable=False))
    op.execute("UPDATE user_account SET token_expires_at = now() + interval '90 days' "
               "WHERE token_hash IS NOT NULL")


def downgrade():
    op.drop_column('user_account', 'session_version')
    op.drop_column('user_account', 'token_expires_at')
