"""the referral roll-up per gemeente too (issue 21)

The rows written so far have no gemeente: they are removed with the list of rolled-up days, so the
dashboard scans the referrals (exactly as before the roll-up) until `flask --app igp reports rollup`
(nightly from cron) writes them again with the gemeente.

Revision ID: 5b1e7c0d9a21
Revises: dca821f34b26
Create Date: 2026-12-02 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e7c0d9a21'
down_revision = 'dca821f34b26'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM report_rolled_day")
    op.execute("DELETE FROM report_referral_day")
    with op.batch_alter_table('report_referral_day', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gemeente', sa.String(length=40), nullable=True))


def downgrade():
    op.execute("DELETE FROM report_rolled_day")
    op.execute("DELETE FROM report_referral_day")
    with op.batch_alter_table('report_referral_day', schema=None) as batch_op:
        batch_op.drop_column('gemeente')
