"""Links: which accounting record is the twin of which SaaS record, one row per (tenant, provider, entity, id).

The by-remote-id index answers the reverse question (which SaaS record is accounting customer 58?),
which pulls and matching need. "One accounting record, one link" is not left to that (eventually
consistent) index: each link holding a remote id also holds a claim row keyed by that id, written in
one transaction with the link, on the condition that the claim is free or already its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from fieldbooks.domain.errors import Conflict, StaleVersion
from fieldbooks.domain.models import Link, LinkState, Provider
from fieldbooks.domain.wording import ENTITY_WORDS
from fieldbooks.store.base import PageCursors, TableSettings, now

# A claim found held by a link that has moved on is taken over; a race with another taker only
# repeats that, so a few rounds settle it.
CLAIM_ROUNDS = 3


def link_key(provider: Provider, entity: str, saas_id: str) -> str:
    return f"{provider.value}#{entity}#{saas_id}"


def remote_key(provider: Provider, entity: str, remote_id: str) -> str:
    return f"{provider.value}#{entity}#{remote_id}"


def claim_key(link: Link) -> str | None:
    """The claim a link holds: one per accounting record, keyed by the provider's own entity, so two
    SaaS entities whose twins are one kind of remote record (contacts and job sites may both be
    customers there) can never hold the same record either."""
    if link.remote_id is None or link.state is LinkState.UNLINKED:
        return None
    return f"claim#{link.provider.value}#{link.remote_entity or link.entity}#{link.remote_id}"


class ByRemoteId(GlobalSecondaryIndex["LinkRow"]):
    class Meta:
        index_name = "by-remote-id"
        projection = AllProjection()

    tenant_id = UnicodeAttribute(hash_key=True)
    remote_key = UnicodeAttribute(range_key=True)


class LinkRow(Model):
    class Meta(TableSettings):
        table_name = os.environ.get("LINKS_TABLE", "fieldbooks-dev-links")

    tenant_id = UnicodeAttribute(hash_key=True)
    link_key = UnicodeAttribute(range_key=True)
    remote_key = UnicodeAttribute(null=True)  # absent until the remote id is known: sparse index
    provider = UnicodeAttribute()
    entity = UnicodeAttribute()
    saas_id = UnicodeAttribute()
    state = UnicodeAttribute()
    remote_id = UnicodeAttribute(null=True)
    remote_entity = UnicodeAttribute(null=True)
    remote_version = UnicodeAttribute(null=True, attr_name="sync_token")  # the stored name since the first release
    synced_version = NumberAttribute(null=True)
    intent_request_id = UnicodeAttribute(null=True)
    intent_version = NumberAttribute(null=True)
    intent_batch = UnicodeAttribute(null=True)
    snapshot = JSONAttribute(null=True)
    generation = NumberAttribute(default=0)
    remote_inactive = BooleanAttribute(null=True)
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()
    by_remote_id = ByRemoteId()

    def to_model(self) -> Link:
        return Link(
            tenant_id=self.tenant_id,
            provider=Provider(self.provider),
            entity=self.entity,
            saas_id=self.saas_id,
            state=LinkState(self.state),
            remote_id=self.remote_id,
            remote_entity=self.remote_entity,
            remote_version=self.remote_version,
            synced_version=int(self.synced_version) if self.synced_version is not None else None,
            intent_request_id=self.intent_request_id,
            intent_version=int(self.intent_version) if self.intent_version is not None else None,
            intent_batch=self.intent_batch,
            snapshot=self.snapshot,
            generation=int(self.generation or 0),
            remote_inactive=bool(self.remote_inactive),
            updated_at=self.updated_at,
            version=int(self.version or 0),
        )


@dataclass(frozen=True)
class FormerHolder:
    """A link whose claim is left over: it was unlinked or relinked (`version` None: its row is gone)."""

    link_key: str
    version: int | None


class RemoteClaimRow(Model):
    """ "Accounting record X of this tenant is held by link Y", in the links table (its keys start with
    "claim#", so no link query ever meets one, and they carry no remote_key, so the index skips them)."""

    class Meta(TableSettings):
        table_name = LinkRow.Meta.table_name

    tenant_id = UnicodeAttribute(hash_key=True)
    link_key = UnicodeAttribute(range_key=True)  # the claim key
    holder = UnicodeAttribute()  # the link_key of the link holding the record


class LinkStore:
    def __init__(self, cursors: PageCursors | None = None) -> None:
        self._cursors = cursors or PageCursors.from_environment()

    def get(self, tenant_id: str, provider: Provider, entity: str, saas_id: str) -> Link | None:
        try:
            return LinkRow.get(tenant_id, link_key(provider, entity, saas_id)).to_model()
        except LinkRow.DoesNotExist:
            return None

    def by_remote(self, tenant_id: str, provider: Provider, entity: str, remote_id: str) -> Link | None:
        """The link holding this remote record, if any (unlinked rows keep their remote id out of the index)."""
        key = remote_key(provider, entity, remote_id)
        for row in LinkRow.by_remote_id.query(tenant_id, LinkRow.remote_key == key, limit=1):
            return row.to_model()
        return None

    def list(self, tenant_id: str, provider: Provider, entity: str | None = None) -> list[Link]:
        prefix = f"{provider.value}#{entity}#" if entity else f"{provider.value}#"
        return [row.to_model() for row in LinkRow.query(tenant_id, LinkRow.link_key.startswith(prefix))]

    def page(
        self, tenant_id: str, provider: Provider, entity: str | None, *, limit: int, cursor: str | None
    ) -> tuple[list[Link], str | None]:
        """One page of links in key order, with an opaque cursor for the next (None on the last page)."""
        prefix = f"{provider.value}#{entity}#" if entity else f"{provider.value}#"
        query = ("links", provider.value, entity)
        results = LinkRow.query(
            tenant_id,
            LinkRow.link_key.startswith(prefix),
            limit=limit,
            last_evaluated_key=self._cursors.decode(tenant_id, query, cursor, ("tenant_id", "link_key")),
        )
        links = [row.to_model() for row in results]
        return links, self._cursors.encode(tenant_id, query, results.last_evaluated_key)

    def save(self, link: Link) -> Link:
        """Conditional on `link.version` (0 = must not exist yet); the loser of a race gets StaleVersion.

        A link that holds a remote id is written with its claim in one transaction: Conflict when another
        link holds that accounting record. A claim left behind by a link that was unlinked or relinked
        since is taken over (a condition on that link's version makes the takeover atomic too), so
        releasing a claim never needs a read of the link being replaced.
        """
        row = self._row(link)
        claim = claim_key(link)
        if claim is None:
            try:
                row.save()
            except PutError as error:
                if error.cause_response_code == "ConditionalCheckFailedException":
                    raise StaleVersion("The link changed while we were saving it.") from error
                raise
            return row.to_model()
        stale: FormerHolder | None = None
        for _ in range(CLAIM_ROUNDS):
            try:
                self._save_with_claim(row, claim, stale)
                return row.to_model()
            except TransactWriteError as error:
                if error.cause_response_code != "TransactionCanceledException":
                    raise
                reasons = [reason.code if reason else None for reason in error.cancellation_reasons]
                if reasons[-2:-1] == ["ConditionalCheckFailed"]:  # the link row itself: written meanwhile
                    raise StaleVersion("The link changed while we were saving it.") from error
            stale = self._former_holder(link, row.link_key, claim)
        raise StaleVersion("Another link was taking the same record at the same moment.")

    def _save_with_claim(self, row: LinkRow, claim: str, stale: FormerHolder | None) -> None:
        """Puts are last in the transaction, in this order: the link, then its claim."""
        claim_row = RemoteClaimRow(row.tenant_id, claim, holder=row.link_key)
        condition: Condition = RemoteClaimRow.holder.does_not_exist() | (RemoteClaimRow.holder == row.link_key)
        with TransactWrite(connection=_connection()) as transaction:
            if stale is not None:
                # Taken over only while the former holder is exactly as read (not relinked back meanwhile).
                unchanged = (
                    LinkRow.version == stale.version if stale.version is not None else LinkRow.link_key.does_not_exist()
                )
                transaction.condition_check(LinkRow, row.tenant_id, stale.link_key, condition=unchanged)
                condition = RemoteClaimRow.holder == stale.link_key
            transaction.save(row)
            transaction.save(claim_row, condition=condition)

    def _former_holder(self, link: Link, own_key: str, claim: str) -> FormerHolder | None:
        """The claim's holder when it no longer holds the record (free to take); Conflict while it does."""
        try:
            holder_key = RemoteClaimRow.get(link.tenant_id, claim, consistent_read=True).holder
        except RemoteClaimRow.DoesNotExist:
            return None  # released meanwhile: the next round claims it afresh
        if holder_key == own_key:
            return None
        try:
            holder = LinkRow.get(link.tenant_id, holder_key, consistent_read=True)
        except LinkRow.DoesNotExist:
            return FormerHolder(holder_key, None)
        if claim_key(holder.to_model()) == claim:
            word = ENTITY_WORDS.get(holder.entity, holder.entity)
            raise Conflict(
                f"{link.provider.label} record {link.remote_id} is already linked to {word} {holder.saas_id}. "
                "Unlink that one first."
            )
        return FormerHolder(holder_key, int(holder.version or 0))

    @staticmethod
    def _row(link: Link) -> LinkRow:
        indexed = link.remote_id is not None and link.state is not LinkState.UNLINKED
        row = LinkRow(
            link.tenant_id,
            link_key(link.provider, link.entity, link.saas_id),
            remote_key=remote_key(link.provider, link.entity, link.remote_id) if indexed and link.remote_id else None,
            provider=link.provider.value,
            entity=link.entity,
            saas_id=link.saas_id,
            state=link.state.value,
            remote_id=link.remote_id,
            remote_entity=link.remote_entity,
            remote_version=link.remote_version,
            synced_version=link.synced_version,
            intent_request_id=link.intent_request_id,
            intent_version=link.intent_version,
            intent_batch=link.intent_batch,
            snapshot=link.snapshot,
            generation=link.generation,
            remote_inactive=link.remote_inactive or None,
            updated_at=now(),
        )
        if link.version:
            row.version = link.version
        return row


def _connection() -> Connection:
    """Transactions take a connection of their own; it gets the tables' region and Lambda-sized timeouts."""
    return Connection(
        region=TableSettings.region,
        connect_timeout_seconds=TableSettings.connect_timeout_seconds,
        read_timeout_seconds=TableSettings.read_timeout_seconds,
        max_retry_attempts=TableSettings.max_retry_attempts,
    )
