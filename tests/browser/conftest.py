"""A running world (stack, SaaS app, QuickBooks simulator) and Debian's chromium under Playwright.

Playwright's own browser download is not reachable from CI, so the tests drive the distribution's
chromium (`.ci/run` installs it); without it they are skipped with the reason, never silently passed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.saas.client import SaasAppClient
from tests.conftest import ROOT

CHROMIUM = os.environ.get("FIELDBOOKS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Git-ignored; CI keeps it as an artefact.
SCREENSHOTS = ROOT / "tests" / "browser" / "screenshots"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WORLD_START_SECONDS = 90


@dataclass
class World:
    api_url: str
    saas_url: str
    qbo_url: str
    tenant: str
    other_tenant: str
    contacts: dict[str, str]
    saas: SaasAppClient

    @property
    def console_url(self) -> str:
        return f"{self.api_url}/console"

    def sign_in_url(self, tenant: str | None = None, role: str = "owner", user: str = "u-owner") -> str:
        token = self.saas.console_token(tenant or self.tenant, user, role=role)  # type: ignore[arg-type]
        return f"{self.console_url}#token={token}"


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with running_world() as running:
        yield running


@contextmanager
def running_world() -> Iterator[World]:
    """Starts `tests.browser.world` and stops it by closing its standard input."""
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_TABLE", "_URL"))}
    env["PYTHONPATH"] = f"{ROOT / 'shared'}{os.pathsep}{ROOT}"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.browser.world"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout and process.stdin and process.stderr
    errors: list[str] = []
    threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True).start()  # type: ignore[arg-type]
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(WORLD_START_SECONDS)
    try:
        if not line or not line[0].strip():
            raise RuntimeError("The browser tests' world did not start:\n" + "".join(errors[-40:]))
        ready: dict[str, Any] = json.loads(line[0])
        with SaasAppClient(ready["saas_url"]) as saas:
            yield World(saas=saas, **ready)
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        missing = f"No chromium at {CHROMIUM}: `apt-get install -y chromium` (what .ci/run does)"
        if os.environ.get("FIELDBOOKS_REQUIRE_BROWSER"):
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000)
        yield browser
        browser.close()


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)  # lets a fixture's teardown know how the test went
    return report


@pytest.fixture
def open_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Opens the page in a fresh context; a failing test leaves a screenshot of each page it opened."""
    contexts: list[Any] = []

    def open_at(url: str, viewport: dict[str, int] = DESKTOP) -> Any:
        context = browser.new_context(viewport=viewport, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        # Injected through DevTools, so the page's CSP allows it: records every violation the page causes.
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation',"
            " e => (window.cspViolations = window.cspViolations || []).push(e.violatedDirective))"
        )
        page.goto(url)
        return page

    yield open_at
    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    for number, context in enumerate(contexts):
        if failed:
            for page in context.pages:
                shoot(page, f"FAILED-{request.node.name}-{number}")
        context.close()


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def serious_accessibility_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core on the page as it is; only serious and critical findings fail a test."""
    # Evaluated through the DevTools protocol, which the page's CSP does not govern: a <script> tag would be
    # refused, as it should be.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
