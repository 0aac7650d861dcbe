"""API keys: scopes and an optional expiry

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 04:30:00

Keys that exist before this revision keep everything they could do: they get all three
scopes. The column's default exists only while the rows are filled; afterwards every new
key states its scopes explicitly.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

ALL_SCOPES = 'read write refund'


def upgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sa.String(length=64), nullable=False,
                                      server_default=ALL_SCOPES))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.alter_column('scopes', existing_type=sa.String(length=64), existing_nullable=False,
                              server_default=None)


def downgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
        batch_op.drop_column('scopes')
