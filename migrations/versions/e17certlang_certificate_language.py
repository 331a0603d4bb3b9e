"""certificates: the language each one is worded in

Revision ID: e17certlang
Revises: c13certissue
Create Date: 2026-12-04 03:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e17certlang'
down_revision = 'c13certissue'
branch_labels = None
depends_on = None


def upgrade():
    # Every certificate issued before this was worded in English.
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('language', sa.String(length=16), nullable=False, server_default='en')
        )


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('language')
