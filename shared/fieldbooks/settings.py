"""The environment a function runs in, validated once at cold start so a missing variable fails loudly.

Each provider package validates its own section (e.g. its API base URL and client id) the same way.
"""

from __future__ import annotations

import os

from pydantic import BaseModel, ValidationError


class Settings(BaseModel):
    stage: str
    push_queue_url: str
    push_dlq_url: str
    pull_queue_url: str
    pull_dlq_url: str
    saas_events_dlq_url: str
    saas_event_bus_name: str
    saas_api_base_url: str
    saas_api_key_parameter: str
    tenant_jwt_secret_parameter: str
    tokens_kms_key_id: str
    public_api_base_url: str
    console_return_url: str

    @classmethod
    def from_environment(cls) -> Settings:
        names = {name: os.environ.get(name.upper()) for name in cls.model_fields}
        missing = sorted(name.upper() for name, value in names.items() if value is None)
        if missing:
            raise RuntimeError(f"Missing environment variables (declared in template.yaml): {', '.join(missing)}")
        try:
            return cls.model_validate(names)
        except ValidationError as error:  # pragma: no cover - every field is a plain string today
            raise RuntimeError(str(error)) from error
