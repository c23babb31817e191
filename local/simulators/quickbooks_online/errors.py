"""Intuit's error bodies, verbatim where providers.md quotes them (section 1.5).

One exception type carries a fault to the edge; `fault_response` turns it into the envelope Intuit
sends. Authentication faults use lower-case keys and the throttle fault is XML, because Intuit's own
bodies are shaped that way and client code must cope with exactly that.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import JSONResponse, Response

INACTIVE_REFERENCE_DETAIL = (
    "Something you're trying to use has been made inactive. "
    "Check the fields with accounts, customers, items, vendors or employees."
)
THROTTLE_FAULT_XML = (
    '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; '
    "statusCode=429</Message><Detail>The request limit was reached.  Try again later</Detail></Error></Fault>"
)


@dataclass
class IntuitFault(Exception):
    """A fault as one item of Intuit's `Fault.Error` list, with the HTTP status it travels with."""

    code: str
    message: str
    detail: str
    fault_type: str = "ValidationFault"
    status: int = 400
    element: str = ""

    def envelope(self) -> dict:
        """The `Fault` object alone: batch items carry it without the outer `time`."""
        error = {"Message": self.message, "Detail": self.detail, "code": self.code, "element": self.element}
        return {"Error": [error], "type": self.fault_type}


def duplicate_name(entity: str) -> IntuitFault:
    """6240, quoted from minimul/qbo_api:`spec/vcr/qbo_api/error/validation.yml`."""
    people = "Another customer, vendor or employee is already using this name."
    other = {
        "Customer": people,
        "Vendor": people,
        "Employee": people,
        "Item": "Another product or service is already using this name.",
        "Account": "Another account is already using this name.",
    }[entity]
    return IntuitFault(
        code="6240",
        message="Duplicate Name Exists Error",
        detail=f"The name supplied already exists. : {other} Please use a different name.",
    )


def stale_object() -> IntuitFault:
    """5010, detail quoted from routablehq/python-quickbooks#127."""
    return IntuitFault(
        code="5010",
        message="Stale Object Error",
        detail="Stale Object Error : You and API API were working on this at the same time. "
        "API API finished before you did, so your work was not saved.",
    )


def invalid_reference(entity: str, ref_id: str) -> IntuitFault:
    """2500 for a reference to a record that does not exist (detail text from PHP-SDK#95)."""
    return IntuitFault(
        code="2500",
        message="Invalid Reference Id",
        detail=f"Invalid Reference Id : {INACTIVE_REFERENCE_DETAIL}",
        element=f"{entity}Ref:{ref_id}",
    )


def object_not_found(status: int = 400) -> IntuitFault:
    """610: reads of a missing object (HTTP 404) and references to inactive names (HTTP 400)."""
    return IntuitFault(
        code="610",
        message="Object Not Found",
        detail=f"Object Not Found : {INACTIVE_REFERENCE_DETAIL}",
        status=status,
    )


def required_field(field: str) -> IntuitFault:
    return IntuitFault(
        code="2020",
        message="Required param missing, need to supply the required value for the API",
        detail=f"Required parameter {field} is missing in the request",
    )


def business_validation(
    detail: str, message: str = "A business validation error has occurred while processing your request"
) -> IntuitFault:
    return IntuitFault(code="6000", message=message, detail=detail)


def unsupported_operation(operation: str, entity: str) -> IntuitFault:
    return IntuitFault(
        code="500",
        message="Unsupported Operation",
        detail=f"Operation {operation} is not supported for {entity}.",
    )


def unsupported_entity(method: str) -> IntuitFault:
    """A path naming no entity: Intuit's JAX-RS layer finds no resource method, which it reports as
    its "Unsupported operation" (500) fault, not 610, so "no such record" stays distinguishable."""
    return IntuitFault(
        code="500",
        message="Unsupported Operation",
        detail=f"Operation No resource method found for {method}, return 405 with Allow header is not supported.",
    )


def unrecognized_field(field: str, type_name: str) -> IntuitFault:
    """2010 as Jackson words it inside Intuit's Detail (routablehq/python-quickbooks#80, #38)."""
    return request_invalid(
        f'Property Name:Unrecognized field "{field}" (class com.intuit.schema.finance.v3.{type_name}), '
        "not marked as ignorable specified is unsupported or invalid"
    )


