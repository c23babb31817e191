"""Schemathesis against the tenant API, from its committed OpenAPI document, with the local stack running.

`python -m tests.security.api_fuzz` starts the stack (moto server, every handler, the SaaS app, the
QuickBooks simulator), gives a connected tenant's admin token to schemathesis' CLI, and exits with the
CLI's status: non-zero when any generated request got a 5xx. Bounded: a fixed number of examples per
operation, one worker, a time limit set by the test. A process of its own, because the handlers read
their settings once, at import.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from local.demo import TENANT, connect, running_everything, wait_for_run
from local.openapi import DOCUMENT

EXAMPLES_PER_OPERATION = 10


def main() -> int:
    with running_everything() as (local, saas, _):
        app = saas.app_client
        app.create_tenant(TENANT, "Fuzz Plumbing")
        app.create_contact(TENANT, first_name="Jane", last_name="Doe", email="jane@example.com")
        token = app.console_token(TENANT, "u-owner", role="owner")
        with httpx.Client(base_url=local.api_url, headers={"authorization": f"Bearer {token}"}, timeout=30) as api:
            connect(api)  # a connected tenant, so the routes reach their logic, not only "not connected"
            wait_for_run(api, local, lambda run: run["kind"] == "initial")
        command = [
            str(Path(sys.executable).parent / "st"),
            "run",
            str(DOCUMENT),
            "--url",
            local.api_url,
            "-H",
            f"Authorization: Bearer {token}",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            str(EXAMPLES_PER_OPERATION),
            "--workers",
            "1",
            "--seed",
            "20261201",
            "--no-color",
        ]
        return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
