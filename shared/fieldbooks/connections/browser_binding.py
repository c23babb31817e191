"""Binds a connect flow to the browser that started it, so a consent link cannot be finished elsewhere.

`POST /connections/{provider}/authorize` (a console call with the admin's token) sets an HttpOnly
cookie holding a random secret; the state row keeps only its SHA-256. The provider sends that same
browser back to the callback, which must present the cookie. A link forwarded to someone else
(tenant B's admin sending a consent link to tenant A's bookkeeper, issue 10 A.1) arrives without it
and is refused before any code is exchanged.

One cookie per state (its name derives from the state), so two consent tabs opened at once do not
overwrite each other. `SameSite=Lax` because the callback is a top-level navigation from the
provider's site, which Strict would strip; the path is the callback's own, so no other request
carries it. `Secure` whenever the public API is served over https (always, deployed); the local
stack is plain http on 127.0.0.1, where a Secure cookie would never be sent back.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from fieldbooks.store.oauth_states import STATE_TTL_SECONDS

COOKIE_PREFIX = "fieldbooks_connect_"
SECRET_BYTES = 32


@dataclass(frozen=True)
class BrowserBinding:
    """The cookie the authorize reply sets (the route turns it into a Set-Cookie)."""

    name: str
    value: str
    path: str
    secure: bool
    max_age: int = STATE_TTL_SECONDS


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def digest(secret: str | None) -> str | None:
    """What the state row keeps: the cookie's value cannot be read back from the table."""
    return hashlib.sha256(secret.encode()).hexdigest() if secret else None


def cookie_name(state: str) -> str:
    return COOKIE_PREFIX + hashlib.sha256(state.encode()).hexdigest()[:24]


def binding(state: str, secret: str, callback_url: str) -> BrowserBinding:
    parts = urlsplit(callback_url)
    return BrowserBinding(name=cookie_name(state), value=secret, path=parts.path, secure=parts.scheme == "https")


def secret_from(cookies: list[str] | None, state: str | None) -> str | None:
    """The secret this state's cookie carries, from API Gateway's `cookies` list ("name=value")."""
    if not state:
        return None
    wanted = cookie_name(state)
    for cookie in cookies or []:
        name, separator, value = cookie.strip().partition("=")
        if separator and name == wanted:
            return value
    return None
