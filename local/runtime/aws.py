"""The embedded AWS: moto server on loopback, and the process environment that points every SDK at it.

moto server (rather than `mock_aws()`) because the runtime's threads, the reference SaaS app and any
external tool (the AWS CLI, a second process) must all see the same AWS over HTTP, as they would in
production.

Every SDK in the process finds the server through `AWS_ENDPOINT_URL`, which botocore reads since 1.31
(https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html). PynamoDB needs nothing
more: it builds its own botocore client with `endpoint_url=Meta.host`, and when `host` is unset
botocore falls back to that same variable (checked by `test_pynamodb_reaches_moto_server_...`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import httpx
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from local.runtime.moto_turns import taking_turns
from local.runtime.resources import REGION
from local.runtime.visibility import VisibilityLedger

LOOPBACK = "127.0.0.1"


# The port this process's first embedded AWS got. Handlers are imported once per process (warm
# containers) and may keep SDK clients built at import; a later stack in the same process (the next
# test module) must answer on the same endpoint, or those clients would call a server that is gone.
_process_port: int | None = None


class EmbeddedAws:
    """moto server on 127.0.0.1; port 0 picks a free one, so parallel test workers never collide.

    Built from the parts of moto's `ThreadedMotoServer` rather than with it: that class binds inside
    its thread and waits forever if the port is taken; binding here makes that a plain error.
    """

    def __init__(self, port: int = 0) -> None:
        # One line per AWS call drowns the invocation log; moto's own errors still show.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.endpoint = ""
        self.visibility = VisibilityLedger()

    def start(self) -> str:
        global _process_port
        app = self.visibility.middleware(taking_turns(DomainDispatcherApplication(create_backend_app)))
        port = self._port or _process_port or 0
        try:
            self._server = make_server(LOOPBACK, port, app, threaded=True, request_handler=MotoRequestHandler)
        except OSError:
            if self._port or not port:
                raise
            # The process's port was taken meanwhile: a fresh one beats no stack at all.
            self._server = make_server(LOOPBACK, 0, app, threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-server", daemon=True)
        self._thread.start()
        port = self._server.server_address[1]
        _process_port = _process_port or port
        self.endpoint = f"http://{LOOPBACK}:{port}"
        return self.endpoint

    def stop(self) -> None:
        """Forgets everything before shutting down: moto's backends are process-wide, and the next
        stack started in this process (the next test) must find an empty account."""
        if self._server is None or self._thread is None:
            return
        try:
            httpx.post(f"{self.endpoint}/moto-api/reset", timeout=5)
        finally:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()

    def environment(self) -> dict[str, str]:
        """What boto3, botocore and PynamoDB need to talk to this server and nothing else."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            # Fake credentials: moto accepts any, and real ones from the laptop must never be used.
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }


@contextmanager
def process_environment(values: Mapping[str, str]) -> Iterator[None]:
    """Sets variables for the life of the stack and restores the previous ones after.

    Local functions share one process, so their environment is the process's; restoring keeps a test
    run from leaking one stack's endpoint into the next test.
    """
    previous = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
