"""`GET` on a collection: IDs, Statuses, where, order, If-Modified-Since and paging (providers.md 2.4).

`If-Modified-Since` is accurate to the second: a record changed at 10:00:00.700 is returned for
10:00:00, so a poll that restarts from the last second it saw never loses a same-second change.
Paged endpoints give 100 per page with the `pagination` block when `page` is sent.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from starlette.datastructures import QueryParams

from local.simulators.xero.errors import QueryFailed
from local.simulators.xero.resources import Resource, view_of
from local.simulators.xero.store import Organisation
from local.simulators.xero.where import compile_where

PAGE_SIZE = 100
# A pageSize above 1000 is refused (the maximum is unconfirmed, providers.md 2.4).
MAX_PAGE_SIZE = 1000
HIDDEN_UNLESS_ASKED = {"Contacts": ("ContactStatus", "ARCHIVED")}
# `searchTerm` on Contacts: case-insensitive, across these fields (the spec's parameter description).
SEARCHED_FIELDS = {"Contacts": ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress")}


def list_records(
    resource: Resource, organisation: Organisation, params: QueryParams, modified_since: datetime | None
) -> tuple[list[dict[str, Any]], dict[str, int] | None]:
    """Filters that read stored fields run first; only `where` and `order` need the rendered view,
    and only the page that goes out is rendered."""
    records = sorted(organisation.all(resource.entity), key=lambda record: (record.created_at, record.id))
    if modified_since is not None:
        floor = modified_since.replace(microsecond=0)
        records = [r for r in records if r.updated_at.replace(microsecond=0) >= floor]
    hidden = HIDDEN_UNLESS_ASKED.get(resource.entity)
    if hidden and params.get("includeArchived", "").lower() != "true":
        records = [r for r in records if r.body.get(hidden[0]) != hidden[1]]
    term = params.get("searchTerm", "").casefold()
    if term and resource.entity in SEARCHED_FIELDS:
        fields = SEARCHED_FIELDS[resource.entity]
        records = [r for r in records if any(term in str(r.body.get(f) or "").casefold() for f in fields)]
    ids = {value.lower() for value in _csv(params.get("IDs"))}
    if ids:
        records = [r for r in records if r.id.lower() in ids]
    statuses = _csv(params.get("Statuses"))
    if statuses and resource.status_field:
        records = [r for r in records if r.body.get(resource.status_field) in statuses]
    for parameter, field_path in resource.list_filters:
        wanted = {value.lower() for value in _csv(params.get(parameter))}
        if wanted:
            records = [r for r in records if str(_dig(r.body, field_path)).lower() in wanted]
    if params.get("where") or params.get("order"):
        views = [(record, view_of(resource, organisation, record)) for record in records]
        if params.get("where"):
            predicate = compile_where(params["where"])
            views = [(r, v) for r, v in views if predicate(v)]
        records = [record for record, _ in _ordered(views, params.get("order"))]
    if not resource.paged or "page" not in params:
        return [resource.render(organisation, record) for record in records], None
    page, size = _page_numbers(params)
    pagination = {
        "page": page,
        "pageSize": size,
        "pageCount": max(1, math.ceil(len(records) / size)),
        "itemCount": len(records),
    }
    return [resource.render(organisation, r) for r in records[(page - 1) * size : page * size]], pagination


def _ordered(views: list[tuple[Any, dict[str, Any]]], order: str | None) -> list[tuple[Any, dict[str, Any]]]:
    """`order=Name ASC,UpdatedDateUTC DESC`, later keys breaking ties; without it, oldest first."""
    for clause in reversed([part.strip() for part in (order or "").split(",") if part.strip()]):
        field_name, _, direction = clause.partition(" ")
        direction = direction.strip().upper() or "ASC"
        if direction not in {"ASC", "DESC"} or not field_name.replace(".", "").isalnum():
            raise QueryFailed(f"Cannot order by '{clause}'")
        views.sort(key=lambda pair, f=field_name: _sort_key(_dig(pair[1], f)), reverse=direction == "DESC")
    return views


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, str):
        return (1, value.casefold())
    return (1, value)


def _page_numbers(params: QueryParams) -> tuple[int, int]:
    try:
        page = max(1, int(params.get("page", "1")))
        size = int(params.get("pageSize", str(PAGE_SIZE)))
    except ValueError as error:
        raise QueryFailed("page and pageSize must be whole numbers") from error
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise QueryFailed(f"pageSize must be between 1 and {MAX_PAGE_SIZE}")
    return page, size


def _dig(view: dict[str, Any], path: str) -> Any:
    value: Any = view
    for segment in path.split("."):
        value = value.get(segment) if isinstance(value, dict) else None
    return value


def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]
