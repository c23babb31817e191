"""`build_app`: one Starlette app serving OAuth, discovery, the Accounting API and `/_sim/` admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from local.simulators.quickbooks_online.admin import admin_routes
from local.simulators.quickbooks_online.api import AccountingApi
from local.simulators.quickbooks_online.config import SimulatorConfig
from local.simulators.quickbooks_online.faults import token_endpoint_with_faults
from local.simulators.quickbooks_online.state import SimulatorState


def build_app(config: SimulatorConfig) -> Starlette:
    state = SimulatorState(config)
    api = AccountingApi(state)
    oauth = state.oauth

    async def token(request: Request) -> Response:
        return await token_endpoint_with_faults(state.faults, request, oauth.token, config.request_timeout)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await state.webhooks.start()
        try:
            yield
        finally:
            await state.webhooks.stop()

    routes = [
        Route("/.well-known/openid_configuration", oauth.discovery, methods=["GET"]),
        Route("/.well-known/openid_configuration/", oauth.discovery, methods=["GET"]),
        Route("/connect/oauth2", oauth.authorize, methods=["GET"]),
        Route("/oauth2/v1/tokens/bearer", token, methods=["POST"]),
        Route("/v2/oauth2/tokens/revoke", oauth.revoke, methods=["POST"]),
        Route("/v3/company/{realm_id}/{endpoint}", api.handle, methods=["GET", "POST"]),
        Route("/v3/company/{realm_id}/{endpoint}/{record_id}", api.handle, methods=["GET"]),
        *admin_routes(state),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.simulator = state
    return app
