"""QuickBooks Desktop on the customer's PC: company files, the one that is open, and sessions.

What the Web Connector meets when it opens a session (QBXMLRP2's BeginSession):
- QuickBooks not running with no file to open, or a file path that does not exist → `0x80040408`.
- `authenticate` named a company file but QuickBooks has another one open → `0x80040408` as well
  (providers.md 3.4: "file not open or wrong path").
- The permission prompt of an application's first session, answered No → `0x80040420`.
- `""` as the path means "the file that is open" (providers.md 3.1): a session then works on
  whatever file is open, which is how a connector meets the wrong company file.
On the first session of an application (OwnerID) QBWC stamps the `.qwc`'s FileID into the file
as a private data extension; `strHCPResponse` reports it back (providers.md 3.1, 3.2).
"""

from __future__ import annotations

import threading

from lxml import etree

from local.simulators.quickbooks_desktop import lists, payments, statuses, transactions
from local.simulators.quickbooks_desktop.company import Clock, Company
from local.simulators.quickbooks_desktop.config import SimulatorConfig
from local.simulators.quickbooks_desktop.faults import FaultInjector
from local.simulators.quickbooks_desktop.processor import Handler, process
from local.simulators.quickbooks_desktop.seed import seed_company
from local.simulators.quickbooks_desktop.wire import message, render

HANDLERS: dict[str, Handler] = {**lists.HANDLERS, **transactions.HANDLERS, **payments.HANDLERS}


class ConnectionFailure(Exception):
    """BeginSession threw: QBWC reports it to the server's `connectionError`."""

    def __init__(self, hresult: str, message: str) -> None:
        super().__init__(message)
        self.hresult = hresult
        self.message = message


class QuickBooksDesktop:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.clock = Clock()
        # One caller at a time, as QuickBooks serialises requests to a company file.
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.clock.reset()
            self.faults = FaultInjector(self.config.faults)
            self.companies: dict[str, Company] = {}
            for seed in self.config.company_files:
                company = Company.from_seed(seed, self.clock)
                seed_company(company, seed)
                self.companies[seed.path.lower()] = company
            self.open_path: str | None = self.config.open_file
            self.grant_access = self.config.grant_access
            self.authorized: set[tuple[str, str]] = set()

    @property
    def open_company(self) -> Company | None:
        return self.companies.get(self.open_path.lower()) if self.open_path else None

    def company(self, path: str) -> Company:
        return self.companies[path.lower()]

    def open_file(self, path: str | None) -> None:
        """What the bookkeeper does: open another company file, or close QuickBooks (None)."""
        with self.lock:
            if path is not None and path.lower() not in self.companies:
                raise KeyError(path)
            self.open_path = path

    def begin_session(self, requested_path: str, app_name: str, owner_id: str, file_id: str) -> Company:
        with self.lock:
            if self.faults.take("quickbooks_closed"):
                raise ConnectionFailure(statuses.COULD_NOT_START_HRESULT, statuses.COULD_NOT_START_MESSAGE)
            company = self._company_for(requested_path)
            if self.faults.take("access_denied") or (
                (company.path, app_name) not in self.authorized and not self.grant_access
            ):
                raise ConnectionFailure(statuses.ACCESS_DENIED_HRESULT, statuses.ACCESS_DENIED_MESSAGE)
            self.authorized.add((company.path, app_name))
            company.data_ext.setdefault((owner_id, "FileID"), file_id)
            return company

    def _company_for(self, requested_path: str) -> Company:
        if not requested_path:
            if self.open_company is None:
                raise ConnectionFailure(statuses.COULD_NOT_START_HRESULT, statuses.COULD_NOT_START_MESSAGE)
            return self.open_company
        if requested_path.lower() not in self.companies:
            raise ConnectionFailure(statuses.COULD_NOT_START_HRESULT, statuses.COULD_NOT_START_MESSAGE)
        if self.open_path is None:
            self.open_path = requested_path  # QuickBooks starts and opens the file it was asked for
        elif self.open_path.lower() != requested_path.lower():
            raise ConnectionFailure(
                statuses.COULD_NOT_START_HRESULT,
                "A QuickBooks company data file is already open and it is different from the one requested.",
            )
        return self.company(requested_path)

    def end_session(self, company: Company) -> None:
        """Iterators die with the session (providers.md 3.3: probably; this simulator says they do)."""
        with self.lock:
            company.iterators.clear()

    def process(self, company: Company, request_xml: str | bytes) -> str:
        """One request message; raises statuses.MessageRefused where QuickBooks throws."""
        with self.lock:
            return process(company, request_xml, HANDLERS, self.faults).decode()

    def host_company_preferences(self, company: Company) -> str:
        """`strHCPResponse`: HostQuery, CompanyQuery (with the file's data extensions), PreferencesQuery."""
        host = {
            "ProductName": self.config.product_name,
            "MajorVersion": "33",
            "MinorVersion": "0",
            "Country": self.config.country,
            "SupportedQBXMLVersion": self.config.supported_versions,
            "IsAutomaticLogin": False,
            "QBFileMode": "SingleUser",
        }
        data_ext = [
            {"OwnerID": owner_id, "DataExtName": name, "DataExtType": "STR255TYPE", "DataExtValue": value}
            for (owner_id, name), value in sorted(company.data_ext.items())
        ]
        company_ret = {"IsSampleCompany": False, "CompanyName": company.name, "LegalCompanyName": company.name}
        if data_ext:
            company_ret["DataExtRet"] = data_ext
        preferences = {
            "CurrentAppAccessRights": {"IsAutomaticLoginAllowed": False, "IsPersonalDataAccessAllowed": True}
        }
        parts = []
        for request_id, (rs_name, ret_name, ret) in enumerate(
            (
                ("HostQueryRs", "HostRet", host),
                ("CompanyQueryRs", "CompanyRet", company_ret),
                ("PreferencesQueryRs", "PreferencesRet", preferences),
            ),
            start=1,
        ):
            rs = etree.Element(rs_name, requestID=str(request_id), statusCode="0", statusSeverity="Info")
            rs.set("statusMessage", statuses.OK_MESSAGE)
            rs.append(render(ret_name, ret))
            parts.append(rs)
        return message(parts).decode()
