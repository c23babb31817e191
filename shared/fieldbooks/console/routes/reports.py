"""Reports a bookkeeper reads: open balances on both sides."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from fieldbooks.console import balances
from fieldbooks.console.balances import BalanceReport
from fieldbooks.console.record_access import tenant_provider
from fieldbooks.console.routes.context import caller, services
from fieldbooks.domain.models import Provider

router = Router()


@router.get(
    "/reports/balances",
    responses={
        200: {
            "description": "The report as JSON, or as CSV with ?format=csv",
            "content": {
                content_types.APPLICATION_JSON: {"schema": {"$ref": "#/components/schemas/BalanceReport"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
def get_balance_report(
    provider: Annotated[Provider | None, Query()] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",  # noqa: A002 - the query parameter's name
) -> Response[BalanceReport | str]:
    """Each linked customer's open balance in the SaaS and in accounting, differences first, with totals."""
    tenant_id = caller(router).tenant_id
    chosen = tenant_provider(services(router), tenant_id, provider)
    report = balances.balance_report(services(router), tenant_id, chosen)
    if format == "csv":
        return Response(
            status_code=200,
            content_type="text/csv; charset=utf-8",
            body=balances.to_csv(report),
            headers={"Content-Disposition": 'attachment; filename="balances.csv"'},
        )
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=report)
