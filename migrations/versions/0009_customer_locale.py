"""the customer's language on the order, for their receipt

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 06:20:00

A nullable column: existing orders have no known language and get the shop's default
(Indonesian) when a receipt is written.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_locale', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('customer_locale')
