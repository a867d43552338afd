"""Password policy (NIST SP 800-63B): length, breached-password list, no username, no composition rules."""
from __future__ import annotations

import pytest

from config import Testing
from igp import create_app
from igp.auth.services import MAX_PASSWORD_LENGTH, common_passwords, password_problems


@pytest.fixture(scope="module")
def app_context():
    app = create_app(Testing(SQLALCHEMY_DATABASE_URI="sqlite://"))
    with app.app_context():
        yield


@pytest.mark.parametrize("password,problem", [
    ("kort", "minstens 12 tekens"),
    ("q1w2e3r4t5y6", "gelekte wachtwoorden"),          # on the shipped list
    ("QWERTY123456", "gelekte wachtwoorden"),          # case does not help
    ("aaaaaaaaaaaaaaaa", "te voorspelbaar"),
    ("jvk.smit-wachtwoord", "gebruikersnaam"),
    ("x" * (MAX_PASSWORD_LENGTH + 1), "hoogstens"),
])
def test_refused(app_context, password, problem):
    assert problem in password_problems(password, "jvk.smit")


@pytest.mark.parametrize("password", ["correct horse battery staple", "Zonnige dinsdag bij het CB", "ééntweedrievier"])
def test_accepted_without_composition_rules(app_context, password):
    assert password_problems(password, "jvk.smit") is None


def test_the_list_is_shipped(app_context):
    assert len(common_passwords()) > 19000
