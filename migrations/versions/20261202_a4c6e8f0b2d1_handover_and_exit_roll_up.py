"""dashboard roll-ups of the inward handovers and the exits per day (issue 21)

report_rolled_day gains the kind ("referral", "handover", "exit") in its primary key; the days rolled up
so far are the referral kind's. The two new roll-ups start empty: the dashboard scans the handovers
and exits of every day not rolled up, so its figures are those of before until `flask --app igp
reports rollup` (nightly from cron) fills them.

Revision ID: a4c6e8f0b2d1
Revises: 9d3e5f7a2b41
Create Date: 2026-12-02 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4c6e8f0b2d1'
down_revision = '9d3e5f7a2b41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_rolled_day', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), nullable=False, server_default='referral'))
        batch_op.drop_constraint('pk_report_rolled_day', type_='primary')
        batch_op.create_primary_key('pk_report_rolled_day', ['kind', 'day'])
    with op.batch_alter_table('report_rolled_day', schema=None) as batch_op:
        batch_op.alter_column('kind', server_default=None)
    op.create_table('report_handover_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('poli_id', sa.Integer(), nullable=False),
    sa.Column('contact', sa.Integer(), nullable=False),
    sa.Column('planned', sa.Integer(), nullable=False),
    sa.Column('held', sa.Integer(), nullable=False),
    sa.Column('term_met', sa.Integer(), nullable=True),
    sa.Column('written', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('missed_reason', sa.String(length=30), nullable=True),
    sa.Column('workdays_to_intake', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['poli_id'], ['poli.id'], name=op.f('fk_report_handover_day_poli_id_poli')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_handover_day'))
    )
    with op.batch_alter_table('report_handover_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_handover_day_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_handover_day_poli_id'), ['poli_id'], unique=False)
    op.create_table('report_exit_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('poli_id', sa.Integer(), nullable=False),
    sa.Column('exit_reason', sa.String(length=30), nullable=True),
    sa.Column('exit_target', sa.String(length=30), nullable=True),
    sa.Column('gemeente', sa.String(length=40), nullable=True),
    sa.Column('days_in_igp', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['poli_id'], ['poli.id'], name=op.f('fk_report_exit_day_poli_id_poli')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_exit_day'))
    )
    with op.batch_alter_table('report_exit_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_exit_day_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_exit_day_poli_id'), ['poli_id'], unique=False)


def downgrade():
    with op.batch_alter_table('report_exit_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_exit_day_poli_id'))
        batch_op.drop_index(batch_op.f('ix_report_exit_day_day'))
    op.drop_table('report_exit_day')
    with op.batch_alter_table('report_handover_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_handover_day_poli_id'))
        batch_op.drop_index(batch_op.f('ix_report_handover_day_day'))
    op.drop_table('report_handover_day')
    op.execute("DELETE FROM report_rolled_day WHERE kind <> 'referral'")
    with op.batch_alter_table('report_rolled_day', schema=None) as batch_op:
        batch_op.drop_constraint('pk_report_rolled_day', type_='primary')
        batch_op.create_primary_key('pk_report_rolled_day', ['day'])
        batch_op.drop_column('kind')
