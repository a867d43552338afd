"""indexes for the MDO proposal (issue 21): the poli's active families in order of creation, and the
families that asked for an MDO

Revision ID: 8c2d4e6f1a30
Revises: 5b1e7c0d9a21
Create Date: 2026-12-02 07:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8c2d4e6f1a30'
down_revision = '5b1e7c0d9a21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('family', schema=None) as batch_op:
        batch_op.create_index('ix_family_poli_status_created', ['poli_id', 'status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_family_mdo_requested', ['mdo_requested_at'], unique=False)


def downgrade():
    with op.batch_alter_table('family', schema=None) as batch_op:
        batch_op.drop_index('ix_family_mdo_requested')
        batch_op.drop_index('ix_family_poli_status_created')
