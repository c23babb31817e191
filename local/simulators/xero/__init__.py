"""Xero simulator: a local twin of Xero's identity service and Accounting API 2.0 (providers.md §2).

Start it in a test::

    from local.simulators.xero import SimulatorConfig, running_simulator

    with running_simulator(SimulatorConfig(time_scale=0.001)) as sim:
        sim.accounting_url   # AccountingApi(base_url=...): f"{sim.base_url}/api.xro/2.0"
        sim.identity_url     # IdentityApi(base_url=...): /connections
        sim.authorize_url, sim.token_url, sim.revoke_url
        sim.admin.count(tenant_id, "Contacts"); sim.admin.add_fault("drop_after_commit", entity="Invoices")

or standalone: ``python -m local.simulators.xero --port 8602 [--time-scale 0.01]``.

Stable interface:
- `build_app(config) -> Starlette` and `SimulatorConfig` (apps, organisations, token lifetimes and
  refresh grace, idempotency_window, time_scale, limits_enabled, limits, webhook, faults).
- `running_simulator(config) -> SimulatorHandle` (server.py) with `base_url`, `authorize_url`,
  `token_url`, `revoke_url`, `identity_url`, `accounting_url` and `admin` (`AdminClient`).
- Paths on one host, as on Xero's three: authorize `/identity/connect/authorize`, token
  `/connect/token`, revocation `/connect/revocation`, `/connections[/{id}]`, API `/api.xro/2.0/…`,
  admin `/_sim/…` (listed in admin.py).
- Auto-consent: the authorize URL redirects at once to `redirect_uri?code&scope&state` for the
  first organisation; `sim_tenant_id=…` (repeatable), `sim_user=…`, `sim_consent=deny`, or
  `POST /_sim/consent`, pick other organisations, another Xero user or `error=access_denied`.
- Default organisations: a GB, an AU and a US one (config.py), each with its region's tax rates.
"""

from local.simulators.xero.app import build_app
from local.simulators.xero.config import (
    LimitsConfig,
    OrganisationSeed,
    RegisteredApp,
    SimulatorConfig,
    WebhookConfig,
)
from local.simulators.xero.faults import FaultRule
from local.simulators.xero.server import AdminClient, SimulatorHandle, running_simulator

__all__ = [
    "AdminClient",
    "FaultRule",
    "LimitsConfig",
    "OrganisationSeed",
    "RegisteredApp",
    "SimulatorConfig",
    "SimulatorHandle",
    "WebhookConfig",
    "build_app",
    "running_simulator",
]
