"""The `.qwc` file a bookkeeper adds to the Web Connector (providers.md 3.2).

Root `QBWCXML`, tags in any order. Required: AppName, AppID (may be empty), AppURL, AppDescription,
AppSupport, UserName, OwnerID, FileID, QBType. AppURL must be HTTPS except on localhost, and
AppSupport must share AppURL's host; the Web Connector refuses the file otherwise. Parsed with
defusedxml: a `.qwc` comes from a download and is not trusted.
"""

from __future__ import annotations

from urllib.parse import urlparse

from defusedxml import ElementTree
from pydantic import BaseModel

REQUIRED = ("AppName", "AppID", "AppURL", "AppDescription", "AppSupport", "UserName", "OwnerID", "FileID", "QBType")
LOCAL_HOSTS = ("localhost", "127.0.0.1")


class QwcRefused(ValueError):
    """The Web Connector will not add this file; the text is what it says why."""


class QwcFile(BaseModel):
    app_name: str
    app_id: str
    app_url: str
    app_description: str
    app_support: str
    user_name: str
    owner_id: str
    file_id: str
    qb_type: str
    run_every_minutes: int | None = None
    style: str = "Document"
    auth_flags: str | None = None
    is_read_only: bool = False


def parse_qwc(text: str | bytes) -> QwcFile:
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise QwcRefused(f"The .qwc file is not well-formed XML: {error}") from error
    if root.tag != "QBWCXML":
        raise QwcRefused("The .qwc file has no QBWCXML root element.")
    values = {child.tag: (child.text or "").strip() for child in root}
    missing = [tag for tag in REQUIRED if tag not in values]
    if missing:
        raise QwcRefused(f"The .qwc file lacks {', '.join(missing)}.")
    app_url, support = urlparse(values["AppURL"]), urlparse(values["AppSupport"])
    if app_url.scheme != "https" and not (app_url.scheme == "http" and app_url.hostname in LOCAL_HOSTS):
        raise QwcRefused("AppURL must use HTTPS unless it is on localhost.")
    if support.hostname != app_url.hostname:
        raise QwcRefused("AppSupport must be on the same domain as AppURL.")
    if values["QBType"] not in ("QBFS", "QBPOS"):
        raise QwcRefused("QBType must be QBFS or QBPOS.")
    scheduler = root.find("Scheduler")
    every = scheduler.findtext("RunEveryNMinutes") if scheduler is not None else None
    return QwcFile(
        app_name=values["AppName"],
        app_id=values["AppID"],
        app_url=values["AppURL"],
        app_description=values["AppDescription"],
        app_support=values["AppSupport"],
        user_name=values["UserName"],
        owner_id=values["OwnerID"],
        file_id=values["FileID"],
        qb_type=values["QBType"],
        run_every_minutes=int(every) if every else None,
        style=values.get("Style") or "Document",
        auth_flags=values.get("AuthFlags"),
        is_read_only=values.get("IsReadOnly", "false").lower() == "true",
    )
