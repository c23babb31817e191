"""Creates what `template.yaml` declares on an embedded AWS (moto), and nothing it does not.

Used by the local runtime (against moto server) and by the test fixtures (against moto in-process),
so the tables, queues and keys the tests see are the ones production gets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

from local.runtime.template import Resolver, Template

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account

# Development secrets: known to the reference SaaS app and the demo, never used outside a laptop or CI.
DEV_TENANT_JWT_SECRET = "dev-only-tenant-jwt-secret-change-me"
DEV_PLATFORM_API_KEY = "dev-platform-key"
# The QuickBooks Online simulator's default registered app (local/simulators/quickbooks_online/config.py).
DEV_QUICKBOOKS_CLIENT_ID = "sim-client-id"
DEV_QUICKBOOKS_CLIENT_SECRET = "sim-client-secret"
# The Xero simulator's PKCE app (local/simulators/xero/config.py): a public client, no secret.
DEV_XERO_CLIENT_ID = "sim-xero-pkce-client-id"
# The key the Xero simulator signs its webhook deliveries with (its WebhookConfig default).
DEV_XERO_WEBHOOK_KEY = "sim-webhook-key-0123456789abcdef0123456789abcdef0123456789abcdef"
# The verifier token the simulator signs its webhook deliveries with (its WebhookConfig default).
DEV_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN = "sim-verifier-token"

_TABLE_KEYS = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")
_QUEUE_ATTRIBUTES = (
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "VisibilityTimeout",
    "MessageRetentionPeriod",
)


def local_parameters(
    template: Template,
    stage: str,
    saas_api_base_url: str,
    quickbooks_base_url: str = "http://127.0.0.1:9",
    public_api_base_url: str = "http://127.0.0.1:9",
    console_return_url: str = "http://127.0.0.1:9/settings/integrations",
    xero_base_url: str = "http://127.0.0.1:9",
) -> dict[str, str]:
    """`quickbooks_base_url` is the QuickBooks Online simulator: it serves the API, OAuth and discovery;
    `xero_base_url` the Xero simulator, which serves Xero's three hosts' paths on one."""
    parameters = template.parameter_defaults()
    parameters.update(
        Stage=stage,
        SaasApiBaseUrl=saas_api_base_url,
        SaasApiKeyParameter=f"/fieldbooks/{stage}/saas-api-key",
        TenantJwtSecretParameter=f"/fieldbooks/{stage}/tenant-jwt-secret",
        QuickBooksApiBaseUrl=quickbooks_base_url,
        QuickBooksDiscoveryUrl=f"{quickbooks_base_url}/.well-known/openid_configuration",
        QuickBooksClientId=DEV_QUICKBOOKS_CLIENT_ID,
        QuickBooksClientSecretParameter=f"/fieldbooks/{stage}/quickbooks-client-secret",
        QuickBooksWebhookVerifierTokenParameter=f"/fieldbooks/{stage}/quickbooks-webhook-verifier-token",
        XeroAuthorizeUrl=f"{xero_base_url}/identity/connect/authorize",
        XeroIdentityUrl=xero_base_url,
        XeroApiBaseUrl=xero_base_url,
        XeroClientId=DEV_XERO_CLIENT_ID,
        XeroWebhookKeyParameter=f"/fieldbooks/{stage}/xero-webhook-key",
        PublicApiBaseUrl=public_api_base_url,
        ConsoleReturnUrl=console_return_url,
    )
    return parameters


@dataclass
class LocalStack:
    """The created resources, and the environment each function gets."""

    template: Template
    resolver: Resolver

    def environment(self, function_id: str) -> dict[str, str]:
        spec = self.template.function(function_id)
        return {key: str(self.resolver.resolve(value)) for key, value in spec.environment.items()}

    def all_environments(self) -> dict[str, str]:
        """The union of every function's variables; they share one process locally."""
        merged: dict[str, str] = {}
        for spec in self.template.functions():
            for key, value in self.environment(spec.logical_id).items():
                if merged.get(key, value) != value:
                    raise ValueError(f"{key} differs between functions; one process cannot hold both")
                merged[key] = value
        return merged

    def queue_url(self, queue_id: str) -> str:
        return self.resolver.refs[queue_id]

    def dead_letter_queue_of(self, queue_id: str) -> str | None:
        policy = self.template.resources[queue_id]["Properties"].get("RedrivePolicy")
        return policy["deadLetterTargetArn"]["Fn::GetAtt"][0] if policy else None

    def table_name(self, table_id: str) -> str:
        return self.resolver.refs[table_id]


