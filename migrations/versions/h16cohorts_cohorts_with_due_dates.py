"""cohorts: named groups of learners with courses and due dates

Revision ID: h16cohorts
Revises: f19credential
Create Date: 2026-12-04 09:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h16cohorts'
down_revision = 'f19credential'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cohort',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_index('ix_cohort_organisation_id', 'cohort', ['organisation_id'])
    op.create_table(
        'cohort_course',
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('course_slug', sa.String(length=100), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('cohort_id', 'course_slug'),
    )
    op.create_table(
        'cohort_member',
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('cohort_id', 'user_id'),
    )
    op.create_index('ix_cohort_member_user_id', 'cohort_member', ['user_id'])


def downgrade():
    op.drop_index('ix_cohort_member_user_id', table_name='cohort_member')
    op.drop_table('cohort_member')
    op.drop_table('cohort_course')
    op.drop_index('ix_cohort_organisation_id', table_name='cohort')
    op.drop_table('cohort')