def string_too_long(field: str, limit: int, supplied: int) -> IntuitFault:
    """2050, the body recorded for a 45-character DocNumber (providers.md 1.5 table; IQ error codes)."""
    return IntuitFault(
        code="2050",
        message="String length is either shorter or longer than supported by specification",
        detail=f"String length specified does not match the supported length. Min:0 Max:{limit} supported. "
        f"Supplied length:{supplied}",
        element=field,
    )


def amount_mismatch(supplied: str) -> IntuitFault:
    """6070 "Amount calculation incorrect in the request" (IQ error codes); the Detail as recorded
    from production: "Amount is not equal to UnitPrice * Qty. Supplied value:1,000"."""
    return IntuitFault(
        code="6070",
        message="Amount calculation incorrect in the request",
        detail=f"Amount is not equal to UnitPrice * Qty. Supplied value:{supplied}",
    )


def tax_rate_required(tax_name: str) -> IntuitFault:
    """6000 from a non-US company when a sales line carries no TaxCodeRef: "Make sure all your
    transactions have a GST/HST rate before you save" (CA), VAT (GB), GST (AU)."""
    return business_validation(
        f"Business Validation Error: Make sure all your transactions have a {tax_name} rate before you save."
    )


def list_has_balance() -> IntuitFault:
    """Making a customer with an open balance inactive, as ruckus/quickbooks-ruby#390 records it."""
    return business_validation(
        "The entity you are trying to delete has an open balance. : "
        "This customer cannot be deleted because it has a non-zero balance",
        message="Delete List Has Balance Error",
    )


def query_property_not_found(path: str, entity: str) -> IntuitFault:
    """4001 for a property the entity does not have (recorded: "QueryValidationError: Property
    BillAddr not found for Entity Customer")."""
    return IntuitFault(
        code="4001",
        message="Invalid query",
        detail=f"QueryValidationError: Property {path} not found for Entity {entity}",
    )


def request_invalid(detail: str) -> IntuitFault:
    return IntuitFault(code="2010", message="Request has invalid or unsupported property", detail=detail)


def query_parser_error(detail: str) -> IntuitFault:
    return IntuitFault(code="4000", message="Error parsing query", detail=f"QueryParserError: {detail}")


def cdc_window_too_old() -> IntuitFault:
    """providers.md gives the 30-day look-back but not Intuit's exact reply; a 400 ValidationFault."""
    return IntuitFault(
        code="2010",
        message="Request has invalid or unsupported property",
        detail="changedSince: CDC can only look back 30 days; use a more recent date-time.",
    )


def system_fault(status: int) -> IntuitFault:
    """What an injected 500/503 carries: Intuit's generic SystemFault (code 10000)."""
    return IntuitFault(
        code="10000",
        message="An application error has occurred while processing your request",
        detail="System Failure Error: An unexpected error occurred while accessing or saving your data.",
        fault_type="SystemFault",
        status=status,
    )


def authentication_failed(detail: str) -> Response:
    """401 with lower-case keys, as quoted from routablehq/python-quickbooks#250."""
    body = {
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": detail,
                    "code": "3200",
                }
            ],
            "type": "AUTHENTICATION",
        }
    }
    return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": 'Bearer realm="Intuit"'})


def authorization_failed() -> IntuitFault:
    """3100/403: a valid token used on a company it was not issued for."""
    return IntuitFault(
        code="3100",
        message="message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
        detail="",
        fault_type="AuthorizationFault",
        status=403,
    )


def throttled(time_text: str) -> Response:
    """429 as XML even to JSON requests (providers.md 1.2), inside the `IntuitResponse` wrapper that
    the copies in routablehq/python-quickbooks#83 and intuit/QuickBooks-V3-PHP-SDK#54 show."""
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<IntuitResponse time="{time_text}" xmlns="http://schema.intuit.com/finance/v3">'
        f"{THROTTLE_FAULT_XML}</IntuitResponse>"
    )
    return Response(body, status_code=429, media_type="application/xml")


def fault_response(fault: IntuitFault, time_text: str) -> JSONResponse:
    """The full envelope; `time_text` is the company-local stamp every Intuit reply carries."""
    return JSONResponse({"Fault": fault.envelope(), "time": time_text}, status_code=fault.status)