def create_resources(template: Template, parameters: dict[str, str], session: boto3.Session) -> LocalStack:
    resolver = Resolver(
        parameters,
        {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        },
    )
    _create_keys(template, resolver, session)
    _create_tables(template, resolver, session)
    _create_queues(template, resolver, session)
    _create_buses(template, resolver, session)
    _create_secrets(parameters, session)
    return LocalStack(template, resolver)


def _create_keys(template: Template, resolver: Resolver, session: boto3.Session) -> None:
    kms = session.client("kms", region_name=REGION)
    for name, res in template.of_type("AWS::KMS::Key").items():
        key = kms.create_key(Description=res["Properties"].get("Description", name))["KeyMetadata"]
        resolver.refs[name] = key["KeyId"]
        resolver.attributes[(name, "Arn")] = key["Arn"]
    for name, res in template.of_type("AWS::KMS::Alias").items():
        alias = resolver.resolve(res["Properties"]["AliasName"])
        kms.create_alias(AliasName=alias, TargetKeyId=resolver.resolve(res["Properties"]["TargetKeyId"]))
        resolver.refs[name] = alias


def _create_tables(template: Template, resolver: Resolver, session: boto3.Session) -> None:
    dynamodb = session.client("dynamodb", region_name=REGION)
    for name, res in template.of_type("AWS::DynamoDB::Table").items():
        props = res["Properties"]
        table_name = resolver.resolve(props["TableName"])
        dynamodb.create_table(TableName=table_name, **{k: props[k] for k in _TABLE_KEYS if k in props})
        if ttl := props.get("TimeToLiveSpecification"):
            dynamodb.update_time_to_live(TableName=table_name, TimeToLiveSpecification=ttl)
        resolver.refs[name] = table_name
        resolver.attributes[(name, "Arn")] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{table_name}"


def _create_queues(template: Template, resolver: Resolver, session: boto3.Session) -> None:
    sqs = session.client("sqs", region_name=REGION)
    queues = template.of_type("AWS::SQS::Queue")
    # Dead-letter queues first: a redrive policy names its target's ARN.
    for name in sorted(queues, key=lambda n: "RedrivePolicy" in queues[n]["Properties"]):
        props = queues[name]["Properties"]
        attributes = {k: _attribute(props[k]) for k in _QUEUE_ATTRIBUTES if k in props}
        if policy := props.get("RedrivePolicy"):
            attributes["RedrivePolicy"] = json.dumps(resolver.resolve(policy))
        queue_name = resolver.resolve(props["QueueName"])
        url = sqs.create_queue(QueueName=queue_name, Attributes=attributes)["QueueUrl"]
        resolver.refs[name] = url
        resolver.attributes[(name, "QueueName")] = queue_name
        resolver.attributes[(name, "Arn")] = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue_name}"


def _create_buses(template: Template, resolver: Resolver, session: boto3.Session) -> None:
    """The SaaS bus belongs to the SaaS in production; locally someone has to make it."""
    events = session.client("events", region_name=REGION)
    for bus in {resolver.resolve(rule.event_bus_name) for rule in template.bus_rules()} - {"default"}:
        events.create_event_bus(Name=bus)


def _create_secrets(parameters: dict[str, str], session: boto3.Session) -> None:
    ssm = session.client("ssm", region_name=REGION)
    for name, value in (
        (parameters["TenantJwtSecretParameter"], DEV_TENANT_JWT_SECRET),
        (parameters["SaasApiKeyParameter"], DEV_PLATFORM_API_KEY),
        (parameters["QuickBooksClientSecretParameter"], DEV_QUICKBOOKS_CLIENT_SECRET),
        (parameters["QuickBooksWebhookVerifierTokenParameter"], DEV_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN),
        (parameters["XeroWebhookKeyParameter"], DEV_XERO_WEBHOOK_KEY),
    ):
        ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)


def _attribute(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
