"""Everything one simulator instance holds, and how to put it back to its configured start."""

from __future__ import annotations

from local.simulators.quickbooks_online.clock import Clock
from local.simulators.quickbooks_online.config import CompanySeed, SimulatorConfig
from local.simulators.quickbooks_online.faults import FaultInjector
from local.simulators.quickbooks_online.limits import RealmLimits
from local.simulators.quickbooks_online.oauth import OAuthServer
from local.simulators.quickbooks_online.seed import seed_company
from local.simulators.quickbooks_online.store import Company
from local.simulators.quickbooks_online.webhooks import WebhookDispatcher


class SimulatorState:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.clock = Clock()
        self.companies: dict[str, Company] = {}
        self.oauth = OAuthServer(config=config, clock=self.clock, realm_ids=[])
        self.limits = RealmLimits(config)
        self.faults = FaultInjector(config.faults)
        self.webhooks = WebhookDispatcher(config, self.clock, self.timezone_of)
        self._create_companies(config.companies)

    def add_company(self, seed: CompanySeed) -> Company:
        company = Company(realm_id=seed.realm_id, name=seed.name, country=seed.country, timezone=seed.timezone)
        seed_company(company, self.clock.now())
        self.companies[seed.realm_id] = company
        if seed.realm_id not in self.oauth.realm_ids:
            self.oauth.realm_ids.append(seed.realm_id)
        return company

    def timezone_of(self, realm_id: str) -> str:
        company = self.companies.get(realm_id)
        return company.timezone if company else "America/Los_Angeles"

    def reset(self, forget_tokens: bool) -> None:
        """Back to the configured companies and faults; tokens survive unless asked, so a test can
        reset data between cases without reconnecting."""
        self.clock.reset()
        self.companies.clear()
        self.oauth.realm_ids.clear()
        self.oauth.consent.realm_id, self.oauth.consent.deny = None, False
        if forget_tokens:
            self.oauth.forget_tokens()
        self.limits.reset()
        self.faults = FaultInjector(self.config.faults)
        self.webhooks.reset()
        self._create_companies(self.config.companies)

    def _create_companies(self, seeds: list[CompanySeed]) -> None:
        for seed in seeds:
            self.add_company(seed)
