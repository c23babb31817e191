"""The main job runs end to end on this machine, as `make demo` runs it (here with --once)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_the_demo_runs_the_scenario_over_real_http_and_stops_cleanly() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TABLE") and not k.endswith("_URL")}
    env["PYTHONPATH"] = f"{ROOT / 'shared'}{os.pathsep}{ROOT}"
    result = subprocess.run(
        [sys.executable, "-m", "local.demo", "--once", "--api-port", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,  # bounded; a loaded 2-core machine has been seen to need more than two minutes
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Fieldbooks local stack is running" in output
    assert "SaasEventsFunction       event fsm-saas invoice.finalized" in output
    assert "GET /connections -> QuickBooks Online: Acme Plumbing & Heating LLC (connected)" in output
    assert "status=connected" in output  # through the real OAuth redirect flow
    assert "Matched to QuickBooks Online customer Ann Lee by email." in output
    assert 'Created customer Chris Park in QuickBooks as "Chris Park (Park Rentals)".' in output
    # The walk-in customer a bookkeeper added in QuickBooks after the initial sync: a resolvable conflict
    assert '[resolvable] QuickBooks already has a customer named "Walk-in Customer"' in output
    assert 'Two customers are named "Walk-in Customer"' not in output
    assert "/resolve -> 200" in output
    assert output.count("(equal to the cent)") == 4 and "app says" not in output
    assert "CreditMemo 1" in output
    assert "Run sync_now finished: succeeded" in output
    assert "GET /sync-log without a token -> 401 Sign in again" in output
    # What a bookkeeper does in QuickBooks comes back: webhook → webhook function → pull worker → the SaaS
    assert "QuickBooks webhooks now go to http://127.0.0.1:" in output
    assert "the SaaS has Carlos Diaz's new phone 217-555-0199 (webhook" in output
    assert "Updated customer Carlos Diaz from QuickBooks." in output
    assert "both sides now hold Dana's Diner's notes" in output
    assert "changed on both sides" in output  # the policy's outcome, in the sync log
    assert "Recorded payment of 200.00 from QuickBooks Online on invoice INV-0003 (278.24 due" in output
    assert "Reversed payment of 200.00: it was voided in QuickBooks Online." in output
    assert "the SaaS reversed it: INV-0003 balance 478.24 again" in output
    assert "[void] Void invoice INV-0006 in the app, as it was voided in QuickBooks Online" in output
    assert "[reimport] Re-import invoice INV-0007 into QuickBooks Online" in output
    # Before approval the voided and deleted invoices (2 x 95.00) count only in the SaaS; after it, nothing differs
    assert "GET /reports/balances -> 7 customers, 1 with differences; SaaS 1458.87, QuickBooks Online 1268.87" in output
    assert "QuickBooks holds invoice INV-0007 1 time(s) again (and the deleted" in output  # exactly once
    assert "GET /reports/balances -> 7 customers, 0 with differences" in output
    assert "Traceback" not in output


def test_the_xero_demo_connects_with_pkce_and_an_organisation_pick_and_xero_holds_the_books() -> None:
    output = _run_demo("--provider", "xero")
    assert "(PKCE code_challenge_method=S256)" in output
    assert "GET /connections -> Xero: Sim Field Services Ltd (connected)" in output  # the GB organisation picked
    assert "Run initial finished: succeeded" in output
    assert "Run sync_now finished: succeeded Plan approved." in output
    holds = output[output.index("Xero now holds:") : output.index("Sync log (")]
    for entity, count in (("Contacts", 2), ("Items", 2), ("Invoices", 3), ("Payments", 1)):
        assert f"  {entity:10} {count}\n" in holds
    assert "contact Ann Lee 0117 496 0123" in holds  # the live edit reached Xero
    assert holds.count("(equal to the penny)") == 3 and "app says" not in holds
    assert "invoice INV-0003 PAID: Total 144.0" in holds  # the live invoice and its payment
    assert "Created payment of 144.00 in Xero." in output
    assert "error " not in output[output.index("Sync log (") :]
    assert "Traceback" not in output


def _run_demo(*arguments: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TABLE") and not k.endswith("_URL")}
    env["PYTHONPATH"] = f"{ROOT / 'shared'}{os.pathsep}{ROOT}"
    result = subprocess.run(
        [sys.executable, "-m", "local.demo", "--once", "--api-port", "0", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output
