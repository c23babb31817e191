"""Sparse updates and the three-way merge after a stale-version refusal, on provider bodies. Pure.

The link's snapshot is the base: the mapped body as the provider last accepted it from us. Bodies
are compared field by field without knowing what the fields mean; the provider's mapper only says
how its stored value reduces to the shape we send (`comparable`). A field we
did not change since then is never sent, so an edit a bookkeeper made in accounting survives our
update; a field both sides changed is settled by the connection's conflict policy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

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


Side = Literal["saas", "accounting"]


@dataclass
class Reconciled:
    """Both sides brought to one body: `result` is what each side ends holding.

    `to_saas` and `to_accounting` are the fields each side must change to get there; `both_changed`
    keeps, per field both sides changed since the base, both values and which one was kept.
    """

    result: dict[str, Any]
    to_saas: dict[str, Any] = field(default_factory=dict)
    to_accounting: dict[str, Any] = field(default_factory=dict)
    both_changed: dict[str, dict[str, Any]] = field(default_factory=dict)


def reconcile(
    base: dict[str, Any] | None,
    ours: dict[str, Any],
    theirs: dict[str, Any],
    policy: ConflictPolicy,
    ours_updated_at: datetime,
    theirs_updated_at: datetime | None,
    comparable: Callable[[Any, Any], Any],
    carried: Iterable[str] = (),
) -> Reconciled:
    """The three-way merge of a pull, field by field over the keys of our body, the base, and the
    provider's keys our mapping carries (`carried`: a field added in accounting is a change too).

    `ours` is the SaaS record mapped to a provider body, `theirs` the provider's record, `base` the
    link's snapshot (both canonical). A field one side changed since the base takes that side's value;
    a field both changed follows the policy; without a base, a difference counts as both-sided.
    A key absent from a body is None: a field cleared on one side is a change like any other.
    """
    reconciled = Reconciled(result={})
    keys = sorted(set(ours) | set(base or {}) | (set(carried) & set(theirs)))
    for key in keys:
        mine = canonical(ours.get(key))
        like = ours.get(key) if ours.get(key) is not None else (base or {}).get(key)
        remote = canonical(comparable(theirs.get(key), like))
        original = (base or {}).get(key)
        if mine == remote:
            value = mine
        elif base is not None and mine == original:
            value = remote  # changed in accounting only
        elif base is not None and remote == original:
            value = mine  # changed in the SaaS only
        else:
            kept: Side = "saas" if _saas_wins(policy, ours_updated_at, theirs_updated_at) else "accounting"
            value = mine if kept == "saas" else remote
            reconciled.both_changed[key] = {"saas": mine, "accounting": remote, "kept": kept}
        if value is not None:
            reconciled.result[key] = value
        if value != mine:
            reconciled.to_saas[key] = value
        if value != remote:
            reconciled.to_accounting[key] = value
    return reconciled
