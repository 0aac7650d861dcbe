"""mail queue and owner alerts

Revision ID: 0003
Revises: 0004
Create Date: 2026-11-30 04:24:21.785871

Reviewed by hand. Chained after 0004 (the daily summary setting), which reached the main line
first. Adds:
* ``alerts``: one row per cause (``cause_key`` unique, so concurrent raisers meet in one
  row), with its open/resolved state and when the owner was last told (the cool-down);
* ``mail_messages``: the mail queue (``dedupe_key`` unique and nullable: NULLs never
  collide on SQLite or PostgreSQL), claimed by workers through ``locked_until``/``locked_by``;
* ``shop_settings.alert_emails``: the owner's alert addresses (nullable: existing rows
  keep "none saved").
Nothing existing is rewritten; downgrade drops exactly what upgrade added.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cause_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=150), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by', sa.String(length=120), nullable=True),
    sa.Column('last_notified_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('cause_key', name=op.f('uq_alerts_cause_key'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_opened_at'), ['opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_status'), ['status'], unique=False)

    op.create_table('mail_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('to_addresses', sa.JSON(), nullable=False),
    sa.Column('subject', sa.String(length=250), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=160), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('locked_by', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_mail_messages_dedupe_key'))
    )
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_messages_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_messages_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_messages_status'), ['status'], unique=False)

    with op.batch_alter_table('shop_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alert_emails', sa.JSON(), nullable=True))



def downgrade():
    with op.batch_alter_table('shop_settings', schema=None) as batch_op:
        batch_op.drop_column('alert_emails')

    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_messages_status'))
        batch_op.drop_index(batch_op.f('ix_mail_messages_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_mail_messages_category'))

    op.drop_table('mail_messages')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_status'))
        batch_op.drop_index(batch_op.f('ix_alerts_opened_at'))
        batch_op.drop_index(batch_op.f('ix_alerts_kind'))

    op.drop_table('alerts')
