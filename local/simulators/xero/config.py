"""Settings of one Xero simulator instance: apps, organisations, token lifetimes, limits, webhooks.

Durations Xero publishes for load (rate windows, webhook retries) are given in real-world seconds
and multiplied by `time_scale`, so a test can run the published behaviour in milliseconds. Token
and idempotency lifetimes run on the simulated clock instead (`POST /_sim/clock/advance`), because
a test wants to jump past them, not wait a scaled fraction of them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from local.simulators.xero.faults import FaultRule

Country = Literal["GB", "AU", "US"]
DAY = 86400.0


class RegisteredApp(BaseModel):
    """An app as registered at developer.xero.com; `client_secret=None` is a PKCE (public) app."""

    client_id: str
    client_secret: str | None
    redirect_uris: list[str]
    name: str = "Fieldbooks Simulator App"


class OrganisationSeed(BaseModel):
    """A Xero organisation (tenant) created at start and on every reset."""

    tenant_id: str
    name: str
    country: Country = "GB"
    timezone: str = "Europe/London"


class WebhookConfig(BaseModel):
    """One webhook subscription (providers.md 2.7)."""

    url: str | None = None
    key: str = "sim-webhook-key-0123456789abcdef0123456789abcdef0123456789abcdef"
    # Events wait this long (seconds, scaled) to be batched into one payload.
    batch_delay: float = 5.0
    # "Reply 200 within 5 s" (providers.md 2.7); real seconds: it bounds a socket wait.
    delivery_timeout: float = 5.0
    # "Decreasing frequency for up to 24 hours" (providers.md 2.7; the schedule itself is ours):
    # waits before each attempt, about 23.4 hours in all, then the subscription is disabled.
    retry_waits: list[float] = Field(
        default_factory=lambda: [0.0, 60.0, 300.0, 900.0, 3600.0, 7200.0, 14400.0, 28800.0, 28800.0]
    )


class LimitsConfig(BaseModel):
    """Per-tenant and per-app limits (providers.md 2.2)."""

    per_minute: int = 60
    concurrent: int = 5
    per_day: int = 5000
    app_per_minute: int = 10000


class SimulatorConfig(BaseModel):
    apps: list[RegisteredApp] = Field(
        default_factory=lambda: [
            RegisteredApp(
                client_id="sim-xero-client-id",
                client_secret="sim-xero-client-secret",
                redirect_uris=["http://localhost/callback"],
            ),
            RegisteredApp(
                client_id="sim-xero-pkce-client-id", client_secret=None, redirect_uris=["http://localhost/callback"]
            ),
        ]
    )
    organisations: list[OrganisationSeed] = Field(
        default_factory=lambda: [
            OrganisationSeed(tenant_id="3f1c9d2e-0b5a-4c1e-9e77-1a2b3c4d5e01", name="Sim Field Services Ltd"),
            OrganisationSeed(
                tenant_id="3f1c9d2e-0b5a-4c1e-9e77-1a2b3c4d5e02",
                name="Sim Field Services Pty Ltd",
                country="AU",
                timezone="Australia/Sydney",
            ),
            OrganisationSeed(
                tenant_id="3f1c9d2e-0b5a-4c1e-9e77-1a2b3c4d5e03",
                name="Sim Field Services Inc",
                country="US",
                timezone="America/New_York",
            ),
        ]
    )
    # XD:faq/oauth2: access 30 min; refresh 60 days if unused, rotating, old one good for 30 min.
    access_token_ttl: float = 1800.0
    refresh_token_ttl: float = 60 * DAY
    refresh_grace: float = 1800.0
    authorization_code_ttl: float = 300.0
    # providers.md 2.5: keys are kept 6 minutes (unconfirmed); on the simulated clock.
    idempotency_window: float = 360.0
    time_scale: float = 1.0
    limits_enabled: bool = True
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    webhook: WebhookConfig = Field(default_factory=WebhookConfig)
    # How long a dropped reply is held before the simulator gives up on the client (real seconds).
    request_timeout: float = 120.0
    faults: list[FaultRule] = Field(default_factory=list)

    def scaled(self, seconds: float) -> float:
        return seconds * self.time_scale
