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
    assert "/resolve -> 200" in output
    assert output.count("(equal to the cent)") == 4 and "app says" not in output
    assert "CreditMemo 1" in output
    assert "Run sync_now finished: succeeded" in output
    assert "GET /sync-log without a token -> 401 Sign in again" in output
    assert "Traceback" not in output
