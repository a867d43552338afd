"""the roll-up's generation (issue 21): a new random value at every rebuild, so that a process may keep
the roll-up's part of the dashboard's figures until the roll-up changes

Revision ID: c3e5a7b9d1f4
Revises: b7d9f1a3c5e2
Create Date: 2026-12-06 22:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e5a7b9d1f4'
down_revision = 'b7d9f1a3c5e2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_rollup_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_rollup_state'))
    )


def downgrade():
    op.drop_table('report_rollup_state')
