"""`GET /connections/quickbooks_desktop/qwc` and `POST .../password` through the tenant API."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from lxml import etree

from fieldbooks.providers.quickbooks_desktop.qwc import OWNER_ID
from local.simulators.quickbooks_desktop.qwc import parse_qwc
from tests.conftest import console_token
from tests.integration.quickbooks_desktop.conftest import PASSWORD, QBD, Office


def test_each_tenant_gets_its_own_user_name_and_file_id_and_one_owner_id(office_for: Callable[[], Office]) -> None:
    one, two = office_for(), office_for()
    first, second = parse_qwc(one.qwc), parse_qwc(two.qwc)

    assert first.app_url == f"{one.api}/qbwc"
    assert (first.user_name, second.user_name) == (f"fieldbooks.{one.tenant_id}", f"fieldbooks.{two.tenant_id}")
    assert first.file_id != second.file_id
    assert first.owner_id == second.owner_id == OWNER_ID
    assert (first.qb_type, first.run_every_minutes) == ("QBFS", 15)  # the default pull interval
    assert parse_qwc(one.tenant_api("GET", f"/connections/{QBD.value}/qwc").text).file_id == first.file_id


def test_the_schedule_follows_the_pull_interval_setting(office: Office) -> None:
    settings = office.tenant_api("GET", f"/connections/{QBD.value}/settings").json()
    settings["pull_interval_minutes"] = 120
    assert office.tenant_api("PUT", f"/connections/{QBD.value}/settings", json=settings).status_code == 200

    assert parse_qwc(office.tenant_api("GET", f"/connections/{QBD.value}/qwc").text).run_every_minutes == 120


def test_the_password_is_kept_only_as_a_slow_hash(office: Office) -> None:
    stored = office.services.agent_sessions.credentials(office.tenant_id, QBD)

    assert stored is not None and stored.password_hash is not None
    assert stored.password_hash.startswith("scrypt$16384$8$1$")
    assert PASSWORD not in stored.password_hash


def test_a_member_cannot_set_the_password_or_download_the_file_and_a_short_password_is_a_400(office: Office) -> None:
    member = {"authorization": f"Bearer {console_token(office.tenant_id, role='member')}"}
    for method, path in (("GET", "qwc"), ("POST", "password")):
        reply = httpx.request(
            method, f"{office.api}/connections/{QBD.value}/{path}", headers=member, json={"password": "x" * 12}
        )
        assert reply.status_code == 403, reply.text
    short = office.tenant_api("POST", f"/connections/{QBD.value}/password", json={"password": "short"})
    assert short.status_code == 400 and "10 to 128 characters" in short.json()["message"]


def test_a_provider_without_an_agent_has_no_such_file(office: Office) -> None:
    reply = office.tenant_api("GET", "/connections/quickbooks_online/qwc")

    assert reply.status_code == 404
    assert reply.json() == {"message": "There is no agent endpoint here."}


def test_the_file_is_xml_the_web_connector_accepts(office: Office) -> None:
    root = etree.fromstring(office.qwc.encode())
    assert root.tag == "QBWCXML"
    assert root.findtext("Scheduler/RunEveryNMinutes") == "15"
