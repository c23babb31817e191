"""How fast a change made in QuickBooks reaches the SaaS, and what it costs in QuickBooks calls.

`python -m local.bench.pull_speed [--edits 30] [--delay 0]` runs the whole local stack (moto server,
the real handlers, the reference SaaS app, the QuickBooks Online simulator), connects through the
OAuth flow, points the simulator's webhooks at the local gateway's `POST /webhooks/quickbooks_online`,
then edits `--edits` customers one by one as a bookkeeper would (the simulator's admin API) and times
each from the edit's commit to the contact changed in the SaaS (simulator webhook after
`--delay` seconds of aggregation → webhook function → pull queue → pull worker → QuickBooks read →
SaaS platform API). Prints p50/p95/p99 and the QuickBooks (and DynamoDB) calls per pulled record,
counted in this process, where the handlers run.

Intuit aggregates notifications for minutes; the delay here is 0 unless given, so the figure is
Fieldbooks' own part of the latency, and the delay used is printed with it. Bounded in count and
time and stops by itself; never part of the test suite.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
import warnings

import httpx

from local.bench.sync_speed import counting_calls, per_record
from local.demo import REALM, connect, running_everything, wait_for_run
from local.demo_pulls import point_webhooks_at_the_gateway, wait_until

TENANT = "t-bench-pull"
MAX_EDITS = 100
CUSTOMERS = 10
EDIT_DEADLINE = 30.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.bench.pull_speed", description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=30, help=f"customer edits in QuickBooks (≤{MAX_EDITS})")
    parser.add_argument("--delay", type=float, default=0.0, help="webhook aggregation delay in seconds (Intuit: 60+)")
    args = parser.parse_args(argv)
    edits = max(1, min(args.edits, MAX_EDITS))
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    with running_everything() as (local, saas, qbo):
        for quiet in ("local.runtime", "fieldbooks"):  # handlers' JSON logs: only problems
            logging.getLogger(quiet).setLevel(logging.WARNING)
        app = saas.app_client
        app.create_tenant(TENANT, "Bench Plumbing")
        contacts = [
            app.create_contact(TENANT, first_name="Pulled", last_name=f"Customer {n:02d}", email=f"p{n}@bench.example")
            for n in range(CUSTOMERS)
        ]
        saas.wait_until_published(timeout=60)
        local.wait_until_idle(timeout=60)
        token = app.console_token(TENANT, "u-owner", role="owner")
        with httpx.Client(base_url=local.api_url, headers={"authorization": f"Bearer {token}"}, timeout=30) as api:
            connect(api)
            wait_for_run(api, local, lambda r: r["kind"] == "initial", timeout=120)
        local.wait_until_idle(timeout=60)
        point_webhooks_at_the_gateway(local, qbo.admin, aggregation_delay=args.delay)
        by_name = {c["DisplayName"]: c["Id"] for c in qbo.admin.data(REALM, "Customer")["Customer"]}
        remote_ids = {contact.id: by_name[f"Pulled Customer {n:02d}"] for n, contact in enumerate(contacts)}

        latencies: list[float] = []
        with counting_calls() as calls:
            for n in range(edits):
                contact = contacts[n % CUSTOMERS]
                phone = f"217-555-{n:04d}"
                edited = {"PrimaryPhone": {"FreeFormNumber": phone}}
                qbo.admin.edit_as_user(REALM, "Customer", remote_ids[contact.id], **edited)
                committed = time.perf_counter()
                wait_until(
                    lambda c=contact, p=phone: app.get_contact(TENANT, c.id).phone == p,
                    f"edit {n} reaching the SaaS",
                    timeout=EDIT_DEADLINE + args.delay,
                )
                latencies.append(time.perf_counter() - committed)
                local.wait_until_idle(timeout=30)  # the run's tail (log, cursor) is part of the cost counted
        print(report(latencies, args.delay))
        print(per_record("pulled edits", calls, edits))
        print(f"QuickBooks calls per pulled record: {calls['quickbooks'] / edits:.2f}")


def report(latencies: list[float], delay: float) -> str:
    """p50/p95/p99 (inclusive quantiles: with 30 edits p99 lies between the two slowest) and the max."""
    cuts = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    return (
        f"pull latency, QuickBooks edit → SaaS updated ({len(latencies)} edits, "
        f"webhook aggregation delay {delay:g} s): "
        f"p50 {p50:.2f} s, p95 {p95:.2f} s, p99 {p99:.2f} s, max {max(latencies):.2f} s"
    )


if __name__ == "__main__":
    main()
