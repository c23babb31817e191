"""The start-up banner: what runs where, so a developer can reach any part of the local stack."""

from __future__ import annotations

import json

from local.runtime.stack import RunningStack


def describe(running: RunningStack) -> str:
    lines = [
        f"Local stack from {running.template.path}",
        f"  AWS (moto server)  {running.aws_endpoint}   (AWS_ENDPOINT_URL={running.aws_endpoint})",
        f"  HTTP API           {running.api_url}",
    ]
    lines += [
        f"    {route.method:<7} {running.api_url}{route.path}  -> {route.function_id}"
        for route in running.template.http_routes()
    ]
    lines.append("  Queues")
    for queue_id, poller in running.queue_pollers.items():
        source = next(s for s in running.template.queue_sources() if s.queue_id == queue_id)
        partial = ", partial batch failures" if source.reports_batch_item_failures else ""
        lines.append(f"    {poller.queue.queue_url}  -> {source.function_id} (batch {source.batch_size}{partial})")
        if dlq := running.dead_letter_queue_url(queue_id):
            lines.append(f"      dead letters: {dlq}")
    lines.append("  Bus rules")
    for tap in running.taps:
        lines.append(f"    {tap.bus_name} {json.dumps(tap.rule.pattern)}  -> {tap.rule.function_id}")
        lines.append(f"      failed three times: {tap.dead_letter_queue_url}")
    lines.append("  Schedules")
    for rule in running.schedules:
        every = "on demand only" if rule.interval_seconds is None else f"every {rule.interval_seconds:g} s"
        lines.append(f"    {rule.schedule.expression} ({every})  -> {rule.schedule.function_id}")
    lines.append("  Tables")
    lines += [f"    {running.table_name(table_id)}" for table_id in running.template.of_type("AWS::DynamoDB::Table")]
    return "\n".join(lines)
