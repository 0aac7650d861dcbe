"""the owner's daily summary switch

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-30 04:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # Off for every existing shop: the owner turns it on in Settings.
    with op.batch_alter_table('shop_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('daily_summary', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('shop_settings', schema=None) as batch_op:
        batch_op.drop_column('daily_summary')
