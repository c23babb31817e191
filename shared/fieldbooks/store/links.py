"""Links: which accounting record is the twin of which SaaS record, one row per (tenant, provider, entity, id).

The by-remote-id index answers the reverse question (which SaaS record is accounting customer 58?),
which pulls, relinks and "is this accounting record already linked?" checks need.
"""

from __future__ import annotations

import os

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.exceptions import PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from fieldbooks.domain.errors import StaleVersion
from fieldbooks.domain.models import Link, LinkState, Provider
from fieldbooks.store.base import TableSettings, decode_cursor, encode_cursor, now


def link_key(provider: Provider, entity: str, saas_id: str) -> str:
    return f"{provider.value}#{entity}#{saas_id}"


def remote_key(provider: Provider, entity: str, remote_id: str) -> str:
    return f"{provider.value}#{entity}#{remote_id}"


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
            updated_at=self.updated_at,
            version=int(self.version or 0),
        )


class LinkStore:
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
        results = LinkRow.query(
            tenant_id,
            LinkRow.link_key.startswith(prefix),
            limit=limit,
            last_evaluated_key=decode_cursor(tenant_id, cursor),
        )
        links = [row.to_model() for row in results]
        return links, encode_cursor(tenant_id, results.last_evaluated_key)

    def save(self, link: Link) -> Link:
        """Conditional on `link.version` (0 = must not exist yet); the loser of a race gets StaleVersion."""
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
            updated_at=now(),
        )
        if link.version:
            row.version = link.version
        try:
            row.save()
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise StaleVersion("The link changed while we were saving it.") from error
            raise
        return row.to_model()
