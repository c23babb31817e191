"""What every `*QueryRq` shares: id and name look-ups, modified-date filters, iterators, deletions.

- Looking up by `ListID`/`FullName`/`TxnID`/`RefNumber` answers what it finds; what it does not
  find makes the status 500 (warn) when something was found, and 500 with no Ret otherwise.
- A filter that matches nothing answers status 1 (info), no Ret (providers.md 3.4).
- `FromModifiedDate`/`ToModifiedDate` are inclusive; a value without an offset is the company
  PC's local time (providers.md 3.3, "Modified dates").
- `iterator="Start"` keeps the rest of the result under a new `iteratorID`; `Continue` with that
  id hands out the next `MaxReturned`, with `iteratorRemainingCount`. An id QuickBooks does not
  hold (another request type, or a finished session) answers 3391 (providers.md 3.3).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, time
from zoneinfo import ZoneInfo

from lxml import etree

from local.simulators.quickbooks_desktop import statuses
from local.simulators.quickbooks_desktop.company import Company, Iterator, full_name_of
from local.simulators.quickbooks_desktop.processor import Reply, Request
from local.simulators.quickbooks_desktop.wire import Fields, many, render

Renderer = Callable[[Fields, Fields], etree._Element]


def local_time(text: str, zone: ZoneInfo, end_of_day: bool = False) -> datetime:
    """A DATETIMETYPE or DATETYPE bound; without an offset it is the company's local time."""
    if "T" not in text:
        day = datetime.fromisoformat(text).date()
        return datetime.combine(day, time(23, 59, 59) if end_of_day else time(0, 0, 0), zone)
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def in_range(moment: datetime, bounds: Fields, zone: ZoneInfo, lower: str, upper: str) -> bool:
    if bounds.get(lower) and moment < local_time(bounds[lower], zone):
        return False
    return not (bounds.get(upper) and moment > local_time(bounds[upper], zone, end_of_day=True))


def name_matches(name: str, name_filter: Fields) -> bool:
    wanted, have = name_filter["Name"].lower(), name.lower()
    criterion = name_filter["MatchCriterion"]
    if criterion == "StartsWith":
        return have.startswith(wanted)
    if criterion == "EndsWith":
        return have.endswith(wanted)
    return wanted in have


def trimmed(fields: Fields, include: list[str]) -> Fields:
    """`IncludeRetElement`: only the named top-level elements."""
    return {key: value for key, value in fields.items() if key in include} if include else fields


def trim_element(element: etree._Element, include: list[str]) -> etree._Element:
    """`IncludeRetElement` on a rendered Ret, so computed fields (balances) obey it too."""
    for child in list(element) if include else []:
        if child.tag not in include:
            element.remove(child)
    return element


def answer(
    request: Request,
    ordered_ids: Callable[[], list[str]],
    lookup: Callable[[str], Fields | None],
    render_one: Callable[[Fields], etree._Element],
    missing: list[str],
) -> Reply:
    """The query's reply, through an iterator when asked; `ordered_ids` runs only on a fresh query."""
    attrs, body, company = request.attrs, request.body, request.company
    max_returned = int(body["MaxReturned"]) if body.get("MaxReturned") else None
    iterator_mode = attrs.get("iterator")
    if iterator_mode == "Continue":
        iterator_id = attrs.get("iteratorID", "")
        held = company.iterators.get(iterator_id)
        if held is None or held.request != request.name:
            raise statuses.bad_iterator(iterator_id)
        ids = held.remaining
    else:
        ids = ordered_ids()
    records = [record for record in (lookup(i) for i in ids) if record is not None]
    page = records if max_returned is None else records[:max_returned]
    rest = [] if max_returned is None else ids[max_returned:]
    reply = Reply(rets=[render_one(record) for record in page])
    if iterator_mode in ("Start", "Continue"):
        iterator_id = attrs.get("iteratorID") if iterator_mode == "Continue" else "{" + str(uuid.uuid4()) + "}"
        company.iterators[iterator_id] = Iterator(request=request.name, remaining=rest)
        reply.attrs = {"iteratorRemainingCount": str(len(rest)), "iteratorID": iterator_id}
    if missing:
        reply.status = statuses.not_all_found(missing[0])
    elif not page and iterator_mode != "Continue":
        reply.status = statuses.no_match()
    return reply


