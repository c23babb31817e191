"""The `.qwc` file a bookkeeper adds to the Web Connector (providers.md 3.2), written with lxml."""

from __future__ import annotations

from urllib.parse import urlparse

from lxml import etree

from fieldbooks.domain.errors import ValidationFailed

# One OwnerID for the application (every tenant's file carries it; FileID is the per-tenant part).
OWNER_ID = "{5B3C1F0E-7A2D-4E6B-9C8F-1D2E3F4A5B6C}"
LOCAL_HOSTS = ("localhost", "127.0.0.1")


def qwc_text(app_url: str, user_name: str, file_id: str, every_minutes: int, company_label: str) -> str:
    url = urlparse(app_url)
    if url.scheme != "https" and not (url.scheme == "http" and url.hostname in LOCAL_HOSTS):
        raise ValidationFailed("The Web Connector only talks to an HTTPS address (or localhost for the bridge).")
    support = f"{url.scheme}://{url.netloc}/console"
    root = etree.Element("QBWCXML")
    values = {
        "AppName": f"Fieldbooks - {company_label}"[:31],
        "AppID": "",
        "AppURL": app_url,
        "AppDescription": "Keeps customers and job sites in step between Fieldbooks and QuickBooks Desktop.",
        "AppSupport": support,
        "UserName": user_name,
        "OwnerID": OWNER_ID,
        "FileID": file_id,
        "QBType": "QBFS",
        "Style": "Document",
    }
    for tag, value in values.items():
        etree.SubElement(root, tag).text = value
    scheduler = etree.SubElement(root, "Scheduler")
    etree.SubElement(scheduler, "RunEveryNMinutes").text = str(max(1, every_minutes))
    etree.SubElement(root, "IsReadOnly").text = "false"
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True).decode()
