"""`build_app` and `running_simulator`: the simulated PC's admin API on 127.0.0.1, in a thread.

QuickBooks Desktop has no network interface of its own (the Web Connector talks to it in-process),
so the server only carries `/_sim/`; `SimulatorHandle.desktop` is the same PC for in-process use
and `web_connector()` builds the QBWC client for a `.qwc`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.applications import Starlette

from local.simulators.quickbooks_desktop.admin import admin_routes
from local.simulators.quickbooks_desktop.config import SimulatorConfig
from local.simulators.quickbooks_desktop.desktop import QuickBooksDesktop
from local.simulators.quickbooks_desktop.qwc import parse_qwc
from local.simulators.quickbooks_desktop.web_connector import WebConnector
from local.simulators.serving import AdminHttp, serving


def build_app(desktop: QuickBooksDesktop) -> Starlette:
    app = Starlette(routes=admin_routes(desktop))
    app.state.desktop = desktop
    return app


class AdminClient(AdminHttp):
    """The `/_sim/` endpoints as methods, for tests and the demo."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url, timeout=60.0)

    def reset(self) -> None:
        self._post("/_sim/reset", {})

    def companies(self) -> list[dict[str, Any]]:
        return self._get("/_sim/companies")

    def open_file(self, path: str | None) -> None:
        self._post("/_sim/open", {"path": path})

    def grant_access(self, grant: bool) -> None:
        self._post("/_sim/access", {"grant": grant})

    def qbxml(self, request_xml: str, company: str | None = None) -> httpx.Response:
        """The raw reply: 200 with the response message, 400 with the HRESULT when QuickBooks throws."""
        params = {"company": company} if company else {}
        return self._http.post("/_sim/qbxml", content=request_xml.encode(), params=params)

    def data(self, kind: str, company: str | None = None) -> list[dict[str, Any]]:
        return self._get(f"/_sim/data/{kind}", {"company": company} if company else None)

    def count(self, kind: str, company: str | None = None) -> int:
        return self._get(f"/_sim/count/{kind}", {"company": company} if company else None)["count"]

    def add_fault(self, kind: str, **rule: Any) -> None:
        """kind: lost_response, record_in_use, quickbooks_closed, access_denied (faults.FaultRule)."""
        super().add_fault(kind, **rule)

    def advance_clock(self, seconds: float) -> str:
        return self._post("/_sim/clock/advance", {"seconds": seconds})["now"]

    def run_web_connector(self, qwc: str, password: str) -> dict[str, Any]:
        return self._post("/_sim/web-connector/run", {"qwc": qwc, "password": password})


@dataclass
class SimulatorHandle:
    base_url: str
    admin: AdminClient
    desktop: QuickBooksDesktop
    config: SimulatorConfig

    def web_connector(self, qwc: str, password: str) -> WebConnector:
        return WebConnector(self.desktop, parse_qwc(qwc), password)


@contextmanager
def running_simulator(config: SimulatorConfig | None = None, port: int | None = None) -> Iterator[SimulatorHandle]:
    """At `port` when given, else at a free one."""
    config = config or SimulatorConfig()
    desktop = QuickBooksDesktop(config)
    with (
        serving(build_app(desktop), "QuickBooks Desktop simulator", port, lifespan="off") as base_url,
        closing(AdminClient(base_url)) as admin,
    ):
        yield SimulatorHandle(base_url=base_url, admin=admin, desktop=desktop, config=config)
