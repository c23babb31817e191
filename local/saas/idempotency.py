"""Idempotency-Key on writes: a repeat returns the first reply and makes no second record.

The reply is saved in the same transaction as the change, so a crash can never leave a change
without its saved reply (or the reverse). Only successes are saved: a refused request may be
retried, corrected, with the same key.
"""

import hashlib
from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse

from local.saas.errors import IdempotencyKeyReused
from local.saas.store import SaasStore, StoredReply, StoreTransaction

Write = Callable[[StoreTransaction], tuple[int, Any]]


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def write_once(
    store: SaasStore, tenant_id: str, idempotency_key: str | None, fingerprint: str, write: Write
) -> JSONResponse:
    with store.transaction() as tx:
        if idempotency_key:
            earlier = tx.idempotent_reply(tenant_id, idempotency_key)
            if earlier is not None:
                if earlier.request_fingerprint != fingerprint:
                    raise IdempotencyKeyReused(
                        f"Idempotency-Key {idempotency_key!r} was already used for a different request"
                    )
                return JSONResponse(earlier.body, status_code=earlier.status_code)
        status_code, body = write(tx)
        if idempotency_key:
            tx.save_idempotent_reply(tenant_id, idempotency_key, StoredReply(fingerprint, status_code, body))
    return JSONResponse(body, status_code=status_code)
