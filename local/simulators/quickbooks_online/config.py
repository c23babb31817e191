"""Settings of one simulator instance: registered apps, companies, token lifetimes, limits, webhooks.

Every duration Intuit publishes (rate windows, webhook aggregation and retry schedule) is given here
in real-world seconds and multiplied by `time_scale`, so a test can run the published behaviour in
milliseconds without changing the numbers themselves.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from local.simulators.quickbooks_online.faults import FaultRule


class RegisteredApp(BaseModel):
    """An app as registered on the Intuit developer portal (Keys tab)."""

    client_id: str
    client_secret: str
    redirect_uris: list[str]


class CompanySeed(BaseModel):
    """A QuickBooks company (realm) to create at start and on every reset."""

    realm_id: str
    name: str
    country: str = "US"
    timezone: str = "America/Los_Angeles"


class WebhookConfig(BaseModel):
    """Where and how change notifications go (providers.md 1.7)."""

    url: str | None = None
    verifier_token: str = "sim-verifier-token"
    # Intuit batches notifications over 1, 3 or 5 minutes; seconds, scaled by time_scale.
    aggregation_delay: float = 60.0
    # CloudEvents is Intuit's payload since 2026 (providers.md 1.7); "legacy" keeps eventNotifications.
    format: Literal["legacy", "cloudevents"] = "cloudevents"
    # "Reply 200 within 3 s" (providers.md 1.7); real seconds, not scaled: it bounds a socket wait.
    delivery_timeout: float = 3.0


class LimitsConfig(BaseModel):
    """Published limits (providers.md 1.2); windows are 1 s or 60 s times time_scale (limits.py)."""

    requests_per_minute: int = 500
    requests_per_second: int = 10
    concurrent_requests: int = 10
    batch_requests_per_minute: int = 40
    batch_requests_per_minute_per_realm: int = 120
    batch_max_items: int = 30


class SimulatorConfig(BaseModel):
    apps: list[RegisteredApp] = Field(
        default_factory=lambda: [
            RegisteredApp(
                client_id="sim-client-id",
                client_secret="sim-client-secret",
                redirect_uris=["http://localhost/callback"],
            )
        ]
    )
    companies: list[CompanySeed] = Field(
        default_factory=lambda: [CompanySeed(realm_id="9130350000000001", name="Sim Field Services LLC")]
    )
    access_token_ttl: float = 3600.0
    # Intuit's access tokens run to about a thousand characters and may reach 4096 (oauth.py).
    access_token_length: int = Field(default=1024, ge=32, le=4096)
    # A rolling 100 days, as Intuit reports it in x_refresh_token_expires_in (providers.md 1.1).
    refresh_token_ttl: float = 8726400.0
    authorization_code_ttl: float = 300.0
    time_scale: float = 1.0
    limits_enabled: bool = True
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    webhook: WebhookConfig = Field(default_factory=WebhookConfig)
    # Intuit times a request out after 120 s (providers.md 1.2); a dropped reply is held that long.
    request_timeout: float = 120.0
    faults: list[FaultRule] = Field(default_factory=list)

    def scaled(self, seconds: float) -> float:
        """A published duration shrunk (or not) for this instance."""
        return seconds * self.time_scale
