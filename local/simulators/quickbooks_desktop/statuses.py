"""Status codes QuickBooks puts on each `*Rs`, and the HRESULTs it throws for a whole message.

Ranges (providers.md 3.4): 0–499 Info, 500–999 Warn, ≥1000 Error. The sentences follow the ones
QuickBooks writes and providers.md quotes (3100, 3120, 3200); the others are QuickBooks' wording as
peers log it.
"""

from __future__ import annotations

from dataclasses import dataclass

PARSE_ERROR_HRESULT = "0x80040400"
PARSE_ERROR_MESSAGE = "QuickBooks found an error when parsing the provided XML text stream."
COULD_NOT_START_HRESULT = "0x80040408"
COULD_NOT_START_MESSAGE = "Could not start QuickBooks."
ACCESS_DENIED_HRESULT = "0x80040420"
ACCESS_DENIED_MESSAGE = "The QuickBooks user has denied access."
OK_MESSAGE = "Status OK"


def severity_of(code: int) -> str:
    if code >= 1000:
        return "Error"
    return "Warn" if code >= 500 else "Info"


@dataclass
class QbStatus(Exception):
    """A request QuickBooks answers with a non-zero status; raised by a handler, written on its `*Rs`."""

    code: int
    message: str

    @property
    def severity(self) -> str:
        return severity_of(self.code)


class MessageRefused(Exception):
    """QuickBooks throws for the whole message: QBWC reports `hresult` and `message` instead of a response."""

    def __init__(self, hresult: str, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.hresult = hresult
        self.message = message
        self.details = details or []


def no_match() -> QbStatus:
    return QbStatus(1, "A query request did not find a matching object in QuickBooks")


def not_all_found(missing: str) -> QbStatus:
    return QbStatus(
        500,
        "The query request has not been fully completed. There was a required element "
        f'("{missing}") that could not be found in QuickBooks.',
    )


def name_in_use(name: str) -> QbStatus:
    return QbStatus(3100, f'The name "{name}" of the list element is already in use.')


def not_found(object_id: str) -> QbStatus:
    return QbStatus(3120, f'Object "{object_id}" specified in the request cannot be found. ')


def invalid_reference(kind: str, value: str, where: str) -> QbStatus:
    return QbStatus(
        3140,
        f'There is an invalid reference to QuickBooks {kind} "{value}" in the {where}. '
        "QuickBooks error message: Invalid argument.  The specified record does not exist in the list.",
    )


def too_long(value: str, field: str) -> QbStatus:
    return QbStatus(3070, f'The string "{value}" in the field "{field}" is too long.')


def stale_edit_sequence(edit_sequence: str) -> QbStatus:
    return QbStatus(3200, f'The provided edit sequence "{edit_sequence}" is out-of-date. ')


def record_in_use(kind: str, name: str) -> QbStatus:
    return QbStatus(
        3180,
        f'There was an error when saving a {kind} list, element "{name}".  '
        "QuickBooks error message: This list has been modified by another user.",
    )


def invalid_value(field: str, value: str) -> QbStatus:
    return QbStatus(3210, f'The "{field}" field has an invalid value "{value}".')


def bad_iterator(iterator_id: str) -> QbStatus:
    return QbStatus(3391, f'Could not find the iterator with the iteratorID "{iterator_id}".')
