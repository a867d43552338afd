"""The IGP case coordination system: a Flask application built by `create_app()`.

Nothing happens at import: no engine, no environment read, no app. `flask --app igp ...`
calls `create_app()` with the settings named by IGP_ENV (default: development).
"""
from __future__ import annotations

import logging

from igp.paths import PROJECT_ROOT

log = logging.getLogger("igp")

__all__ = ["PROJECT_ROOT", "create_app"]


def create_app(settings=None, clock=None):
    """The app for `settings` (default: from the environment), with `clock` (default: the system's)."""
    from igp.app import build_app  # the whole application, imported only when an app is made

    return build_app(settings, clock)
