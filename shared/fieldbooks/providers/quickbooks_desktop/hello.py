"""`strHCPResponse`, the first `sendRequestXML`'s Host/Company/Preferences answers: which file is open.

On the first session of an application the Web Connector stamps the `.qwc`'s FileID into the company
file as a data extension of our OwnerID; each later session reports it back here (providers.md 3.1).
"""

from __future__ import annotations

from fieldbooks.domain.errors import ValidationFailed
from fieldbooks.providers.agents import CompanyFile
from fieldbooks.providers.quickbooks_desktop.codec import parse


def company_file(hello: str, path: str, owner_id: str) -> CompanyFile:
    file_id = None
    if hello.strip():
        try:
            root = parse(hello)
        except ValidationFailed:
            root = None
        for ext in root.iterfind(".//CompanyRet/DataExtRet") if root is not None else ():
            if (ext.findtext("OwnerID") or "").strip("{}").lower() == owner_id.strip("{}").lower() and (
                ext.findtext("DataExtName") == "FileID"
            ):
                file_id = (ext.findtext("DataExtValue") or "").strip() or None
    return CompanyFile(path=path, file_id=file_id)
