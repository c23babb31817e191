"""The console JWT the SaaS web app sends to Fieldbooks' tenant API from its Integrations page."""

import datetime as dt
from typing import Literal

import jwt

ISSUER = "fsm-saas"
AUDIENCE = "fieldbooks"
Role = Literal["owner", "admin", "member"]


def mint_console_token(
    secret: str, tenant_id: str, user_id: str, role: Role, ttl_seconds: int, now: dt.datetime
) -> str:
    issued_at = int(now.timestamp())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": user_id,
        "tid": tenant_id,
        "role": role,
        "iat": issued_at,
        "exp": issued_at + ttl_seconds,
    }
    return jwt.encode(claims, secret, algorithm="HS256")
