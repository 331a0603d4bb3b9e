"""certificates: issue failures recorded on the enrolment

Revision ID: c13certissue
Revises: b13ratelimit
Create Date: 2026-12-03 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c13certissue'
down_revision = 'b13ratelimit'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('certificate_failed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_column('certificate_failed_at')
        batch_op.drop_column('certificate_error')
