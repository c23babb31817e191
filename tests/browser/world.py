"""The world the browser tests drive, in a process of its own: `python -m tests.browser.world`.

The demo's local stack, reference SaaS app and QuickBooks Online simulator, with the demo company
seeded on both sides and nothing connected yet. It prints one JSON line with the URLs, then serves
until its standard input closes. A separate process because the test process has its own moto and
environment, and handlers read their settings once, at import.
"""

from __future__ import annotations

import json
import logging
import sys
import warnings

from local.demo import REALM, TENANT, running_everything
from local.demo_company import seed_quickbooks, seed_saas

OTHER_TENANT = "t-rival"


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    with running_everything() as (local, saas, qbo):
        logging.getLogger("fieldbooks").setLevel(logging.WARNING)
        seed_quickbooks(qbo.admin, REALM)
        saas.app_client.create_tenant(TENANT, "Acme Plumbing & Heating")
        company = seed_saas(saas.app_client, TENANT)
        saas.app_client.create_tenant(OTHER_TENANT, "Rival Heating")
        saas.wait_until_published(timeout=30)
        local.wait_until_idle(timeout=30)
        ready = {
            "api_url": local.api_url,
            "saas_url": saas.base_url,
            "qbo_url": qbo.base_url,
            "tenant": TENANT,
            "other_tenant": OTHER_TENANT,
            "contacts": {key: contact.id for key, contact in company.contacts.items()},
        }
        print(json.dumps(ready), flush=True)
        sys.stdin.read()  # the test closes stdin (or dies) when it is done


if __name__ == "__main__":
    main()
