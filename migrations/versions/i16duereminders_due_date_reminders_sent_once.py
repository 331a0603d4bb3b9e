"""cohorts: due-date reminders and digests, each sent once

Revision ID: i16duereminders
Revises: h16cohorts
Create Date: 2026-12-04 13:50:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'i16duereminders'
down_revision = 'h16cohorts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'due_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('course_slug', sa.String(length=100), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=20), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'cohort_id', 'course_slug', 'user_id', 'period'),
    )
    op.create_index('ix_due_reminder_user_id', 'due_reminder', ['user_id'])


def downgrade():
    op.drop_index('ix_due_reminder_user_id', table_name='due_reminder')
    op.drop_table('due_reminder')
