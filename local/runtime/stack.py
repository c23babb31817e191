"""The whole local runtime: embedded AWS, the template's resources, API, queue pollers, bus, schedules.

`running_stack()` is what the CLI, the demo and the tests use; everything it serves comes from the
template it is given, so the real `template.yaml` and a test's fixture template run the same way.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from local.runtime.aws import LOOPBACK, EmbeddedAws, process_environment
from local.runtime.bus import RuleTap, create_taps, tap_poller
from local.runtime.gateway import DEFAULT_STAGE, GatewayServer, api_stage, gateway_app
from local.runtime.invocation import FunctionHost, Invocation
from local.runtime.pollers import MAX_POLLERS, QueuePoller, SqsEventSource, polled_queue, scaled_seconds
from local.runtime.resources import REGION, LocalStack, create_resources, local_parameters
from local.runtime.schedules import ScheduledRule
from local.runtime.template import TEMPLATE_PATH, Resolver, Template

log = logging.getLogger("local.runtime")

# A 180-second visibility timeout becomes about two seconds: retries and DLQs are visible in a demo.
DEFAULT_VISIBILITY_SCALE = 0.01
_IDLE_COUNTERS = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


@dataclass
class RunningStack:
    """What a running local stack offers its users: where things are, and ways to wait on them."""

    template: Template
    resources: LocalStack
    aws_endpoint: str
    api_url: str  # base URL with the stage, like the template's ApiUrl output
    host: FunctionHost
    queue_pollers: dict[str, QueuePoller] = field(default_factory=dict)  # by queue logical id
    taps: list[RuleTap] = field(default_factory=list)
    tap_pollers: list[QueuePoller] = field(default_factory=list)
    schedules: list[ScheduledRule] = field(default_factory=list)

    def queue_url(self, queue_id: str) -> str:
        return self.resources.queue_url(queue_id)

    def dead_letter_queue_url(self, queue_id: str) -> str | None:
        dlq_id = self.resources.dead_letter_queue_of(queue_id)
        return self.resources.queue_url(dlq_id) if dlq_id else None

    def table_name(self, table_id: str) -> str:
        return self.resources.table_name(table_id)

    def fire_schedule(self, function_id: str) -> Invocation:
        """Fires the function's (first) schedule now, whatever its interval."""
        return next(rule for rule in self.schedules if rule.schedule.function_id == function_id).fire()

    @contextmanager
    def pollers_paused(self) -> Iterator[None]:
        """Stops every poller between receives, e.g. to enqueue a batch that must arrive as one."""
        pollers = self.all_pollers()
        for poller in pollers:  # all at once: the wait is one long poll, not one per queue
            poller.request_pause()
        for poller in pollers:
            poller.wait_paused()
        try:
            yield
        finally:
            for poller in pollers:
                poller.resume()

    def all_pollers(self) -> list[QueuePoller]:
        return [*self.queue_pollers.values(), *self.tap_pollers]

    def wait_until_idle(self, timeout: float = 10) -> None:
        """Returns once every polled queue is empty (handled or dead-lettered) and no handler runs.

        Looks twice at the invocation counters around a look at the queues, so a handler that ran
        (and perhaps queued more work) while the queues were read means "not idle yet".
        """
        sqs = boto3.client("sqs", region_name=REGION)
        urls = [poller.queue.queue_url for poller in self.all_pollers()]
        deadline = time.monotonic() + timeout
        while True:
            running_before, started_before = self.host.activity()
            pending = {}
            for url in urls:
                attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(_IDLE_COUNTERS))
                count = sum(int(attributes["Attributes"][name]) for name in _IDLE_COUNTERS)
                if count:
                    pending[url.rsplit("/", 1)[1]] = count
            running_after, started_after = self.host.activity()
            if not pending and running_before == running_after == 0 and started_before == started_after:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"Still busy after {timeout} s: messages {pending}, {running_after} running")
            time.sleep(0.05)


