"""users: an index for the learner list's default order (lower(name), id)

Revision ID: k18learnername
Revises: j20xapi
Create Date: 2026-12-04 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'k18learnername'
down_revision = 'j20xapi'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_user_name_lower', 'user', [sa.text('lower(name)'), 'id'])


def downgrade():
    op.drop_index('ix_user_name_lower', table_name='user')
