"""Is the database at the migrations' head? Checked once per process before the first request."""
from __future__ import annotations

from functools import lru_cache

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from igp.extensions import db
from igp.paths import PROJECT_ROOT


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def known_revisions() -> frozenset[str]:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return frozenset(rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions())


def schema_state() -> str:
    """'current', 'behind' (run db upgrade) or 'ahead' (the code is older than the database)."""
    if not inspect(db.engine).has_table("alembic_version"):
        return "behind"
    rows = {r[0] for r in db.session.execute(text("SELECT version_num FROM alembic_version"))}
    db.session.rollback()
    if rows == head_revisions():
        return "current"
    if rows <= known_revisions():
        return "behind"
    return "ahead"
