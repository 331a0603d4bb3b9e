"""partner managers: the organisations each manager sees

Revision ID: g16managers
Revises: e17certlang
Create Date: 2026-12-04 03:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'g16managers'
down_revision = 'e17certlang'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'organisation_manager',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'organisation_id'),
    )


def downgrade():
    op.drop_table('organisation_manager')
