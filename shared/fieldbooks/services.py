"""Stores and clients, built once per cold start from the environment and shared by every invocation.

Clients are built, and their libraries imported, on first use: a function pays at cold start only
for what it calls (the intake and the scheduler never load httpx for the SaaS platform API).
AWS clients come from botocore, which the stores (PynamoDB) load anyway; boto3 would add its
session layer and s3transfer (~50-90 ms of imports) for the same three clients.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import botocore.session

from fieldbooks.settings import Settings
from fieldbooks.store.agent_sessions import AgentSessionStore
from fieldbooks.store.company_claims import CompanyClaimStore
from fieldbooks.store.conflicts import ConflictStore, PendingActionStore
from fieldbooks.store.connections import ConnectionStore
from fieldbooks.store.links import LinkStore
from fieldbooks.store.plans import PlanStore
from fieldbooks.store.pull_cursors import PullCursorStore
from fieldbooks.store.reference_lists import ReferenceListStore
from fieldbooks.store.runs import RunStore
from fieldbooks.store.sync_log import SyncLogStore
from fieldbooks.store.webhook_receipts import WebhookReceiptStore
from fieldbooks.store.work_items import WorkItemStore

if TYPE_CHECKING:
    from fieldbooks.saas.client import SaasPlatformClient

SECRET_MAX_AGE_SECONDS = 300  # a rotated secret is picked up within five minutes


@dataclass
class Services:
    settings: Settings
    connections: ConnectionStore = field(default_factory=ConnectionStore)
    sync_log: SyncLogStore = field(default_factory=SyncLogStore)
    runs: RunStore = field(default_factory=RunStore)
    links: LinkStore = field(default_factory=LinkStore)
    conflicts: ConflictStore = field(default_factory=ConflictStore)
    pending_actions: PendingActionStore = field(default_factory=PendingActionStore)
    plans: PlanStore = field(default_factory=PlanStore)
    work_items: WorkItemStore = field(default_factory=WorkItemStore)
    company_claims: CompanyClaimStore = field(default_factory=CompanyClaimStore)
    webhook_receipts: WebhookReceiptStore = field(default_factory=WebhookReceiptStore)
    reference_lists: ReferenceListStore = field(default_factory=ReferenceListStore)
    pull_cursors: PullCursorStore = field(default_factory=PullCursorStore)
    agent_sessions: AgentSessionStore = field(default_factory=AgentSessionStore)

    @classmethod
    def from_environment(cls) -> Services:
        return cls(settings=Settings.from_environment())

    @cached_property
    def sqs(self) -> Any:
        return self._aws_client("sqs")

    @cached_property
    def kms(self) -> Any:
        return self._aws_client("kms")

    @cached_property
    def events(self) -> Any:
        """EventBridge, for what Fieldbooks tells the SaaS bus (source "fieldbooks"): reauth, run finished."""
        return self._aws_client("events")

    @cached_property
    def saas(self) -> SaasPlatformClient:
        """The platform API: parents a push needs first, and the "Linked to accounting" marker."""
        from fieldbooks.saas.client import SaasPlatformClient  # httpx: only functions that call the SaaS

        return SaasPlatformClient(self.settings.saas_api_base_url, self.secret(self.settings.saas_api_key_parameter))

    def tenant_jwt_secret(self) -> str:
        return self.secret(self.settings.tenant_jwt_secret_parameter)

    def secret(self, parameter_name: str) -> str:
        """A SecureString parameter, cached per container so a rotated secret is picked up within minutes."""
        from aws_lambda_powertools.utilities import parameters  # loads boto3: only functions that read a secret

        return str(parameters.get_parameter(parameter_name, decrypt=True, max_age=SECRET_MAX_AGE_SECONDS))

    @cached_property
    def _botocore(self) -> botocore.session.Session:
        return botocore.session.get_session()

    def _aws_client(self, service: str) -> Any:
        """As `boto3.client(service)` builds it: region, credentials and `AWS_ENDPOINT_URL` from the environment."""
        return self._botocore.create_client(service)
