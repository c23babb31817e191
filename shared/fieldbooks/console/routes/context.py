"""What every tenant-API route reads from the request context: the verified caller and the services."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from fieldbooks.security.tenant_tokens import TenantCaller
from fieldbooks.services import Services


def caller(router: Router) -> TenantCaller:
    return router.context["caller"]


def services(router: Router) -> Services:
    return router.context["services"]
