"""The small set of errors the core speaks in.

Providers and the SaaS client translate their HTTP replies into these at the edge, so nothing above
`providers/` or `saas/` sees a status code. Messages are written for the sync log: a bookkeeper
reads them.
"""


class FieldbooksError(Exception):
    """Base of every error the core raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- caller errors (the tenant API turns these into 4xx)


class Unauthorized(FieldbooksError):
    """No token, or one we cannot verify (401)."""


class Forbidden(FieldbooksError):
    """A verified caller asking for what their role or tenant does not allow (403)."""


class NotFound(FieldbooksError):
    """The record does not exist for this tenant (404)."""


class ValidationFailed(FieldbooksError):
    """Input that can never succeed as sent (400); for records, a sync-log `error` row."""


class Conflict(FieldbooksError):
    """The request clashes with current state, e.g. a second company while connected (409)."""


# --- provider and platform errors (the workers decide: retry, re-read, or log and park)


class ProviderError(FieldbooksError):
    """An answer from an accounting system or the SaaS platform that is not a success."""


class DuplicateName(ProviderError, ValidationFailed):
    """The accounting system already has a record with that name."""


class StaleVersion(ProviderError):
    """Someone changed the record since we read it: re-read, merge, retry."""


class RemoteNotFound(ProviderError, NotFound):
    """The record is missing (or inactive) on the remote side.

    When the provider names the reference that failed (a write citing a deleted item), `remote_entity`
    and `remote_id` say which, so the sync log can name the record that is missing, not the one sent.
    """

    def __init__(self, message: str, *, remote_entity: str | None = None, remote_id: str | None = None) -> None:
        super().__init__(message)
        self.remote_entity = remote_entity
        self.remote_id = remote_id


class AuthExpired(ProviderError):
    """The connection's tokens no longer work: the tenant must reconnect."""


class RateLimited(ProviderError):
    """Over the provider's budget: pause the connection, retry later, never drop."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Transient(ProviderError):
    """A 5xx, timeout or dropped connection: retry with backoff."""
