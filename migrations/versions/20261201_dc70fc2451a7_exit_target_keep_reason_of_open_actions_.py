"""exit target, keep reason of open actions, outward handover steps

Revision ID: dc70fc2451a7
Revises: 1ac37c7cd200
Create Date: 2026-12-01 17:30:07.172458

The outward warm handover (direction 'uit') gets its own steps: a running one that was still at
the inward steps 'aangemeld' / 'contact_gelegd' moves to 'overdracht_gestart' /
'overdracht_aangeboden'; 'intake_gepland' becomes 'overdrachtsgesprek_gepland'. The family's
exit target is taken from its latest outward handover.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dc70fc2451a7'
down_revision = '1ac37c7cd200'
branch_labels = None
depends_on = None

OUTWARD = (("aangemeld", "overdracht_gestart"), ("contact_gelegd", "overdracht_aangeboden"),
           ("intake_gepland", "overdrachtsgesprek_gepland"), ("intake_gehouden", "overdracht_afgerond"))


def upgrade():
    op.add_column('family', sa.Column('exit_target', sa.String(length=30), nullable=True))
    op.add_column('mdo_action', sa.Column('keep_reason', sa.Text(), nullable=True))
    for old, new in OUTWARD:
        op.execute(sa.text("UPDATE handover SET status = :new WHERE direction = 'uit' AND status = :old")
                   .bindparams(old=old, new=new))
    op.execute("UPDATE family SET exit_target = (SELECT h.target FROM handover h WHERE h.family_id = family.id "
               "AND h.direction = 'uit' ORDER BY h.id DESC LIMIT 1) WHERE exit_reason IS NOT NULL")


def downgrade():
    for old, new in OUTWARD:
        op.execute(sa.text("UPDATE handover SET status = :old WHERE direction = 'uit' AND status = :new")
                   .bindparams(old=old, new=new))
    with op.batch_alter_table('mdo_action', schema=None) as batch_op:
        batch_op.drop_column('keep_reason')
    with op.batch_alter_table('family', schema=None) as batch_op:
        batch_op.drop_column('exit_target')
