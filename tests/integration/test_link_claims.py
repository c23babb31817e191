"""One accounting record, one link: a claim row written with the link, on moto (issue 10, A.3).

The console's old check read the by-remote-id index, then wrote: two writes close together, or an id
typed one way and stored another, left one QuickBooks customer with two SaaS twins. The store now
refuses the second link itself.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fieldbooks.domain.errors import Conflict, StaleVersion
from fieldbooks.domain.models import Link, LinkState, Provider
from fieldbooks.store.links import LinkStore, RemoteClaimRow

QBO = Provider.QUICKBOOKS_ONLINE
TENANT = "t-claims"


def link(saas_id: str, remote_id: str | None, entity: str = "contact", version: int = 0, **changes: object) -> Link:
    return Link(
        tenant_id=TENANT,
        provider=QBO,
        entity=entity,
        saas_id=saas_id,
        state=LinkState.LINKED,
        remote_id=remote_id,
        remote_entity="Customer",
        updated_at=datetime.now(UTC),
        version=version,
    ).model_copy(update=changes)


def test_a_second_record_cannot_link_to_a_customer_another_record_holds(aws) -> None:  # noqa: ANN001
    links = LinkStore()
    links.save(link("con_jane", "58"))

    with pytest.raises(Conflict, match="QuickBooks Online record 58 is already linked to customer con_jane"):
        links.save(link("con_bob", "58"))

    assert links.get(TENANT, QBO, "contact", "con_bob") is None  # the link and its claim went together


def test_a_job_site_cannot_hold_the_customer_a_contact_holds(aws) -> None:  # noqa: ANN001
    links = LinkStore()
    links.save(link("con_jane", "58"))

    with pytest.raises(Conflict, match="already linked to customer con_jane"):
        links.save(link("prop_home", "58", entity="property"))


def test_the_same_id_of_another_kind_of_record_is_a_different_record(aws) -> None:  # noqa: ANN001
    links = LinkStore()
    links.save(link("con_jane", "7"))

    saved = links.save(link("itm_pipe", "7", entity="item", remote_entity="Item"))

    assert saved.remote_id == "7"


def test_a_link_saves_again_and_again_over_its_own_claim(aws) -> None:  # noqa: ANN001
    links = LinkStore()
    first = links.save(link("con_jane", "58"))

    second = links.save(first.model_copy(update={"snapshot": {"Name": "Jane"}}))

    assert (first.version, second.version, second.snapshot) == (1, 2, {"Name": "Jane"})


def test_unlinking_or_relinking_frees_the_record_for_another(aws) -> None:  # noqa: ANN001
    links = LinkStore()
    jane = links.save(link("con_jane", "58"))
    bob = links.save(link("con_bob", "61"))
    unlinked = links.save(jane.model_copy(update={"state": LinkState.UNLINKED}))
    links.save(bob.model_copy(update={"remote_id": "62"}))

    assert links.save(link("con_ann", "58")).remote_id == "58"
    assert links.save(link("con_eve", "61")).remote_id == "61"
    with pytest.raises(Conflict, match="already linked to customer con_ann"):
        links.save(unlinked.model_copy(update={"state": LinkState.LINKED}))  # she comes back too late
    claim = RemoteClaimRow.get(TENANT, "claim#quickbooks_online#Customer#58")
    assert claim.holder == "quickbooks_online#contact#con_ann"


def test_a_takeover_loses_to_the_former_holder_coming_back_meanwhile(aws, monkeypatch) -> None:  # noqa: ANN001
    """The claim is taken over only while the former holder is as read: a relink back in between wins."""
    links = LinkStore()
    jane = links.save(link("con_jane", "58"))
    unlinked = links.save(jane.model_copy(update={"state": LinkState.UNLINKED}))
    read_former_holder = LinkStore._former_holder

    def and_then_jane_comes_back(self: LinkStore, *args: object) -> object:
        former = read_former_holder(self, *args)
        monkeypatch.setattr(LinkStore, "_former_holder", read_former_holder)
        links.save(unlinked.model_copy(update={"state": LinkState.LINKED}))  # her claim is still hers
        return former

    monkeypatch.setattr(LinkStore, "_former_holder", and_then_jane_comes_back)

    with pytest.raises(Conflict, match="already linked to customer con_jane"):
        links.save(link("con_bob", "58"))

    assert links.get(TENANT, QBO, "contact", "con_bob") is None
    assert links.get(TENANT, QBO, "contact", "con_jane").state is LinkState.LINKED


def test_claims_never_show_up_among_the_links(aws) -> None:  # noqa: ANN001
    links = LinkStore()
    links.save(link("con_jane", "58"))

    assert [x.saas_id for x in links.list(TENANT, QBO)] == ["con_jane"]
    assert links.by_remote(TENANT, QBO, "contact", "58").saas_id == "con_jane"


def test_a_stale_link_is_still_a_stale_version_when_it_holds_a_record(aws) -> None:  # noqa: ANN001
    """The version condition travels in the transaction: a push that lost a race re-reads, as before."""
    links = LinkStore()
    first = links.save(link("con_jane", "58"))
    links.save(first.model_copy(update={"snapshot": {"Name": "Jane"}}))

    with pytest.raises(StaleVersion):
        links.save(first.model_copy(update={"remote_version": "9"}))  # still at version 1

    assert links.get(TENANT, QBO, "contact", "con_jane").snapshot == {"Name": "Jane"}
