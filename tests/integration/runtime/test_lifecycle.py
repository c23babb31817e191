"""The stack as a whole: one command, a clean stop, and the process environment it leaves behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from local.runtime.stack import running_stack, runtime_threads
from tests.integration.runtime.conftest import FIXTURE_TEMPLATE, recorded

ROOT = Path(__file__).resolve().parents[3]


def test_the_stack_fires_schedules_on_its_own_and_stops_cleanly() -> None:
    endpoint_before = os.environ.get("AWS_ENDPOINT_URL")

    with running_stack(FIXTURE_TEMPLATE, schedule_scale=0.005) as stack:  # rate(1 minute) → 0.3 s
        assert os.environ["AWS_ENDPOINT_URL"] == stack.aws_endpoint
        assert os.environ["INVOCATIONS_TABLE"] == "fixture-local-invocations"  # the functions' variables
        assert runtime_threads()
        deadline = time.monotonic() + 10
        while not recorded(stack, "TickFunction"):
            assert time.monotonic() < deadline, "the schedule never fired"
            time.sleep(0.05)
        api_url, aws_endpoint = stack.api_url, stack.aws_endpoint

    assert runtime_threads() == []
    assert os.environ.get("AWS_ENDPOINT_URL") == endpoint_before
    for url in (api_url, aws_endpoint):
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=2)


def test_pynamodb_reaches_moto_server_through_aws_endpoint_url_alone() -> None:
    with running_stack(FIXTURE_TEMPLATE, schedule_scale=None) as stack:

        class Row(Model):
            class Meta:
                table_name = stack.table_name("InvocationsTable")  # no host: nothing but the environment

            function_id = UnicodeAttribute(hash_key=True)
            seq = NumberAttribute(range_key=True)

        Row("pynamodb-check", 1).save()

        assert Row._get_connection().connection.client.meta.endpoint_url == stack.aws_endpoint
        assert Row.get("pynamodb-check", 1).function_id == "pynamodb-check"


def test_the_command_starts_everything_and_ctrl_c_stops_it_without_a_traceback() -> None:
    command = [sys.executable, "-m", "local.runtime", "--template", str(FIXTURE_TEMPLATE)]
    command += ["--port", "0", "--moto-port", "0", "--schedule-scale", "0"]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    try:
        banner = []
        assert process.stdout is not None
        for line in process.stdout:
            banner.append(line)
            if line.startswith("Ready."):
                break
        assert any("HTTP API" in line for line in banner), banner
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=20)
    finally:
        process.kill()

    assert process.returncode == 0, rest
    assert "Stopped." in rest
    assert "Traceback" not in "".join(banner) + rest
