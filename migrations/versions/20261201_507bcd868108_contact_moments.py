"""contact moments: contact_moment (per family, date, discipline and kind; no free text)

Revision ID: 507bcd868108
Revises: 7011cc18cc08
Create Date: 2026-12-01 20:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '507bcd868108'
down_revision = '7011cc18cc08'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contact_moment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('contact_on', sa.Date(), nullable=False),
    sa.Column('discipline', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('on_behalf_of_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_contact_moment_family_id_family'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['on_behalf_of_id'], ['user.id'], name=op.f('fk_contact_moment_on_behalf_of_id_user')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_contact_moment_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_contact_moment_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_moment'))
    )
    with op.batch_alter_table('contact_moment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_moment_contact_on'), ['contact_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_moment_family_id'), ['family_id'], unique=False)


def downgrade():
    with op.batch_alter_table('contact_moment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_moment_family_id'))
        batch_op.drop_index(batch_op.f('ix_contact_moment_contact_on'))

    op.drop_table('contact_moment')
