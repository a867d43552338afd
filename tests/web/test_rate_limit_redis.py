"""The sign-in rate limit per address is shared through Redis by every worker (a test with its
own app, settings and module)."""
from __future__ import annotations

import os
import uuid

import pytest
import redis

from tests.conftest import csrf_token


def _redis_url():
    return os.environ.get("IGP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    try:
        return redis.Redis.from_url(_redis_url(), socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="Redis not reachable at IGP_TEST_REDIS_URL (CI has one)")
@pytest.mark.parametrize("settings_overrides", [{"RATELIMIT_STORAGE_URI": _redis_url(),
                                                 "LOGIN_RATE_LIMIT": "3 per minute"}])
def test_sign_in_limit_per_address_is_shared_through_redis(app, settings_overrides):
    """Two 'workers' (two clients) share the counter: the 4th attempt from the address is refused."""
    from igp.extensions import limiter

    limiter.reset()
    address = f"10.0.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    first, second = app.test_client(), app.test_client()
    for n, client in enumerate((first, second, first)):
        token = csrf_token(client, "/login")
        response = client.post("/login", data={"username": f"x{n}", "password": "y" * 12, "csrf_token": token},
                               environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 401
    token = csrf_token(second, "/login")
    blocked = second.post("/login", data={"username": "x9", "password": "y" * 12, "csrf_token": token},
                          environ_base={"REMOTE_ADDR": address})
    assert blocked.status_code == 429
    limiter.reset()
