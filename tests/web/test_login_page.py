"""The login page says what this deployment asks (issue 19): the authenticator code only where
the second factor is required."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("settings_overrides", [{"REQUIRE_TOTP": True}, {"REQUIRE_TOTP": False}])
def test_the_login_page_announces_the_authenticator_code_only_when_it_is_asked(client, app, settings_overrides):
    page = client.get("/login").get_data(as_text=True)
    announced = "vraagt het systeem om de code uit uw authenticator-app" in page
    assert announced == settings_overrides["REQUIRE_TOTP"]
