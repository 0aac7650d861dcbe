"""customer trust: QRIS merchant name, payment instructions, shop contact

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-30 04:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merchant_name', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('pay_instructions', sa.JSON(), nullable=True))
    with op.batch_alter_table('shop_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shop_contact', sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table('shop_settings', schema=None) as batch_op:
        batch_op.drop_column('shop_contact')
    with op.batch_alter_table('payment_attempts', schema=None) as batch_op:
        batch_op.drop_column('pay_instructions')
        batch_op.drop_column('merchant_name')
