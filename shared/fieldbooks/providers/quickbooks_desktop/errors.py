"""qbXML status codes and the Web Connector's HRESULTs as domain errors and sentences (providers.md 3.4)."""

from __future__ import annotations

from fieldbooks.domain.errors import (
    DuplicateName,
    FieldbooksError,
    RemoteNotFound,
    StaleVersion,
    Transient,
    ValidationFailed,
)

OK, NO_MATCH, WARNING = 0, 1, 500
DUPLICATE_NAME = 3100
NOT_FOUND = 3120
IN_USE = frozenset({3170, 3175, 3176, 3180})  # record in use by another user: try again
STALE_EDIT_SEQUENCE = 3200
MESSAGE_MAX = 300  # QuickBooks' own text is kept short in a sync-log sentence

COULD_NOT_OPEN = "0x80040408"
ACCESS_DENIED = "0x80040420"
OPEN_SENTENCES = {
    COULD_NOT_OPEN: (
        "The QuickBooks Web Connector could not open the company file: QuickBooks is not running or the "
        "file is not where it was. Open QuickBooks with the company file linked to Fieldbooks, then run "
        "the Web Connector again."
    ),
    ACCESS_DENIED: (
        "QuickBooks refused the Web Connector access to the company file. Open QuickBooks as the admin "
        'user in single-user mode, run the Web Connector, and answer the certificate prompt with "Yes, '
        'always; allow access even if QuickBooks is not running".'
    ),
}


def status_error(code: int, message: str) -> FieldbooksError:
    """The error a non-zero, non-warning status stands for."""
    text = " ".join(message.split())[:MESSAGE_MAX]
    if code == DUPLICATE_NAME:
        return DuplicateName(text or "The name is already in use.")
    if code == NOT_FOUND:
        return RemoteNotFound(text or "The record was not found in QuickBooks Desktop.")
    if code in IN_USE:
        return Transient(f"The record is in use in QuickBooks Desktop ({code}); it is sent again.")
    if code == STALE_EDIT_SEQUENCE:
        return StaleVersion(text or "The record changed in QuickBooks Desktop meanwhile.")
    return ValidationFailed(f"{text} (status {code})" if text else f"Status {code}.")


def failure_sentence(hresult: str, message: str) -> str:
    known = OPEN_SENTENCES.get(hresult.lower())
    if known:
        return known
    detail = " ".join(message.split())[:MESSAGE_MAX]
    return f"The QuickBooks Web Connector could not open the company file ({hresult}: {detail})."
