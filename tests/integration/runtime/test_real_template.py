"""The real `template.yaml` runs on the local stack: every route reaches its real handler."""

from __future__ import annotations

import re

import httpx

from local.runtime.stack import running_stack


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x-1", path)


def test_every_route_of_the_real_template_is_served_by_its_real_handler() -> None:
    with running_stack(schedule_scale=None) as stack:
        for route in stack.template.http_routes():
            _, started_before = stack.host.activity()
            httpx.request(route.method, stack.api_url + concrete(route.path))
            _, started_after = stack.host.activity()
            assert started_after == started_before + 1, f"{route.route_key} did not reach its handler"