@contextmanager
def running_stack(
    template_path: Path = TEMPLATE_PATH,
    *,
    stage: str = "local",
    api_port: int = 0,
    moto_port: int = 0,
    saas_url: str | None = None,
    quickbooks_url: str | None = None,
    visibility_scale: float = DEFAULT_VISIBILITY_SCALE,
    schedule_scale: float | None = 1.0,
    xero_url: str | None = None,
) -> Iterator[RunningStack]:
    """Starts everything on 127.0.0.1 (port 0: a free port) and stops it all on exit.

    The process environment points at the embedded AWS and holds the functions' variables while the
    stack runs, and is restored after. One stack per process at a time: moto's state and the
    environment are process-wide.
    """
    template = Template(template_path)
    with ExitStack() as cleanup:
        aws = EmbeddedAws(moto_port)
        endpoint = aws.start()
        cleanup.callback(aws.stop)
        cleanup.enter_context(process_environment(aws.environment()))

        # The API's own URL is a parameter (OAuth redirect URIs are built from it), so the port is
        # chosen before anything is created; StageName refers only to parameters.
        api_port = api_port or free_port()
        defaults = template.parameter_defaults()
        api_stage_name = api_stage(template, Resolver(defaults | {"Stage": stage}, {}).resolve)
        api_url = local_api_url(template, stage, api_port)
        parameters = local_parameters(
            template,
            stage,
            saas_url or defaults.get("SaasApiBaseUrl", "http://127.0.0.1:9"),
            quickbooks_base_url=quickbooks_url or defaults.get("QuickBooksApiBaseUrl", "http://127.0.0.1:9"),
            public_api_base_url=api_url,
            # The OAuth pop-up comes back to the Integrations page this stack serves (functions/console_page).
            console_return_url=f"{api_url}/console",
            xero_base_url=xero_url or "http://127.0.0.1:9",
        )
        resources = create_resources(template, parameters, boto3.Session(region_name=REGION))
        cleanup.enter_context(process_environment(resources.all_environments()))
        host = FunctionHost(resources)
        host.warm_up()

        gateway = GatewayServer(gateway_app(template, host, api_stage_name), api_port)
        running = RunningStack(template, resources, endpoint, api_url, host)

        for source in template.queue_sources():
            queue = polled_queue(resources.queue_url(source.queue_id), source.batch_size)
            retry_delay = scaled_seconds(queue.visibility_timeout, visibility_scale)
            deliver = SqsEventSource(source, queue, host).deliver
            concurrency = min(host.concurrency(source.function_id), source.maximum_concurrency or MAX_POLLERS)
            running.queue_pollers[source.queue_id] = QueuePoller(
                queue, deliver, retry_delay, f"sqs-{source.queue_id}", aws.visibility, visibility_scale, concurrency
            )
        running.taps = create_taps(resources)
        running.tap_pollers = [tap_poller(tap, host, visibility_scale) for tap in running.taps]
        running.schedules = [
            ScheduledRule(schedule, index, host, schedule_scale) for index, schedule in enumerate(template.schedules())
        ]

        cleanup.callback(_stop_workers, running)
        for poller in running.all_pollers():
            poller.start()
        for rule in running.schedules:
            rule.start()
        gateway.start()
        cleanup.callback(gateway.stop)
        yield running


def _stop_workers(running: RunningStack) -> None:
    """Signals every thread first, then joins them: the stop costs one long-poll wait, not one each."""
    workers: list[QueuePoller | ScheduledRule] = [*running.all_pollers(), *running.schedules]
    for worker in workers:
        worker.stop()
    for worker in workers:
        worker.join(timeout=30)
    if stuck := [worker for worker in workers if worker.alive]:
        log.error("Threads still running after stop: %s", stuck)


def local_api_url(template: Template, stage: str, port: int) -> str:
    """Where the local gateway serves the API: its stage is a path prefix unless it is `$default`."""
    name = api_stage(template, Resolver(template.parameter_defaults() | {"Stage": stage}, {}).resolve)
    prefix = "" if name == DEFAULT_STAGE else f"/{name}"
    return f"http://{LOOPBACK}:{port}{prefix}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def runtime_threads() -> list[str]:
    """Names of the runtime's own threads that are alive; empty once a stack has stopped."""
    prefixes = ("sqs-", "bus-", "schedule-", "gateway")
    return [thread.name for thread in threading.enumerate() if thread.name.startswith(prefixes)]
