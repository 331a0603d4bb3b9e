"""xapi: learners' pseudonyms and the outbox of xAPI statements

Revision ID: j20xapi
Revises: i16duereminders
Create Date: 2026-12-04 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'j20xapi'
down_revision = 'i16duereminders'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'xapi_actor',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id'),
        sa.UniqueConstraint('name'),
    )
    op.create_table(
        'xapi_statement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('statement_id', sa.String(length=36), nullable=False),
        sa.Column('verb', sa.String(length=20), nullable=False),
        sa.Column('statement', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claimed_by', sa.String(length=100), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('statement_id'),
    )
    op.create_index(
        'ix_xapi_statement_due', 'xapi_statement', ['sent_at', 'failed_at', 'due_at']
    )


def downgrade():
    op.drop_index('ix_xapi_statement_due', table_name='xapi_statement')
    op.drop_table('xapi_statement')
    op.drop_table('xapi_actor')
