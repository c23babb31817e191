"""Tenant console tokens: HS256 JWTs the SaaS signs for its signed-in users.

API Gateway's JWT authorizer only verifies asymmetric tokens against a JWKS URL, and the SaaS signs
with a shared secret, so the check happens here (PyJWT), once per request, before any store is read.
The tenant comes from the verified `tid` claim and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import jwt

from fieldbooks.domain.actors import MAX_ACTOR_TEXT, Actor
from fieldbooks.domain.errors import Forbidden, Unauthorized

ISSUER = "fsm-saas"
AUDIENCE = "fieldbooks"
CLOCK_SKEW_SECONDS = 30


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


@dataclass(frozen=True)
class TenantCaller:
    tenant_id: str
    user_id: str
    role: Role

    @property
    def actor(self) -> Actor:
        """The person every trace of this request names (runs, sync log, the SaaS's record history)."""
        return Actor.user(self.user_id)

    def require_admin(self) -> None:
        """Connecting, changing settings and resolving conflicts are for admins and owners only."""
        if self.role not in (Role.OWNER, Role.ADMIN):
            raise Forbidden("Only an admin or the owner of this account can do that.")


def verify_console_token(authorization: str | None, secret: str) -> TenantCaller:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized("Sign in again: the request carries no bearer token.")
    token = authorization[len("bearer ") :].strip()
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["exp", "iat", "sub", "tid", "role"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise Unauthorized("Your session has expired; sign in again.") from error
    except jwt.InvalidTokenError as error:
        raise Unauthorized("The sign-in token is not valid.") from error
    try:
        role = Role(claims["role"])
    except ValueError as error:
        raise Forbidden("Your role does not give access to accounting integrations.") from error
    tenant_id, user_id = claims["tid"], claims["sub"]
    if not isinstance(tenant_id, str) or not tenant_id or not _is_user_id(user_id):
        raise Unauthorized("The sign-in token is not valid.")
    return TenantCaller(tenant_id=tenant_id, user_id=user_id, role=role)


def _is_user_id(user_id: object) -> bool:
    """The user every trace of the request names: text the sync log and the SaaS's audit field can hold."""
    if not isinstance(user_id, str):
        return False
    return bool(user_id.strip()) and len(user_id) <= MAX_ACTOR_TEXT and user_id.isprintable()
