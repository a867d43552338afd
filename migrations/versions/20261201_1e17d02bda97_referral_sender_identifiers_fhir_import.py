"""referral: the sender's identifiers of an aanmelding imported as a FHIR document (issue 22)

Revision ID: 1e17d02bda97
Revises: 910cc10caa30
Create Date: 2026-12-01 22:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1e17d02bda97'
down_revision = '910cc10caa30'
branch_labels = None
depends_on = None


def upgrade():
    # encrypted JSON (igp.crypto.EncryptedJSON): [{"resource", "system", "value"}, ...]
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender_identifiers', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_column('sender_identifiers')
