"""Settings: production refuses development or missing secrets, with a clear message."""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from config import ConfigurationError, Development, Production, settings_from_env
from config.settings import DEV_ENCRYPTION_KEY, DEV_SECRET_KEY

REAL = {
    "IGP_DATABASE_URL": "postgresql+psycopg://igp@127.0.0.1/igp",
    "IGP_SECRET_KEY": "s" * 40,
    "IGP_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "IGP_BLIND_INDEX_KEY": "i" * 40,
    "IGP_AUDIT_KEY": "a" * 40,
    "IGP_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/0",
}


@pytest.fixture
def env(monkeypatch):
    for name in list(REAL) + ["IGP_ENV", "IGP_REQUIRE_TOTP"]:
        monkeypatch.delenv(name, raising=False)

    def set_env(**values):
        for key, value in values.items():
            monkeypatch.setenv(key, value)

    return set_env


def test_production_starts_with_real_secrets(env):
    env(**REAL)
    Production().validate()


def test_production_refuses_missing_secrets(env):
    with pytest.raises(ConfigurationError) as info:
        Production().validate()
    message = str(info.value)
    for name in ("IGP_DATABASE_URL", "IGP_SECRET_KEY", "IGP_ENCRYPTION_KEYS", "IGP_BLIND_INDEX_KEY", "IGP_AUDIT_KEY"):
        assert name in message


@pytest.mark.parametrize("name,value", [
    ("IGP_SECRET_KEY", DEV_SECRET_KEY),
    ("IGP_ENCRYPTION_KEYS", DEV_ENCRYPTION_KEY),
    # a fixed real key (a generated one would differ per test process, and xdist needs equal ids)
    ("IGP_ENCRYPTION_KEYS", "iyZzD7GZKiduCVo2O0GWcKE8QY3LQhIUAvv9KZWWLmA=," + DEV_ENCRYPTION_KEY),
    ("IGP_SECRET_KEY", "short"),
    ("IGP_REQUIRE_TOTP", "0"),
])
def test_production_refuses_development_keys(env, name, value):
    env(**{**REAL, name: value})
    with pytest.raises(ConfigurationError, match=name):
        Production().validate()


def test_production_refuses_shared_keys(env):
    env(**{**REAL, "IGP_AUDIT_KEY": REAL["IGP_SECRET_KEY"]})
    with pytest.raises(ConfigurationError, match="must differ"):
        Production().validate()


def test_create_app_refuses_to_start_in_production_with_dev_keys(env):
    from igp import create_app

    env(IGP_ENV="production", IGP_DATABASE_URL="sqlite://")
    with pytest.raises(ConfigurationError, match="Production refuses to start"):
        create_app()


def test_development_defaults_to_sqlite_under_instance(env, monkeypatch, tmp_path):
    monkeypatch.setenv("IGP_INSTANCE_PATH", str(tmp_path))
    settings = Development()
    settings.validate()
    assert settings.SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path / 'igp.db'}"
    assert settings.REQUIRE_TOTP is True


def test_unknown_environment_name(env):
    env(IGP_ENV="staging")
    with pytest.raises(ConfigurationError, match="IGP_ENV"):
        settings_from_env()


def test_nothing_is_read_at_import():
    import subprocess
    import sys

    code = ("import os; os.environ['IGP_ENV']='production'; import igp, config, igp.crypto, igp.web, igp.cli; "
            "print('imported')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "imported"


def test_production_refuses_a_per_process_rate_limit_store(env):
    env(**{**REAL, "IGP_RATELIMIT_STORAGE_URL": "memory://"})
    with pytest.raises(ConfigurationError, match="IGP_RATELIMIT_STORAGE_URL=memory:// counts per worker process"):
        Production().validate()


def test_session_lifetime_is_configurable(env):
    from datetime import timedelta

    env(IGP_SESSION_HOURS="8")
    settings = Development()
    assert settings.SESSION_LIFETIME == settings.PERMANENT_SESSION_LIFETIME == timedelta(hours=8)
    env(IGP_SESSION_HOURS="")
    assert Development().SESSION_LIFETIME == timedelta(hours=12)


def _gunicorn_conf():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("gunicorn_conf", Path(__file__).parents[2] / "config" / "gunicorn.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


def test_gunicorn_starts_one_sync_worker_per_core_unless_told(monkeypatch):
    """Measured (bench/results/issue21-session10.md): on 2 cores 2 sync workers beat 3 and 4."""
    import os

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    conf = _gunicorn_conf()
    assert (conf.workers, conf.worker_class) == (2, "sync")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    assert _gunicorn_conf().workers == 8
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert _gunicorn_conf().workers == 3
    monkeypatch.setenv("WEB_CONCURRENCY", "0")
    assert _gunicorn_conf().workers == 1


def test_gunicorn_refuses_memory_store_with_several_workers_in_production(monkeypatch):
    from types import SimpleNamespace

    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    conf = _gunicorn_conf()
    warnings = []
    server = SimpleNamespace(cfg=SimpleNamespace(workers=conf.workers),
                             log=SimpleNamespace(warning=lambda *a: warnings.append(a[0] % a[1:])))
    assert conf.workers == 4 and conf.limit_request_line == 8190
    monkeypatch.setenv("IGP_ENV", "production")
    monkeypatch.setenv("IGP_RATELIMIT_STORAGE_URL", "memory://")
    with pytest.raises(SystemExit, match="refusing to start: IGP_RATELIMIT_STORAGE_URL=memory:// with 4 workers"):
        conf.on_starting(server)
    monkeypatch.setenv("IGP_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/0")
    conf.on_starting(server)
    monkeypatch.setenv("IGP_ENV", "development")
    monkeypatch.setenv("IGP_RATELIMIT_STORAGE_URL", "memory://")
    conf.on_starting(server)
    assert warnings and "every worker counts sign-in attempts on its own" in warnings[0]
    server.cfg.workers = 1
    monkeypatch.setenv("IGP_ENV", "production")
    conf.on_starting(server)  # one worker: the settings decide (production refuses memory:// there)
