"""Settings of one simulated PC: QuickBooks Desktop with its company files, and the Web Connector.

A company file is named by its path, as QuickBooks names it (`strCompanyFileName`, the path
`authenticate` may return). `open_file` is the one QuickBooks has open when a session starts; the
"wrong company file open" mode is simply another file open (`POST /_sim/open`).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from local.simulators.quickbooks_desktop.faults import FaultRule

MAIN_FILE = r"C:\Users\Public\Documents\Intuit\QuickBooks\Company Files\Sim Field Services.qbw"
OTHER_FILE = r"C:\Users\Public\Documents\Intuit\QuickBooks\Company Files\Sim Property Holdings.qbw"


class CompanyFileSeed(BaseModel):
    path: str
    company_name: str
    # Local time of the PC: TimeModified is written with this offset and FromModifiedDate without
    # one is read in it (providers.md 3.3, "Modified dates").
    timezone: str = "America/Los_Angeles"
    # Customers seeded besides the defaults (seed.py): names only, as someone typed them in.
    extra_customers: list[str] = Field(default_factory=list)
    # FileID data extensions a Web Connector stamped earlier: OwnerID → FileID (providers.md 3.2).
    file_ids: dict[str, str] = Field(default_factory=dict)


class SimulatorConfig(BaseModel):
    company_files: list[CompanyFileSeed] = Field(
        default_factory=lambda: [
            CompanyFileSeed(path=MAIN_FILE, company_name="Sim Field Services LLC"),
            CompanyFileSeed(
                path=OTHER_FILE,
                company_name="Sim Property Holdings Inc",
                file_ids={"{57F3B9B1-86F1-4fcc-B1EE-566DE1813D20}": "{0F0E0D0C-0B0A-4909-8807-060504030201}"},
            ),
        ]
    )
    open_file: str | None = MAIN_FILE
    # The permission prompt of a first run ("Yes, always; allow access even if QuickBooks is not
    # running"): granted unless a test says the user denied it (0x80040420).
    grant_access: bool = True
    product_name: str = "QuickBooks Enterprise Solutions 23.0"
    supported_versions: list[str] = Field(default_factory=lambda: [f"{v}.0" for v in range(1, 14)])
    country: str = "US"
    # The version string QBWC reports to clientVersion.
    web_connector_version: str = "2.3.0.215"
    # QBWC pauses 5 s after a NoOp (providers.md 3.1); scaled so a test need not wait.
    time_scale: float = 1.0
    # QBWC gives up on a call after this many real seconds.
    call_timeout: float = 30.0
    faults: list[FaultRule] = Field(default_factory=list)

    def scaled(self, seconds: float) -> float:
        return seconds * self.time_scale
