"""e-wallet app buttons for paying on the phone that shows the checkout

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-30 04:40:00

The shop's choice of "Pay in the GoPay app" / "Pay in the ShopeePay app" buttons: a JSON
list on the settings row, empty (no app buttons) for existing shops. The deeplink of an
app payment is kept in payment_attempts.redirect_url, so attempts need no new column.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shop_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('app_payments', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))


def downgrade():
    with op.batch_alter_table('shop_settings', schema=None) as batch_op:
        batch_op.drop_column('app_payments')
