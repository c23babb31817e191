"""The SaaS side of Fieldbooks: the versioned change-event contract and the platform API client.

The reference SaaS app (`local/saas/`) imports the same contract, so the stand-in and the consumer
can never disagree about a field name.
"""
