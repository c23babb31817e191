"""QuickBooks Desktop simulator: a PC with QuickBooks and its company files, and the Web Connector.

A connector never calls QuickBooks Desktop: the QuickBooks Web Connector (QBWC) on the customer's
PC polls the connector's SOAP endpoint, runs the qbXML it hands out against the open company file
and posts the responses back (providers.md 3). This package plays that PC:

- `QuickBooksDesktop` (desktop.py): company files answering qbXML 13.0 like QuickBooks, validated
  against Intuit's schema (`../shared/specs/qbxml-13.0/`), with ListID/EditSequence/TxnID, the
  shared name list (3100), string limits (3070), element order (`0x80040400`), iterators (3391),
  `FromModifiedDate` in local time, deletions, balances, and another company file to open.
- `WebConnector` (web_connector.py): the QBWC session loop, a zeep client built from
  `../shared/specs/qbwc/QBWebConnectorSvc.wsdl`, driven by a `.qwc` (qwc.py).

In a test::

    from local.simulators.quickbooks_desktop import SimulatorConfig, running_simulator

    with running_simulator(SimulatorConfig(time_scale=0.001)) as sim:
        report = sim.web_connector(qwc_text, "password").run_session()
        sim.admin.qbxml(request_xml)            # an edit "in QuickBooks"
        sim.admin.open_file(OTHER_FILE)         # the wrong company file is open
        sim.admin.add_fault("lost_response")

or standalone: ``python -m local.simulators.quickbooks_desktop --port 8603 [--qwc app.qwc --password pw]``.
"""

from local.simulators.quickbooks_desktop.config import MAIN_FILE, OTHER_FILE, CompanyFileSeed, SimulatorConfig
from local.simulators.quickbooks_desktop.desktop import ConnectionFailure, QuickBooksDesktop
from local.simulators.quickbooks_desktop.faults import FaultRule
from local.simulators.quickbooks_desktop.qwc import QwcFile, QwcRefused, parse_qwc
from local.simulators.quickbooks_desktop.server import AdminClient, SimulatorHandle, build_app, running_simulator
from local.simulators.quickbooks_desktop.statuses import MessageRefused
from local.simulators.quickbooks_desktop.web_connector import SessionReport, WebConnector

__all__ = [
    "MAIN_FILE",
    "OTHER_FILE",
    "AdminClient",
    "CompanyFileSeed",
    "ConnectionFailure",
    "FaultRule",
    "MessageRefused",
    "QuickBooksDesktop",
    "QwcFile",
    "QwcRefused",
    "SessionReport",
    "SimulatorConfig",
    "SimulatorHandle",
    "WebConnector",
    "build_app",
    "parse_qwc",
    "running_simulator",
]
