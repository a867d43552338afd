"""Users, organisations, roles, sign-in with a second factor, API tokens."""
