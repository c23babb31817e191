"""DynamoDB checks a condition and writes as one step; moto in-process does not between threads (two
racing conditional puts can both pass), so tests that race writers serialise moto's writes as the
service does."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend


def serialise_conditional_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    lock = threading.RLock()
    for name in ("put_item", "update_item", "delete_item"):
        original = getattr(DynamoDBBackend, name)

        def serialised(self: DynamoDBBackend, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, serialised)
