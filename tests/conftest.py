"""Fixtures shared by every suite.

The process environment is set once, here, before anything imports a handler or a store: Lambda
gives a function its environment before its code loads, and the PynamoDB models read their table
names at import. Values come from template.yaml through the local runtime's own code.
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest
from hypothesis import HealthCheck, settings
from moto import mock_aws

os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    POWERTOOLS_METRICS_DISABLED="true",
)
os.environ.pop("AWS_ENDPOINT_URL", None)

from local.runtime.handlers import Handler, LambdaContext, load_handler, load_module  # noqa: E402
from local.runtime.resources import (  # noqa: E402
    DEV_QUICKBOOKS_CLIENT_ID,
    DEV_QUICKBOOKS_CLIENT_SECRET,
    DEV_TENANT_JWT_SECRET,
    DEV_XERO_CLIENT_ID,
    LocalStack,
    create_resources,
    local_parameters,
)
from local.runtime.template import Template  # noqa: E402
from local.saas.config import SaasAppConfig  # noqa: E402
from local.saas.publisher import RecordingSink  # noqa: E402
from local.saas.server import SaasAppHandle, running_saas_app  # noqa: E402
from local.simulators import xero as xero_sim  # noqa: E402
from local.simulators.quickbooks_online import (  # noqa: E402
    CompanySeed,
    RegisteredApp,
    SimulatorConfig,
    SimulatorHandle,
    running_simulator,
)

# Property tests check what holds, not how fast: on a loaded 2-core machine hypothesis' 200 ms deadline
# and its too-slow health check fail examples that pass alone.
settings.register_profile("fieldbooks", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("fieldbooks")

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
TEMPLATE = Template()

# Handlers read their settings once, at import, as on Lambda; so the simulator and the SaaS app
# listen at ports fixed per xdist worker, known before anything is imported.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
# FIELDBOOKS_TEST_PORT_BASE separates suites running side by side on one machine (worktrees).
QBO_PORT = int(os.environ.get("FIELDBOOKS_TEST_PORT_BASE", "18610")) + 3 * _WORKER
SAAS_PORT = QBO_PORT + 1
QBO_URL = f"http://127.0.0.1:{QBO_PORT}"
SAAS_URL = f"http://127.0.0.1:{SAAS_PORT}"
# Never served in tests (the callback handler is invoked directly); it only has to match what the
# simulator's registered app allows, as Intuit checks redirect URIs.
PUBLIC_API_URL = f"http://127.0.0.1:{QBO_PORT + 2}"
QBO_REDIRECT_URI = f"{PUBLIC_API_URL}/oauth/quickbooks_online/callback"
# The Xero simulator sits away from the base's 3-a-worker block, one port a worker.
XERO_PORT = int(os.environ.get("FIELDBOOKS_TEST_PORT_BASE", "18610")) + 100 + _WORKER
XERO_URL = f"http://127.0.0.1:{XERO_PORT}"
XERO_REDIRECT_URI = f"{PUBLIC_API_URL}/oauth/xero/callback"
XERO_ORG = "3f1c9d2e-0b5a-4c1e-9e77-1a2b3c4d5e01"  # the simulator's GB organisation
XERO_OTHER_ORG = "3f1c9d2e-0b5a-4c1e-9e77-1a2b3c4d5e02"  # its AU one
QBO_REALM = "9130350000000001"
QBO_OTHER_REALM = "9130350000000002"
PARAMETERS = local_parameters(
    TEMPLATE,
    stage="test",
    saas_api_base_url=SAAS_URL,
    quickbooks_base_url=QBO_URL,
    public_api_base_url=PUBLIC_API_URL,
    console_return_url="http://127.0.0.1:9/settings/integrations",
    xero_base_url=XERO_URL,
)


def _environment() -> dict[str, str]:
    with mock_aws():
        return create_resources(TEMPLATE, PARAMETERS, boto3.Session()).all_environments()


os.environ.update(_environment())


@pytest.fixture
def aws() -> Iterator[LocalStack]:
    """A fresh embedded AWS with exactly what template.yaml declares, met as by a cold start: the
    intake's per-container cache of connections starts empty, as a new container's would."""
    load_module(TEMPLATE.function("SaasEventsFunction"))._connections.clear()
    with mock_aws():
        yield create_resources(TEMPLATE, PARAMETERS, boto3.Session())


@pytest.fixture(scope="session")
def qbo_simulator() -> Iterator[SimulatorHandle]:
    config = SimulatorConfig(
        apps=[
            RegisteredApp(
                client_id=DEV_QUICKBOOKS_CLIENT_ID,
                client_secret=DEV_QUICKBOOKS_CLIENT_SECRET,
                redirect_uris=[QBO_REDIRECT_URI],
            )
        ],
        companies=[
            CompanySeed(realm_id=QBO_REALM, name="Acme Plumbing LLC"),
            CompanySeed(realm_id=QBO_OTHER_REALM, name="Other Books Inc"),
        ],
        time_scale=0.01,
    )
    with running_simulator(config, port=QBO_PORT) as simulator:
        yield simulator


@pytest.fixture
def qbo(qbo_simulator: SimulatorHandle) -> SimulatorHandle:
    """The QuickBooks Online simulator, reset to its seeded companies, with no faults and no tokens."""
    qbo_simulator.admin.reset(forget_tokens=True)
    qbo_simulator.admin.clear_faults()
    return qbo_simulator


@pytest.fixture(scope="session")
def xero_simulator() -> Iterator[xero_sim.SimulatorHandle]:
    config = xero_sim.SimulatorConfig(
        apps=[
            xero_sim.RegisteredApp(client_id=DEV_XERO_CLIENT_ID, client_secret=None, redirect_uris=[XERO_REDIRECT_URI])
        ],
        time_scale=0.01,
    )
    with xero_sim.running_simulator(config, port=XERO_PORT) as simulator:
        yield simulator


@pytest.fixture
def xero(xero_simulator: xero_sim.SimulatorHandle) -> xero_sim.SimulatorHandle:
    """The Xero simulator, reset to its seeded organisations, with no faults and no tokens."""
    xero_simulator.admin.reset(forget_tokens=True)
    xero_simulator.admin.clear_faults()
    return xero_simulator


@dataclass
class SaasApp:
    handle: SaasAppHandle
    sink: RecordingSink

    def events_of(self, tenant_id: str) -> list[Any]:
        """What the app published for one tenant (tenants are unique per test, so no reset is needed)."""
        self.handle.wait_until_published()
        return [event for event in self.sink.events if event.tenant_id == tenant_id]


@pytest.fixture(scope="session")
def saas_app() -> Iterator[SaasApp]:
    sink = RecordingSink()
    with running_saas_app(SaasAppConfig(db_path=":memory:"), sink=sink, port=SAAS_PORT) as handle:
        yield SaasApp(handle, sink)


@pytest.fixture
def handler() -> Callable[[str], Handler]:
    return lambda function_id: load_handler(TEMPLATE.function(function_id))


@pytest.fixture
def context() -> LambdaContext:
    return LambdaContext("fieldbooks-test")


@pytest.fixture
def load_event() -> Callable[..., dict[str, Any]]:
    """A sample event from events/ (the same files `sam local invoke -e` takes), with overrides."""

    def load(relative: str, **overrides: Any) -> dict[str, Any]:
        event = json.loads((EVENTS / relative).read_text())
        for dotted, value in overrides.items():
            target = event
            *parents, leaf = dotted.split("__")
            for key in parents:
                target = target[key]
            target[leaf] = value
        return copy.deepcopy(event)

    return load


def console_token(
    tenant_id: str, role: str = "admin", user_id: str = "u-1", secret: str = DEV_TENANT_JWT_SECRET, **claims: Any
) -> str:
    """A console token as the SaaS signs it; `claims` override or add to the standard ones."""
    now = int(time.time())
    payload = {"iss": "fsm-saas", "aud": "fieldbooks", "sub": user_id, "tid": tenant_id, "role": role}
    payload |= {"iat": now, "exp": now + 600} | claims
    return jwt.encode(payload, secret, algorithm="HS256")
