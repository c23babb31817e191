"""Assembles the reference SaaS app and runs it, standalone or in a test's background thread."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from local.saas import app_api, platform_api
from local.saas.client import SaasAppClient
from local.saas.config import SaasAppConfig
from local.saas.error_replies import EXCEPTION_HANDLERS
from local.saas.http_inputs import AppState
from local.saas.publisher import EventBridgeSink, EventSink, OutboxPublisher
from local.saas.store import SaasStore


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(config: SaasAppConfig, store: SaasStore) -> Starlette:
    app = Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Mount("/app", routes=app_api.ROUTES),
            Mount(
                "/platform/v1",
                routes=platform_api.ROUTES,
                middleware=[Middleware(platform_api.PlatformKeyGuard, api_key=config.platform_api_key)],
            ),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.saas = AppState(store=store, config=config)
    return app


@dataclass(frozen=True)
class SaasAppHandle:
    """A running app: where it listens, its key, a client for user edits, and its publisher."""

    base_url: str
    config: SaasAppConfig
    store: SaasStore
    publisher: OutboxPublisher
    app_client: SaasAppClient

    @property
    def platform_api_key(self) -> str:
        return self.config.platform_api_key

    def wait_until_published(self, timeout: float = 10.0) -> None:
        if not self.publisher.wait_until_drained(timeout):
            raise TimeoutError(f"SaaS events still unpublished after {timeout} s")


@contextmanager
def running_saas_app(
    config: SaasAppConfig | None = None, sink: EventSink | None = None, port: int = 0
) -> Iterator[SaasAppHandle]:
    """Serves the app on 127.0.0.1 (at a free port unless one is given) in a background thread until the block ends.

    Without a `sink` the publisher sends to EventBridge through boto3 (moto in tests).
    """
    config = config or SaasAppConfig(db_path=":memory:")
    store = SaasStore(config.db_path)
    publisher = OutboxPublisher(store, sink or EventBridgeSink(config.event_bus_name))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this; without it every keep-alive reply stalls 40 ms on delayed ACKs.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind(("127.0.0.1", port))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(config, store), log_level="warning", lifespan="off", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="saas-app", daemon=True)
    publisher.start()
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("The reference SaaS app did not start")
            time.sleep(0.01)
        base_url = f"http://127.0.0.1:{port}"
        with SaasAppClient(base_url) as app_client:
            yield SaasAppHandle(base_url, config, store, publisher, app_client)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        publisher.stop()
        store.close()
        listener.close()
