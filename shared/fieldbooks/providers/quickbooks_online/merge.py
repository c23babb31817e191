"""Sparse updates and the three-way merge after a 5010, on QuickBooks request bodies. Pure.

The link's snapshot is the base: the mapped body as QuickBooks last accepted it from us. A field we
did not change since then is never sent, so an edit a bookkeeper made in QuickBooks survives our
update; a field both sides changed is settled by the connection's conflict policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from fieldbooks.domain.models import ConflictPolicy


def canonical(value: Any) -> Any:
    """A JSON-safe form in which equal amounts compare equal: Decimal("1.50"), 1.5 and "1.5" all agree."""
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal | float | int):
        number = Decimal(str(value)).normalize()
        return format(number, "f") if number != number.to_integral_value() else str(int(number))
    return value


def changed_fields(base: dict[str, Any] | None, ours: dict[str, Any]) -> dict[str, Any]:
    """The fields of `ours` that differ from the base; everything when there is no base yet."""
    if base is None:
        return dict(ours)
    return {key: value for key, value in ours.items() if canonical(value) != base.get(key)}


def as_we_see_it(theirs: Any, like: Any) -> Any:
    """QuickBooks' value reduced to the shape we send: it adds keys (a ref's "name", a line's "Id")
    that are not changes and must not look like one."""
    if isinstance(like, dict) and isinstance(theirs, dict):
        return {key: as_we_see_it(theirs.get(key), item) for key, item in like.items()}
    if isinstance(like, list) and isinstance(theirs, list):
        lines = [
            line for line in theirs if not (isinstance(line, dict) and line.get("DetailType") == "SubTotalLineDetail")
        ]
        if len(lines) == len(like):
            return [as_we_see_it(line, item) for line, item in zip(lines, like, strict=True)]
        return lines
    return theirs


@dataclass
class Merge:
    """What to send after the re-read, and the fields both sides changed (for the sync log)."""

    send: dict[str, Any]
    both_changed: dict[str, dict[str, Any]] = field(default_factory=dict)


def three_way(
    base: dict[str, Any] | None,
    ours: dict[str, Any],
    theirs: dict[str, Any],
    policy: ConflictPolicy,
    ours_updated_at: datetime,
    theirs_updated_at: datetime | None,
) -> Merge:
    merge = Merge(send={})
    for key, value in changed_fields(base, ours).items():
        mine = canonical(value)
        remote = canonical(as_we_see_it(theirs.get(key), value))
        original = (base or {}).get(key)
        if remote == mine:
            continue  # both sides already agree
        if base is not None and remote != original:
            merge.both_changed[key] = {"saas": mine, "quickbooks": remote}
            if not _saas_wins(policy, ours_updated_at, theirs_updated_at):
                continue
        merge.send[key] = value
    return merge


def _saas_wins(policy: ConflictPolicy, ours: datetime, theirs: datetime | None) -> bool:
    if policy is ConflictPolicy.SAAS_WINS:
        return True
    if policy is ConflictPolicy.ACCOUNTING_WINS:
        return False
    return theirs is None or ours >= theirs
