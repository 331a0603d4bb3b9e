"""certificates: the signed Open Badges 3.0 credential stored beside the PDF

Revision ID: f19credential
Revises: d15mailoutbox
Create Date: 2026-12-04 03:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f19credential'
down_revision = 'd15mailoutbox'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credential', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('credential')
