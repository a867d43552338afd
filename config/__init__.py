"""Configuration of the IGP application: settings classes read from environment variables."""
from config.settings import (  # noqa: F401
    BaseSettings,
    ConfigurationError,
    Development,
    Production,
    Testing,
    settings_from_env,
)
