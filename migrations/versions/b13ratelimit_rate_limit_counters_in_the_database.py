"""rate limits: counters in the database, shared by every worker and node

Revision ID: b13ratelimit
Revises: b13orgpending
Create Date: 2026-12-03 23:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b13ratelimit'
down_revision = 'b13orgpending'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rate_limit_hit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('cost', sa.Integer(), nullable=False),
    sa.Column('hit_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rate_limit_hit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_hit_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index('ix_rate_limit_hit_key', ['key', 'hit_at'], unique=False)


def downgrade():
    with op.batch_alter_table('rate_limit_hit', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_limit_hit_key')
        batch_op.drop_index(batch_op.f('ix_rate_limit_hit_expires_at'))

    op.drop_table('rate_limit_hit')