def list_query(
    request: Request, records: Iterable[Fields], render_one: Renderer, default_active: str = "ActiveOnly"
) -> Reply:
    """CustomerQuery, ItemQuery and friends: by ListID/FullName, or filtered, ordered by FullName."""
    body, company = request.body, request.company
    include = many(body, "IncludeRetElement")
    everything = {record["ListID"]: record for record in records}
    missing: list[str] = []
    if body.get("ListID") or body.get("FullName"):
        wanted = many(body, "ListID") or many(body, "FullName")
        by_name = {full_name_of(record).lower(): record for record in everything.values()}
        found = []
        for key in wanted:
            record = everything.get(key) if body.get("ListID") else by_name.get(key.lower())
            (found.append(record["ListID"]) if record else missing.append(key))

        def ordered() -> list[str]:
            return found
    else:
        active = body.get("ActiveStatus", default_active)

        def ordered() -> list[str]:
            chosen = [r for r in everything.values() if _list_filter(r, body, active, company.zone)]
            return [r["ListID"] for r in sorted(chosen, key=lambda r: full_name_of(r).lower())]

    return answer(request, ordered, everything.get, lambda r: trim_element(render_one(r, body), include), missing)


def _list_filter(record: Fields, body: Fields, active: str, zone: ZoneInfo) -> bool:
    if active == "ActiveOnly" and not record.get("IsActive", True):
        return False
    if active == "InactiveOnly" and record.get("IsActive", True):
        return False
    if not in_range(record["TimeModified"], body, zone, "FromModifiedDate", "ToModifiedDate"):
        return False
    if body.get("NameFilter") and not name_matches(full_name_of(record), body["NameFilter"]):
        return False
    name_range = body.get("NameRangeFilter")
    if name_range:
        name = full_name_of(record).lower()
        if name_range.get("FromName") and name < name_range["FromName"].lower():
            return False
        if name_range.get("ToName") and name > name_range["ToName"].lower():
            return False
    return True


def txn_query(request: Request, kind: str, render_one: Renderer) -> Reply:
    """InvoiceQuery, ReceivePaymentQuery: by TxnID/RefNumber, or filtered, in creation order."""
    body, company = request.body, request.company
    include = many(body, "IncludeRetElement")
    everything = company.txn_of(kind)
    missing: list[str] = []
    if body.get("TxnID") or body.get("RefNumber") or body.get("RefNumberCaseSensitive"):
        found: list[str] = []
        for txn_id in many(body, "TxnID"):
            (found.append(txn_id) if txn_id in everything else missing.append(txn_id))
        for ref, exact in [(r, False) for r in many(body, "RefNumber")] + [
            (r, True) for r in many(body, "RefNumberCaseSensitive")
        ]:
            hits = [t["TxnID"] for t in everything.values() if _same_ref(t.get("RefNumber"), ref, exact)]
            found.extend(hits) if hits else missing.append(ref)

        def ordered() -> list[str]:
            return found
    else:

        def ordered() -> list[str]:
            return [t["TxnID"] for t in everything.values() if _txn_filter(company, t, body)]

    return answer(request, ordered, everything.get, lambda t: trim_element(render_one(t, body), include), missing)


def _same_ref(have: str | None, wanted: str, exact: bool) -> bool:
    if have is None:
        return False
    return have == wanted if exact else have.lower() == wanted.lower()


def _txn_filter(company: Company, txn: Fields, body: Fields) -> bool:
    zone = company.zone
    modified = body.get("ModifiedDateRangeFilter")
    if modified and not in_range(txn["TimeModified"], modified, zone, "FromModifiedDate", "ToModifiedDate"):
        return False
    dates = body.get("TxnDateRangeFilter")
    if dates and dates.get("FromTxnDate") and txn["TxnDate"] < dates["FromTxnDate"]:
        return False
    if dates and dates.get("ToTxnDate") and txn["TxnDate"] > dates["ToTxnDate"]:
        return False
    entity = body.get("EntityFilter")
    if entity:
        customer = txn["CustomerRef"]
        if entity.get("ListID") and customer["ListID"] not in many(entity, "ListID"):
            return False
        if entity.get("FullName") and customer["FullName"].lower() not in [n.lower() for n in many(entity, "FullName")]:
            return False
    ref_filter = body.get("RefNumberFilter")
    if ref_filter and not name_matches(txn.get("RefNumber", ""), {**ref_filter, "Name": ref_filter["RefNumber"]}):
        return False
    paid = body.get("PaidStatus", "All")
    return not (paid == "PaidOnly" and not txn.get("IsPaid")) and not (paid == "NotPaidOnly" and txn.get("IsPaid"))


def deleted_query(request: Request, entries: list[Fields], type_field: str, ret_name: str) -> Reply:
    """ListDeletedQuery / TxnDeletedQuery: what was deleted, of the asked types, in the date range."""
    body, zone = request.body, request.company.zone
    kinds = set(many(body, type_field))
    bounds = body.get("DeletedDateRangeFilter", {})
    include = many(body, "IncludeRetElement")
    rows = [
        entry
        for entry in entries
        if entry[type_field] in kinds
        and in_range(entry["TimeDeleted"], bounds, zone, "FromDeletedDate", "ToDeletedDate")
    ]
    reply = Reply(rets=[render(ret_name, trimmed(entry, include)) for entry in rows])
    if not rows:
        reply.status = statuses.no_match()
    return reply
