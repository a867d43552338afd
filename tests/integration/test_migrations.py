"""The Alembic revisions build exactly the schema the models describe (on SQLite and PostgreSQL)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from igp.extensions import db
from igp.schema import head_revisions, schema_state


def test_models_and_migrations_agree(app, database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "render_as_batch": True})
            diff = compare_metadata(context, db.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ; run 'flask --app igp db migrate': {diff}"


def test_database_is_at_head(app):
    assert schema_state() == "current"
    assert len(head_revisions()) == 1, "migrations must not branch"
