"""Sparse updates and the three-way merge after a stale-version refusal, on provider bodies. Pure.

The link's snapshot is the base: the mapped body as the provider last accepted it from us. Bodies
are compared field by field without knowing what the fields mean; the provider's mapper only says
how its stored value reduces to the shape we send (`comparable`). A field we
did not change since then is never sent, so an edit a bookkeeper made in accounting survives our
update; a field both sides changed is settled by the connection's conflict policy.
"""

from __future__ import annotations

from collections.abc import Callable
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
    comparable: Callable[[Any, Any], Any],
) -> Merge:
    merge = Merge(send={})
    for key, value in changed_fields(base, ours).items():
        mine = canonical(value)
        remote = canonical(comparable(theirs.get(key), value))
        original = (base or {}).get(key)
        if remote == mine:
            continue  # both sides already agree
        if base is not None and remote != original:
            merge.both_changed[key] = {"saas": mine, "accounting": remote}
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
