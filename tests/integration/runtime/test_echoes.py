"""Fieldbooks' own writes come back on the SaaS bus, but the template's rule keeps them from starting
the intake (issue 12: no echo invocations). echo_probe.py runs the real template, the real handlers
and the reference SaaS app in a process of its own and reports the invocations it counted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import ROOT

PROBE_TIMEOUT = 240  # seconds; about 15 on a quiet laptop


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    # Without this run's table and queue variables: the probe builds its own stack.
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_TABLE", "_URL"))}
    env["PYTHONPATH"] = f"{ROOT / 'shared'}{os.pathsep}{ROOT}"
    result = subprocess.run(
        [sys.executable, "-m", "tests.integration.runtime.echo_probe"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=PROBE_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_a_linked_to_accounting_marker_reaches_the_bus_but_starts_no_invocation(report: dict[str, Any]) -> None:
    assert ["contact.updated", "fieldbooks"] in report["on_the_bus"]  # the echo was published
    assert report["marker_invocations"] == 0


def test_a_users_edit_starts_the_intake_once(report: dict[str, Any]) -> None:
    assert ["contact.created", "user"] in report["on_the_bus"]
    assert report["user_edit_invocations"] == 1


def test_the_rule_filters_on_the_origin_where_the_saas_puts_it(report: dict[str, Any]) -> None:
    """`origin` is a field of the change event, i.e. of the EventBridge `detail` (saas/events.py)."""
    origin = report["rule_pattern"]["detail"]["origin"]
    assert {"anything-but": ["fieldbooks"]} in origin
