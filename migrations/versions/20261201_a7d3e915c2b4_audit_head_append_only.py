"""audit head append-only: the sealed head only moves forward

Revision ID: a7d3e915c2b4
Revises: b5a9dc8ea3b5
Create Date: 2026-12-01 10:00:00

The chain head (one row) could be set back to an older, validly sealed state: the newest
entries deleted and the old head put back left a chain that verified as intact. The database
now refuses that: the head is inserted once, an update must raise its sequence number, and
DELETE and TRUNCATE are refused (on SQLite: the same, without TRUNCATE). A superuser can still
disable the trigger; the witness outside the database (igp/audit/witness.py) catches that.
"""
from alembic import op

revision = 'a7d3e915c2b4'
down_revision = 'b5a9dc8ea3b5'
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM audit_head) THEN
            RAISE EXCEPTION 'audit_head is append-only: a second head refused';
        END IF;
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW.id <> OLD.id OR NEW.last_seq <= OLD.last_seq THEN
            RAISE EXCEPTION 'audit_head is append-only: the sequence number must increase (% -> %)',
                OLD.last_seq, NEW.last_seq;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_head is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""

SQLITE_TRIGGERS = {
    "audit_head_no_second": "BEFORE INSERT ON audit_head WHEN (SELECT count(*) FROM audit_head) > 0 "
                            "BEGIN SELECT RAISE(ABORT, 'audit_head is append-only: a second head refused'); END",
    "audit_head_forward_only": "BEFORE UPDATE ON audit_head WHEN NEW.id <> OLD.id OR NEW.last_seq <= OLD.last_seq "
                               "BEGIN SELECT RAISE(ABORT, 'audit_head is append-only: the sequence number must "
                               "increase'); END",
    "audit_head_no_delete": "BEFORE DELETE ON audit_head "
                            "BEGIN SELECT RAISE(ABORT, 'audit_head is append-only: DELETE refused'); END",
}


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute("CREATE TRIGGER audit_head_forward_only BEFORE INSERT OR UPDATE OR DELETE ON audit_head "
                   "FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()")
        op.execute("CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_head_forward_only()")
    elif dialect == "sqlite":
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head")
        op.execute("DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_head")
        op.execute("DROP FUNCTION IF EXISTS audit_head_forward_only()")
    elif dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
