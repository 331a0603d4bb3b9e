"""organisations: self-registered ones wait for an administrator's approval

Revision ID: b13orgpending
Revises: a54b8063fa4e
Create Date: 2026-12-03 23:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b13orgpending'
down_revision = 'a54b8063fa4e'
branch_labels = None
depends_on = None


def upgrade():
    # Existing organisations stay listed: only new self-registered ones are pending.
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('pending', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('pending')
