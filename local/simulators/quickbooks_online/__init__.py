"""QuickBooks Online simulator: a local twin of Intuit's Accounting API v3, built from providers.md §1.

Start it in a test::

    from local.simulators.quickbooks_online import SimulatorConfig, running_simulator

    with running_simulator(SimulatorConfig(time_scale=0.001)) as sim:
        sim.base_url        # API at f"{sim.base_url}/v3/company/{realm}/..."
        sim.discovery_url   # /.well-known/openid_configuration (intuit-oauth: environment=this URL)
        sim.authorize_url, sim.token_url, sim.revoke_url
        sim.admin.count(realm, "Customer"); sim.admin.add_fault("drop_after_commit", entity="Customer")

or standalone: ``python -m local.simulators.quickbooks_online --port 8601 [--time-scale 0.01]``.

Stable interface:
- `build_app(config) -> Starlette` and `SimulatorConfig` (apps, companies with a `country` of US,
  GB, CA or AU, access_token_ttl, access_token_length (≤4096), time_scale, limits_enabled, limits
  (per minute, per second and app, concurrent, batches per app and per realm), webhook
  url/verifier_token/aggregation_delay/format ("cloudevents" by default, or "legacy"), faults;
  a fault rule with `entity="OAuth"` acts on the token endpoint).
- `running_simulator(config) -> SimulatorHandle` (server.py) with `base_url`, `discovery_url`,
  `authorize_url`, `token_url`, `revoke_url`, `company_url(realm)` and `admin` (`AdminClient`).
- Paths on one host: discovery `/.well-known/openid_configuration`, authorize `/connect/oauth2`,
  token `/oauth2/v1/tokens/bearer`, revoke `/v2/oauth2/tokens/revoke`, API `/v3/company/{realmId}/…`,
  admin `/_sim/…` (listed in admin.py).
- Auto-consent: `/connect/oauth2` redirects at once to `redirect_uri?code&state&realmId` for the
  first company; `sim_realm_id=…` or `sim_consent=deny` on the URL, or `POST /_sim/consent`, choose
  another company or `error=access_denied`.
"""

from local.simulators.quickbooks_online.app import build_app
from local.simulators.quickbooks_online.config import (
    CompanySeed,
    LimitsConfig,
    RegisteredApp,
    SimulatorConfig,
    WebhookConfig,
)
from local.simulators.quickbooks_online.faults import FaultRule
from local.simulators.quickbooks_online.server import AdminClient, SimulatorHandle, running_simulator

__all__ = [
    "AdminClient",
    "CompanySeed",
    "FaultRule",
    "LimitsConfig",
    "RegisteredApp",
    "SimulatorConfig",
    "SimulatorHandle",
    "WebhookConfig",
    "build_app",
    "running_simulator",
]
