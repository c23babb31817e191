"""Reference SaaS app: the local stand-in for the field-service product Fieldbooks connects to.

It keeps tenants and their records in SQLite, publishes every change on the SaaS EventBridge bus
(schema in `fieldbooks.saas.events`) through an outbox, and serves two HTTP APIs: the *app API*
(what a user of the product does) and the *platform API* (what Fieldbooks calls).
"""
