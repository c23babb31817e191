"""The acting user: set per request or job, read where traces are written; settings changes in words."""

from fieldbooks.connections.settings_changes import describe_changes
from fieldbooks.domain.actors import Actor, acting_as, current_actor
from fieldbooks.domain.models import ConflictPolicy, ConnectionSettings, EntityDirection, Provider, RunKind
from fieldbooks.domain.schedule import MaintenanceWindow
from fieldbooks.queues.pull_jobs import PullJob
from fieldbooks.store.runs import unattended_actor


def test_a_pull_job_queued_inside_a_request_names_its_user_and_one_queued_outside_names_nobody() -> None:
    with acting_as(Actor.user("alice")):
        inside = PullJob(tenant_id="t", provider=Provider.XERO, run_id="r")
        with acting_as(Actor.user("bob")):
            nested = PullJob(tenant_id="t", provider=Provider.XERO, run_id="r")
        after = PullJob(tenant_id="t", provider=Provider.XERO, run_id="r")
    outside = PullJob(tenant_id="t", provider=Provider.XERO, run_id="r")

    assert [j.acted_by.id if j.acted_by else None for j in (inside, nested, after, outside)] == [
        "alice",
        "bob",
        "alice",
        None,
    ]
    assert PullJob.model_validate_json(inside.model_dump_json()).acted_by == Actor.user("alice")
    assert current_actor() is None


def test_runs_nobody_clicked_for_are_by_the_schedule_or_the_accounting_systems_webhook() -> None:
    assert unattended_actor(RunKind.SCHEDULED, Provider.XERO).name == "Fieldbooks (scheduled sync)"
    assert unattended_actor(RunKind.WEBHOOK, Provider.XERO).name == "Fieldbooks (Xero webhook)"
    assert unattended_actor(RunKind.SYNC_NOW, Provider.XERO) is None  # a person's: never guessed


def test_a_settings_change_is_described_setting_by_setting() -> None:
    before = ConnectionSettings()
    after = ConnectionSettings(
        approve_plan=True,
        conflict_policy=ConflictPolicy.SAAS_WINS,
        directions={**before.directions, "property": EntityDirection.OFF},
        default_tax_code_id="TAX",
        maintenance_window=MaintenanceWindow(start="01:00", end="05:00"),
        time_zone="America/New_York",
    )

    assert describe_changes(before, after) == [
        "directions for job sites: to accounting → off",
        "approve plan: off → on",
        "default tax code id: none → TAX",
        "conflict policy: most recent → saas wins",
        "maintenance window: none → start 01:00, end 05:00",
        f"time zone: {before.time_zone} → America/New_York",
    ]
    assert describe_changes(after, after) == []
