"""Property-based tests of the pull's three-way merge (`sync/merge.reconcile`): whatever the bodies,
the merge is deterministic, a change made on one side only always survives, and applying the
result to both sides leaves them equal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fieldbooks.domain.models import ConflictPolicy
from fieldbooks.sync.merge import canonical, reconcile

KEYS = ("DisplayName", "Notes", "PrimaryPhone", "BillAddr")
values = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]), st.dictionaries(st.just("Line1"), st.text(max_size=2)))
bodies = st.fixed_dictionaries({}, optional={key: values for key in KEYS})
policies = st.sampled_from(list(ConflictPolicy))
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC))


def same(value: Any, _like: Any) -> Any:
    return value


def applied(body: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = {key: canonical(value) for key, value in body.items()}
    merged.update(changes)
    return {key: value for key, value in merged.items() if value is not None}


@given(bodies, bodies, bodies, policies, moments, moments)
def test_the_merge_is_deterministic(base, ours, theirs, policy, ours_at, theirs_at) -> None:  # noqa: ANN001
    first = reconcile(canonical(base), ours, theirs, policy, ours_at, theirs_at, same, KEYS)
    second = reconcile(canonical(base), dict(ours), dict(theirs), policy, ours_at, theirs_at, same, KEYS)
    assert first == second


@given(bodies, bodies, st.sampled_from(KEYS), values, policies, moments, moments)
def test_a_change_made_on_one_side_only_always_survives(base, other, key, value, policy, ours_at, theirs_at) -> None:  # noqa: ANN001
    """The accounting side changed `key`; the SaaS changed other fields, never `key`. And the reverse."""
    theirs = {**base, **{k: v for k, v in other.items() if k != key}, key: value}
    ours = {**base, **{k: v for k, v in other.items() if k != key}}
    from_accounting = reconcile(canonical(base), ours, theirs, policy, ours_at, theirs_at, same, KEYS)
    from_saas = reconcile(canonical(base), theirs, ours, policy, ours_at, theirs_at, same, KEYS)
    assert from_accounting.result.get(key) == canonical(value)
    assert from_saas.result.get(key) == canonical(value)
    assert key not in from_accounting.both_changed


@given(bodies, bodies, bodies, policies, moments, moments)
def test_applying_the_result_to_both_sides_leaves_them_equal(base, ours, theirs, policy, ours_at, theirs_at) -> None:  # noqa: ANN001
    merged = reconcile(canonical(base), ours, theirs, policy, ours_at, theirs_at, same, KEYS)
    keys = set(KEYS)
    saas_after = applied({k: v for k, v in ours.items() if k in keys}, merged.to_saas)
    accounting_after = applied({k: v for k, v in theirs.items() if k in keys}, merged.to_accounting)
    assert saas_after == accounting_after == merged.result


@given(bodies, policies)
def test_a_field_both_sides_changed_follows_the_policy_and_records_both_values(base, policy) -> None:  # noqa: ANN001
    ours, theirs = {**base, "Notes": "ours"}, {**base, "Notes": "theirs"}
    earlier, later = datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC) + timedelta(minutes=1)
    merged = reconcile(canonical({**base, "Notes": "base"}), ours, theirs, policy, earlier, later, same)
    kept = {ConflictPolicy.SAAS_WINS: "ours", ConflictPolicy.ACCOUNTING_WINS: "theirs"}.get(policy, "theirs")
    assert merged.result["Notes"] == kept
    assert merged.both_changed["Notes"] == {
        "saas": "ours",
        "accounting": "theirs",
        "kept": "saas" if kept == "ours" else "accounting",
    }
