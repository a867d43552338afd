"""dashboard: the active families and the exits counted from the index alone on PostgreSQL; the
forgiving search's pseudonym prefix along an index (issue 21)

ix_family_status_poli and ix_family_exited_on are made again with the columns the dashboard groups by
as included columns (PostgreSQL INCLUDE); on SQLite they stay as they are. ix_family_pseudonym_prefix
(varchar_pattern_ops on PostgreSQL, where LIKE 'prefix%' cannot use the unique index under a
non-C collation).

Revision ID: 9d3e5f7a2b41
Revises: 8c2d4e6f1a30
Create Date: 2026-12-02 07:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9d3e5f7a2b41'
down_revision = '8c2d4e6f1a30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_family_pseudonym_prefix', 'family', ['pseudonym'],
                    postgresql_ops={'pseudonym': 'varchar_pattern_ops'})
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index('ix_family_status_poli', table_name='family')
    op.create_index('ix_family_status_poli', 'family', ['status', 'poli_id'],
                    postgresql_include=['gemeente', 'coordinator_id'])
    op.drop_index('ix_family_exited_on', table_name='family')
    op.create_index('ix_family_exited_on', 'family', ['exited_on'],
                    postgresql_include=['poli_id', 'exit_reason', 'exit_target', 'gemeente', 'exited_at'])


def downgrade():
    op.drop_index('ix_family_pseudonym_prefix', table_name='family')
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index('ix_family_exited_on', table_name='family')
    op.create_index('ix_family_exited_on', 'family', ['exited_on'])
    op.drop_index('ix_family_status_poli', table_name='family')
    op.create_index('ix_family_status_poli', 'family', ['status', 'poli_id'])
