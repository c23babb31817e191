"""A tenant's office with QuickBooks Desktop and the Web Connector, against the real `POST /qbwc` handler.

The local API gateway (local/runtime/gateway.py) serves every function of template.yaml at the test
suite's public API address, so the `.qwc` the tenant API hands out points at it; the simulated Web
Connector (a zeep client built from the WSDL) reads that `.qwc` and drives whole sessions. Every
qbXML request QuickBooks receives is checked against qbxmlops130.xsd here, element order included.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from lxml import etree

from fieldbooks.domain.models import Provider
from fieldbooks.services import Services
from fieldbooks.store.sync_log import SyncLogFilter
from fieldbooks.sync.push import Push
from local.runtime.gateway import DEFAULT_STAGE, GatewayServer, gateway_app
from local.runtime.invocation import FunctionHost
from local.simulators.quickbooks_desktop import QuickBooksDesktop, SessionReport, SimulatorConfig, WebConnector
from local.simulators.quickbooks_desktop.qwc import parse_qwc
from local.simulators.quickbooks_desktop.xsd import safe_parser, validation_errors
from tests.conftest import PUBLIC_API_URL, TEMPLATE, SaasApp, console_token

QBD = Provider.QUICKBOOKS_DESKTOP
PASSWORD = "correct horse battery staple"


@pytest.fixture
def api(aws: Any) -> Iterator[str]:
    server = GatewayServer(gateway_app(TEMPLATE, FunctionHost(aws), DEFAULT_STAGE), port=urlparse(PUBLIC_API_URL).port)
    server.start()
    try:
        yield PUBLIC_API_URL
    finally:
        server.stop()


@dataclass
class CheckedDesktop:
    """The simulated PC; `requests` holds every qbXML request QuickBooks ran, each schema-checked."""

    desktop: QuickBooksDesktop
    requests: list[str] = field(default_factory=list)
    schema_errors: list[str] = field(default_factory=list)


@pytest.fixture
def pc(monkeypatch: pytest.MonkeyPatch) -> CheckedDesktop:
    checked = CheckedDesktop(QuickBooksDesktop(SimulatorConfig(time_scale=0.001)))
    process = QuickBooksDesktop.process

    def validated(self: QuickBooksDesktop, company: object, request_xml: str | bytes) -> str:
        text = request_xml.decode() if isinstance(request_xml, bytes) else request_xml
        checked.requests.append(text)
        checked.schema_errors += validation_errors(etree.fromstring(text.encode(), safe_parser()))
        return process(self, company, request_xml)

    monkeypatch.setattr(QuickBooksDesktop, "process", validated)
    return checked


@dataclass
class Office:
    tenant_id: str
    api: str
    pc: CheckedDesktop
    app: Any
    services: Services
    qwc: str = ""
    password: str = PASSWORD

    def tenant_api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {console_token(self.tenant_id, role='admin')}"}
        return httpx.request(method, f"{self.api}{path}", headers=headers, timeout=30, **kwargs)

    def web_connector(self, password: str | None = None, qwc: str | None = None) -> WebConnector:
        return WebConnector(self.pc.desktop, parse_qwc(qwc or self.qwc), password or self.password)

    def session(self, password: str | None = None) -> SessionReport:
        return self.web_connector(password).run_session()

    def push(self, entity: str, record: Any) -> Any:
        connection = self.services.connections.get(self.tenant_id, QBD)
        return Push(connection, self.services).record(entity, record)

    def customers(self) -> list[dict[str, Any]]:
        company = self.pc.desktop.open_company
        assert company is not None
        return list(company.list_of("Customer").values())

    def log(self, **filters: Any) -> list[Any]:
        return self.services.sync_log.page(self.tenant_id, SyncLogFilter(**filters), limit=100).items


@pytest.fixture
def office_for(api: str, pc: CheckedDesktop, saas_app: SaasApp) -> Callable[[], Office]:
    """A new tenant that set its Web Connector password and downloaded its .qwc (through the tenant API)."""

    def make() -> Office:
        tenant_id = f"t-{uuid.uuid4().hex[:10]}"
        saas_app.handle.app_client.create_tenant(tenant_id, "Acme Plumbing")
        office = Office(tenant_id, api, pc, saas_app.handle.app_client, Services.from_environment())
        reply = office.tenant_api("POST", f"/connections/{QBD.value}/password", json={"password": PASSWORD})
        assert reply.status_code == 200, reply.text
        assert json.loads(reply.text)["status"] == "connected"
        download = office.tenant_api("GET", f"/connections/{QBD.value}/qwc")
        assert download.status_code == 200, download.text
        office.qwc = download.text
        return office

    return make


@pytest.fixture
def office(office_for: Callable[[], Office]) -> Office:
    return office_for()


def jane(office: Office, **fields: Any) -> Any:
    return office.app.create_contact(office.tenant_id, first_name="Jane", last_name="Doe", **fields)
