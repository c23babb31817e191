"""`build_app`: one Starlette app serving identity, connections, the Accounting API and `/_sim/`.

Xero spreads these over three hosts (login.xero.com, identity.xero.com, api.xero.com); here they
share one, on the same paths, so a client only swaps the scheme and host.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Route

from local.simulators.xero.admin import admin_routes
from local.simulators.xero.api import AccountingApi
from local.simulators.xero.config import SimulatorConfig
from local.simulators.xero.identity_faults import with_token_faults
from local.simulators.xero.state import SimulatorState

API = "/api.xro/2.0"


def build_app(config: SimulatorConfig) -> Starlette:
    state = SimulatorState(config)
    api = AccountingApi(state)
    oauth = state.oauth

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await state.webhooks.start()
        try:
            yield
        finally:
            await state.webhooks.stop()

    routes = [
        Route("/identity/connect/authorize", oauth.authorize, methods=["GET"]),
        Route("/connect/token", with_token_faults(state, oauth.token), methods=["POST"]),
        Route("/connect/revocation", oauth.revoke, methods=["POST"]),
        Route("/connections", oauth.connections, methods=["GET"]),
        Route("/connections/{connection_id}", oauth.delete_connection, methods=["DELETE"]),
        Route("/Connections", oauth.connections, methods=["GET"]),
        Route("/Connections/{connection_id}", oauth.delete_connection, methods=["DELETE"]),
        Route(API + "/{endpoint}", api.handle, methods=["GET", "PUT", "POST"]),
        Route(API + "/{endpoint}/{key}", api.handle, methods=["GET", "POST"]),
        Route(API + "/{endpoint}/{key}/{sub}", api.handle, methods=["PUT"]),
        *admin_routes(state),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.simulator = state
    return app
