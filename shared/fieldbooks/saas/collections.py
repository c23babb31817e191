"""How the platform API spells each entity in its URLs; the app and the client share this one list."""

from fieldbooks.domain.records import Entity

COLLECTION_OF: dict[Entity, str] = {
    "contact": "contacts",
    "property": "properties",
    "item": "items",
    "quote": "quotes",
    "invoice": "invoices",
    "credit_note": "credit-notes",
    "payment": "payments",
    "job": "jobs",
    "team_member": "team-members",
}
ENTITY_OF: dict[str, Entity] = {collection: entity for entity, collection in COLLECTION_OF.items()}
