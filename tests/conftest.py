"""Fixtures shared by every suite.

The process environment is set once, here, before anything imports a handler or a store: Lambda
gives a function its environment before its code loads, and the PynamoDB models read their table
names at import. Values come from template.yaml through the local runtime's own code.
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest
from moto import mock_aws

os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    POWERTOOLS_METRICS_DISABLED="true",
)
os.environ.pop("AWS_ENDPOINT_URL", None)

from local.runtime.handlers import Handler, LambdaContext, load_handler  # noqa: E402
from local.runtime.resources import DEV_TENANT_JWT_SECRET, LocalStack, create_resources, local_parameters  # noqa: E402
from local.runtime.template import Template  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
TEMPLATE = Template()
PARAMETERS = local_parameters(TEMPLATE, stage="test", saas_api_base_url="http://127.0.0.1:9")


def _environment() -> dict[str, str]:
    with mock_aws():
        return create_resources(TEMPLATE, PARAMETERS, boto3.Session()).all_environments()


os.environ.update(_environment())


@pytest.fixture
def aws() -> Iterator[LocalStack]:
    """A fresh embedded AWS with exactly what template.yaml declares."""
    with mock_aws():
        yield create_resources(TEMPLATE, PARAMETERS, boto3.Session())


@pytest.fixture
def handler() -> Callable[[str], Handler]:
    return lambda function_id: load_handler(TEMPLATE.function(function_id))


@pytest.fixture
def context() -> LambdaContext:
    return LambdaContext("fieldbooks-test")


@pytest.fixture
def load_event() -> Callable[..., dict[str, Any]]:
    """A sample event from events/ (the same files `sam local invoke -e` takes), with overrides."""

    def load(relative: str, **overrides: Any) -> dict[str, Any]:
        event = json.loads((EVENTS / relative).read_text())
        for dotted, value in overrides.items():
            target = event
            *parents, leaf = dotted.split("__")
            for key in parents:
                target = target[key]
            target[leaf] = value
        return copy.deepcopy(event)

    return load


def console_token(
    tenant_id: str, role: str = "admin", user_id: str = "u-1", secret: str = DEV_TENANT_JWT_SECRET, **claims: Any
) -> str:
    """A console token as the SaaS signs it; `claims` override or add to the standard ones."""
    now = int(time.time())
    payload = {"iss": "fsm-saas", "aud": "fieldbooks", "sub": user_id, "tid": tenant_id, "role": role}
    payload |= {"iat": now, "exp": now + 600} | claims
    return jwt.encode(payload, secret, algorithm="HS256")
