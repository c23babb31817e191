"""QuickBooks Desktop's facts as data: a QUEUE provider (the Web Connector asks us for work)."""

from __future__ import annotations

from fieldbooks.domain.models import Provider
from fieldbooks.providers.contract import AuthKind, Descriptor, LookUpFirst, Transport
from fieldbooks.providers.quickbooks_desktop.mapping import REMOTE_ENTITY

DESCRIPTOR = Descriptor(
    provider=Provider.QUICKBOOKS_DESKTOP,
    label="QuickBooks Desktop",
    short_label="QuickBooks Desktop",
    waiting_for="the QuickBooks Web Connector",
    link_marker="qbd",
    transport=Transport.QUEUE,
    auth=AuthKind.WEB_CONNECTOR,
    remote_entities=REMOTE_ENTITY,
    # qbXML has no replay key: before repeating a create whose answer was lost, query by name (providers.md 3.1).
    idempotency=LookUpFirst(max_len=36),
    remote_nouns={"contact": "customer", "property": "job"},
    # Names are one list across Customer, Vendor, Employee and OtherName (providers.md 3.3).
    other_name_holders="another customer or job, a vendor, an employee or an other name",
    # ListID / TxnID: hex counter, a dash, a timestamp ("80000001-1700000000"; IDTYPE is at most 36).
    remote_id_pattern=r"[0-9A-F]{1,20}-[0-9]{1,15}",
)
