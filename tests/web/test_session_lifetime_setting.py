"""The absolute session lifetime is a setting (a test with an app of its own, so a module of its
own: the other session tests share the module's network)."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("settings_overrides", [{"SESSION_LIFETIME": __import__("datetime").timedelta(hours=2)}])
def test_the_lifetime_is_configurable(app, client, login, make_user, clock, settings_overrides):
    user = make_user("jeugdverpleegkundige")
    login(user)
    clock.advance(minutes=25)
    assert client.get("/").status_code == 200
    clock.advance(minutes=25)
    client.get("/")
    clock.advance(minutes=25)
    client.get("/")
    clock.advance(minutes=25)
    client.get("/")
    clock.advance(minutes=25)  # 2 h 5 min
    assert client.get("/").status_code == 302
