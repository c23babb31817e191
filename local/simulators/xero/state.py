"""Everything one simulator instance holds, and how to put it back to its configured start."""

from __future__ import annotations

from typing import Any

from local.simulators.xero.clock import Clock, ms_datetime
from local.simulators.xero.config import OrganisationSeed, SimulatorConfig
from local.simulators.xero.faults import FaultInjector
from local.simulators.xero.idempotency import IdempotencyCache
from local.simulators.xero.limits import TenantLimits
from local.simulators.xero.oauth import OAuthServer
from local.simulators.xero.seed import CURRENCIES, DEFAULT_SALES_TAX, seed_organisation
from local.simulators.xero.store import Organisation
from local.simulators.xero.webhooks import WebhookDispatcher


class SimulatorState:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.clock = Clock()
        self.organisations: dict[str, Organisation] = {}
        self.oauth = OAuthServer(config=config, clock=self.clock, tenant_ids=[], name_of=self._name_of)
        self.limits = TenantLimits(config)
        self.faults = FaultInjector(config.faults)
        self.idempotency = IdempotencyCache(self.clock, config.idempotency_window)
        self.webhooks = WebhookDispatcher(config)
        # Where webhook events point their resourceUrl: the host the last API call came in on.
        self.api_base = "http://127.0.0.1"
        self._create_organisations(config.organisations)

    def add_organisation(self, seed: OrganisationSeed) -> Organisation:
        now = self.clock.now()
        organisation = Organisation(
            tenant_id=seed.tenant_id.lower(),
            name=seed.name,
            country=seed.country,
            timezone=seed.timezone,
            base_currency=CURRENCIES[seed.country],
            short_code="!" + seed.tenant_id[:5],
            created_at=now,
        )
        seed_organisation(organisation, now)
        self.organisations[organisation.tenant_id] = organisation
        if organisation.tenant_id not in self.oauth.tenant_ids:
            self.oauth.tenant_ids.append(organisation.tenant_id)
        return organisation

    def render_organisation(self, organisation: Organisation) -> dict[str, Any]:
        """`GET /Organisation`: what a connector reads for the name, country and currency."""
        return {
            "OrganisationID": organisation.tenant_id,
            "Name": organisation.name,
            "LegalName": organisation.name,
            "PaysTax": True,
            "Version": {"GB": "UK", "AU": "AU", "US": "US"}[organisation.country],
            "OrganisationType": "COMPANY",
            "BaseCurrency": organisation.base_currency,
            "CountryCode": organisation.country,
            "IsDemoCompany": False,
            "OrganisationStatus": "ACTIVE",
            "FinancialYearEndDay": 31,
            "FinancialYearEndMonth": 12 if organisation.country != "AU" else 6,
            "SalesTaxBasis": "ACCRUALS" if organisation.country == "GB" else "CASH",
            "DefaultSalesTax": DEFAULT_SALES_TAX[organisation.country],
            "CreatedDateUTC": ms_datetime(organisation.created_at),
            "OrganisationEntityType": "COMPANY",
            "ShortCode": organisation.short_code,
            "Class": "STANDARD",
            "Edition": "BUSINESS",
            "Addresses": [],
            "Phones": [],
            "ExternalLinks": [],
        }

    def reset(self, forget_tokens: bool) -> None:
        """Back to the configured organisations and faults; tokens survive unless asked, so a test
        can reset data between cases without reconnecting."""
        self.clock.reset()
        self.organisations.clear()
        self.oauth.tenant_ids.clear()
        self.oauth.consent.tenant_ids, self.oauth.consent.deny = None, False
        if forget_tokens:
            self.oauth.forget_tokens()
        self.limits.reset()
        self.faults = FaultInjector(self.config.faults)
        self.idempotency.clear()
        self.webhooks.reset()
        self._create_organisations(self.config.organisations)

    def _name_of(self, tenant_id: str) -> str:
        organisation = self.organisations.get(tenant_id)
        return organisation.name if organisation else ""

    def _create_organisations(self, seeds: list[OrganisationSeed]) -> None:
        for seed in seeds:
            self.add_organisation(seed)
