"""Which pull step takes a changed accounting record, by its SaaS entity: the one table the driver reads.

A SaaS entity absent here is read but not brought in (its step is not written yet, or it does not
flow back); the driver counts such records as skipped.
"""

from __future__ import annotations

from fieldbooks.sync.inbound import Step
from fieldbooks.sync.inbound_contacts import customer_step
from fieldbooks.sync.inbound_documents import document_changed
from fieldbooks.sync.inbound_payments import payment_changed

STEPS: dict[str, Step] = {
    "contact": customer_step,
    "property": customer_step,
    "invoice": document_changed,
    "credit_note": document_changed,
    "payment": payment_changed,
}
