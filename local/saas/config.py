"""Settings of the reference SaaS app; every one has a dev default so `python -m local.saas` just runs."""

import os
from dataclasses import dataclass

DEFAULT_DB_PATH = "local/.data/saas.sqlite3"


@dataclass(frozen=True)
class SaasAppConfig:
    db_path: str = DEFAULT_DB_PATH
    platform_api_key: str = "dev-platform-key"
    console_jwt_secret: str = "dev-only-tenant-jwt-secret-change-me"
    console_token_ttl_seconds: int = 3600
    event_bus_name: str = "fsm-saas"

    @classmethod
    def from_environment(cls) -> "SaasAppConfig":
        defaults = cls()
        return cls(
            db_path=os.environ.get("SAAS_DB_PATH", defaults.db_path),
            platform_api_key=os.environ.get("SAAS_PLATFORM_API_KEY", defaults.platform_api_key),
            console_jwt_secret=os.environ.get("SAAS_CONSOLE_JWT_SECRET", defaults.console_jwt_secret),
            console_token_ttl_seconds=int(
                os.environ.get("SAAS_CONSOLE_TOKEN_TTL_SECONDS", defaults.console_token_ttl_seconds)
            ),
            event_bus_name=os.environ.get("SAAS_EVENT_BUS_NAME", defaults.event_bus_name),
        )
