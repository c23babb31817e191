"""Pairing SaaS records with accounting records that already exist, before anything is created.

Pure functions: the records of both sides come in, pairs (or the reason there is none) come out.
A remote record is claimed by at most one SaaS record, so two SaaS contacts can never be linked to
one accounting customer; the second one is left unmatched and the plan decides what that means.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from fieldbooks.domain.records import Contact
from fieldbooks.providers.contract import RemoteRecord

MatchedBy = Literal["email", "name", "doc_number"]

_PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Matched:
    remote: RemoteRecord
    by: MatchedBy


@dataclass(frozen=True)
class Ambiguous:
    """More than one accounting record fits equally well: linking either could be wrong, so a person decides."""

    candidates: tuple[RemoteRecord, ...]
    by: MatchedBy


Outcome = Matched | Ambiguous


def normalised_email(value: str | None) -> str | None:
    """Email matching is trimmed and case-insensitive: 'Jane@Example.com ' is jane@example.com."""
    if not value or not value.strip():
        return None
    return value.strip().casefold()


def normalised_name(value: str | None) -> str:
    """'  ACME  Plumbing, Inc. ' and 'Acme Plumbing Inc' are one name: accents, case, punctuation, spacing."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value)
    unaccented = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", unaccented.casefold())).strip()


def normalised_doc_number(value: str | None) -> str | None:
    """Document numbers match exactly apart from surrounding spaces and letter case ('inv-7' is INV-7)."""
    if not value or not value.strip():
        return None
    return value.strip().casefold()


RemoteKey = Callable[[RemoteRecord], str | Iterable[str] | None]


def _index(remotes: Iterable[RemoteRecord], key: RemoteKey) -> dict[str, list[RemoteRecord]]:
    """Key → records; a record may answer to several keys (a job by its full and its short name)."""
    index: dict[str, dict[tuple[str, str], RemoteRecord]] = defaultdict(dict)
    for remote in remotes:
        values = key(remote)
        for value in [values] if isinstance(values, str) else values or ():
            if value:
                index[value][remote.key] = remote
    return {value: list(records.values()) for value, records in index.items()}


def match_by_key(
    saas_keys: Sequence[tuple[str, str | None]],
    remotes: Iterable[RemoteRecord],
    remote_key: RemoteKey,
    by: MatchedBy,
    claimed: set[tuple[str, str]],
) -> dict[str, Outcome]:
    """One pass: each (saas id, key) in order takes the single unclaimed remote record with that key.

    `claimed` holds (remote entity, remote id) pairs already taken (linked earlier, or matched by a stronger key); it is
    updated in place so the next pass cannot hand the same remote record out twice.
    """
    index = _index(remotes, remote_key)
    outcomes: dict[str, Outcome] = {}
    for saas_id, key in saas_keys:
        if not key:
            continue
        candidates = tuple(r for r in index.get(key, []) if r.key not in claimed)
        if len(candidates) == 1:
            claimed.add(candidates[0].key)
            outcomes[saas_id] = Matched(candidates[0], by)
        elif len(candidates) > 1:
            outcomes[saas_id] = Ambiguous(candidates, by)
    return outcomes


def match_contacts(
    contacts: Sequence[Contact], customers: Iterable[RemoteRecord], claimed: set[tuple[str, str]]
) -> dict[str, Outcome]:
    """Email first, then normalised display name; records under a customer (jobs) are never a contact's twin.

    Two customers sharing one email are told apart by name before the match is called ambiguous,
    since households and small firms often share an address.
    """
    top_level = [c for c in customers if c.parent_id is None]
    by_email = _index(top_level, lambda r: normalised_email(r.email))
    outcomes: dict[str, Outcome] = {}
    for contact in contacts:
        email = normalised_email(contact.email)
        if email is None:
            continue
        candidates = [r for r in by_email.get(email, []) if r.key not in claimed]
        if len(candidates) > 1:
            named = [r for r in candidates if normalised_name(r.name) == normalised_name(contact.display_name)]
            candidates = named or candidates
        if len(candidates) == 1:
            claimed.add(candidates[0].key)
            outcomes[contact.id] = Matched(candidates[0], "email")
        elif candidates:
            outcomes[contact.id] = Ambiguous(tuple(candidates), "email")
    rest = [(c.id, normalised_name(c.display_name)) for c in contacts if c.id not in outcomes]
    outcomes |= match_by_key(rest, top_level, lambda r: normalised_name(r.name), "name", claimed)
    return outcomes
