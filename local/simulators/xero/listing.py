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
    views = [(record, view_of(resource, organisation, record)) for record in organisation.all(resource.entity)]
    if modified_since is not None:
        floor = modified_since.replace(microsecond=0)
        views = [(r, v) for r, v in views if r.updated_at.replace(microsecond=0) >= floor]
    hidden = HIDDEN_UNLESS_ASKED.get(resource.entity)
    if hidden and params.get("includeArchived", "").lower() != "true":
        views = [(r, v) for r, v in views if v.get(hidden[0]) != hidden[1]]
    term = params.get("searchTerm", "").casefold()
    if term and resource.entity in SEARCHED_FIELDS:
        fields = SEARCHED_FIELDS[resource.entity]
        views = [(r, v) for r, v in views if any(term in str(v.get(f) or "").casefold() for f in fields)]
    ids = _csv(params.get("IDs"))
    if ids:
        views = [(r, v) for r, v in views if r.id.lower() in {i.lower() for i in ids}]
    statuses = _csv(params.get("Statuses"))
    if statuses and resource.status_field:
        views = [(r, v) for r, v in views if v.get(resource.status_field) in statuses]
    for parameter, field_path in resource.list_filters:
        wanted = {value.lower() for value in _csv(params.get(parameter))}
        if wanted:
            views = [(r, v) for r, v in views if str(_dig(v, field_path)).lower() in wanted]
    if params.get("where"):
        predicate = compile_where(params["where"])
        views = [(r, v) for r, v in views if predicate(v)]
    views = _ordered(views, params.get("order"), resource)
    rendered = [resource.render(organisation, record) for record, _ in views]
    if not resource.paged or "page" not in params:
        return rendered, None
    page, size = _page_numbers(params)
    pagination = {
        "page": page,
        "pageSize": size,
        "pageCount": max(1, math.ceil(len(rendered) / size)),
        "itemCount": len(rendered),
    }
    return rendered[(page - 1) * size : page * size], pagination


def _ordered(views: list[tuple[Any, dict[str, Any]]], order: str | None, resource: Resource) -> list[Any]:
    """`order=Name ASC,UpdatedDateUTC DESC`; without it, oldest first as Xero lists."""
    views = sorted(views, key=lambda pair: (pair[0].created_at, pair[0].id))
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
