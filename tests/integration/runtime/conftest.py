"""A running local stack over the fixture template, shared by the tests of a module.

One stack per module keeps the folder fast; tests stay independent by tagging what they send with a
fresh id and reading back only their own records.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.runtime.stack import RunningStack, running_stack

FIXTURE_TEMPLATE = Path(__file__).parent / "fixtures" / "template.yaml"


@pytest.fixture(scope="module")
def stack() -> Iterator[RunningStack]:
    # Failed messages come back at once and schedules fire only when a test asks: no waiting.
    with running_stack(FIXTURE_TEMPLATE, visibility_scale=0, schedule_scale=None) as running:
        yield running


@pytest.fixture
def tag() -> str:
    return uuid.uuid4().hex[:8]


def recorded(stack: RunningStack, function_id: str) -> list[Any]:
    """What a fixture handler wrote down, in call order."""
    dynamodb = boto3.client("dynamodb")
    pages = dynamodb.get_paginator("query").paginate(
        TableName=stack.table_name("InvocationsTable"),
        KeyConditionExpression="function_id = :f",
        ExpressionAttributeValues={":f": {"S": function_id}},
    )
    return [json.loads(item["payload"]["S"]) for page in pages for item in page["Items"]]
