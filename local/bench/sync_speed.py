"""How fast records reach QuickBooks: the initial sync's throughput and a live edit's latency.

`python -m local.bench.sync_speed [--initial 60] [--live 20]` runs the whole local stack (moto
server, the real handlers, the reference SaaS app, the QuickBooks Online simulator), connects through
the OAuth flow, then measures

- the initial sync of `--initial` contacts and a tenth as many items: wall time and records/second;
- `--live` contacts created one by one afterwards: time from the app's reply to the customer existing
  in QuickBooks (event → EventBridge → intake → FIFO queue → push worker → QuickBooks).

Bounded in count and time and stops by itself; never part of the test suite. Figures depend on the
machine and on the local runtime's pollers (real SQS/Lambda add their own latency).
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.endpoint
import httpx

from local.demo import CONNECTION, REALM, connect, running_everything, wait_for_run

TENANT = "t-bench"
MAX_RECORDS = 500
DEADLINE = 120.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.bench.sync_speed", description=__doc__.splitlines()[0])
    parser.add_argument("--initial", type=int, default=60, help=f"contacts in the initial sync (≤{MAX_RECORDS})")
    parser.add_argument("--live", type=int, default=20, help="contacts created one by one afterwards (≤100)")
    args = parser.parse_args(argv)
    initial, live = min(args.initial, MAX_RECORDS), min(args.live, 100)
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    with running_everything() as (local, saas, qbo):
        for quiet in ("local.runtime", "fieldbooks"):  # handlers' JSON logs: only problems
            logging.getLogger(quiet).setLevel(logging.WARNING)
        app = saas.app_client
        app.create_tenant(TENANT, "Bench Plumbing")
        for n in range(initial):
            app.create_contact(TENANT, first_name="Initial", last_name=f"Customer {n:04d}", email=f"i{n}@bench.example")
        for n in range(max(1, initial // 10)):
            app.create_item(TENANT, name=f"Part {n:04d}", kind="material", unit_price="12.50")
        saas.wait_until_published(timeout=60)
        local.wait_until_idle(timeout=60)

        token = app.console_token(TENANT, "u-owner", role="owner")
        with httpx.Client(base_url=local.api_url, headers={"authorization": f"Bearer {token}"}, timeout=30) as api:
            began = time.perf_counter()
            with counting_calls() as calls:
                connect(api)
                run = wait_for_run(api, local, lambda r: r["kind"] == "initial", timeout=DEADLINE)
            seconds = time.perf_counter() - began
            records = sum(p["done"] for p in run["progress"].values())
            rate = records / seconds
            print(f"\ninitial sync: {records} records in {seconds:.1f} s ({rate:.1f} records/s), {run['status']}")
            print(per_record("initial sync", calls, records))

            with counting_calls() as live_calls:
                latencies = _live_edits(app, qbo.base_url, live)
            print(per_record("live edits", live_calls, live))
            if latencies:
                ordered = sorted(latencies)
                p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
                print(
                    f"live edit → QuickBooks ({len(latencies)} contacts): median {statistics.median(ordered):.2f} s, "
                    f"p95 {p95:.2f} s, max {ordered[-1]:.2f} s"
                )
            print(f"QuickBooks customers: {_count(qbo.base_url)}; settings at {CONNECTION}/settings")


def _live_edits(app: Any, base_url: str, live: int) -> list[float]:
    latencies = []
    for n in range(live):
        name = f"Live Customer {n:04d}"
        app.create_contact(TENANT, first_name="Live", last_name=f"Customer {n:04d}")
        created = time.perf_counter()
        while not _in_quickbooks(base_url, name):
            if time.perf_counter() - created > 30:
                raise TimeoutError(f"{name} did not reach QuickBooks within 30 s")
            time.sleep(0.01)
        latencies.append(time.perf_counter() - created)
    return latencies


@contextmanager
def counting_calls() -> Iterator[Counter[str]]:
    """Counts the calls the handlers make (they run in this process): DynamoDB requests through
    botocore, QuickBooks requests through httpx. Figures that do not depend on the machine.

    Written by hand because no library counts calls across both clients; the bench only wraps the
    two send methods for the duration of the block.
    """
    calls: Counter[str] = Counter()
    make_request, send = botocore.endpoint.Endpoint.make_request, httpx.Client.send

    def counted_request(endpoint: Any, operation_model: Any, request_dict: Any) -> Any:
        calls[f"aws {endpoint._endpoint_prefix}"] += 1
        if endpoint._endpoint_prefix == "dynamodb":
            body = request_dict.get("body") or b"{}"
            table = json.loads(body if isinstance(body, str) else body.decode()).get("TableName", "?")
            calls[f"dynamodb {table.split('-', 2)[-1]}"] += 1  # fieldbooks-<stage>-<table>
        return make_request(endpoint, operation_model, request_dict)

    def counted_send(client: httpx.Client, request: httpx.Request, **options: Any) -> httpx.Response:
        if "/v3/company/" in request.url.path:
            calls["quickbooks"] += 1
        return send(client, request, **options)

    botocore.endpoint.Endpoint.make_request = counted_request  # type: ignore[method-assign]
    httpx.Client.send = counted_send  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        botocore.endpoint.Endpoint.make_request = make_request  # type: ignore[method-assign]
        httpx.Client.send = send  # type: ignore[method-assign]


def per_record(phase: str, calls: Counter[str], records: int) -> str:
    """Only the calls a record causes: the runtime's SQS polling runs whether or not there is work."""
    each = ", ".join(f"{name} {calls[name] / max(records, 1):.2f}" for name in ("aws dynamodb", "quickbooks"))
    tables = ", ".join(
        f"{name.removeprefix('dynamodb ')} {count / max(records, 1):.2f}"
        for name, count in sorted(calls.items())
        if name.startswith("dynamodb ")
    )
    return f"{phase}, calls per record: {each} (DynamoDB by table: {tables})"


def _in_quickbooks(base_url: str, display_name: str) -> bool:
    listing = httpx.get(f"{base_url}/_sim/realms/{REALM}/data", params={"entity": "Customer"}, timeout=5).json()
    return any(c.get("DisplayName") == display_name for c in listing.get("Customer", []))


def _count(base_url: str) -> int:
    return int(httpx.get(f"{base_url}/_sim/realms/{REALM}/count/Customer", timeout=5).json()["count"])


if __name__ == "__main__":
    main()
