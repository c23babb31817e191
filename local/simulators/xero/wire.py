"""The wire form of every reply: Xero's envelope and JSON numbers for Decimal money."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

from starlette.responses import JSONResponse

from local.simulators.xero.clock import Clock, ms_datetime


def as_json_numbers(value: Any) -> Any:
    """Deep copy with Decimal money as JSON numbers, as Xero writes them (`"Total": 230.00` → 230.0).

    Computation stays in Decimal; at two decimals a float prints the same figure to any reader.
    """
    if isinstance(value, dict):
        return {key: as_json_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json_numbers(item) for item in value]
    if isinstance(value, Decimal):
        return float(value)
    return value


def envelope(clock: Clock, provider_name: str, payload: dict[str, Any], status: int = 200) -> JSONResponse:
    """`Id`, `Status`, `ProviderName` and `DateTimeUTC` around the payload (providers.md 2.4)."""
    body = {
        "Id": str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": provider_name,
        "DateTimeUTC": ms_datetime(clock.now()),
        **payload,
    }
    return JSONResponse(as_json_numbers(body), status_code=status)


def decimal_json(raw: bytes) -> Any:
    """Money read exactly: `230.10` stays Decimal('230.10'). ValueError when not JSON."""
    return json.loads(raw, parse_float=Decimal) if raw else None
