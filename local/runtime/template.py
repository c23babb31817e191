"""Reads `template.yaml`, the one list of functions, routes, queues, tables and schedules.

The local runtime and the test fixtures learn everything from here, so a route or queue added to the
template exists locally without a second list to keep in step. cfn-lint's decoder parses the SAM
short-form tags (`!Ref`, `!Sub`, ...) into their long form for us.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str  # API Gateway syntax: /runs/{run_id}
    function_id: str

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class QueueSource:
    queue_id: str
    function_id: str
    batch_size: int
    reports_batch_item_failures: bool
    maximum_concurrency: int | None = None  # ScalingConfig: batches in flight at once, None: the function's limit


@dataclass(frozen=True)
class Schedule:
    function_id: str
    expression: str  # rate(5 minutes)

    @property
    def interval_seconds(self) -> float:
        match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", self.expression)
        if not match:
            raise ValueError(f"Only rate() schedules run locally, not {self.expression!r}")
        amount, unit = int(match[1]), match[2].rstrip("s")
        return amount * {"minute": 60, "hour": 3600, "day": 86400}[unit]


@dataclass(frozen=True)
class BusRule:
    function_id: str
    event_bus_name: Any  # an intrinsic, resolved against the parameters
    pattern: dict[str, Any]


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_uri: Path
    handler: str  # module.attribute, relative to code_uri
    environment: dict[str, Any] = field(default_factory=dict)
    reserved_concurrency: int | None = None  # ReservedConcurrentExecutions, when the template sets it


class Template:
    """The decoded template with typed views over what the runtime needs."""

    def __init__(self, path: Path = TEMPLATE_PATH) -> None:
        decoded, matches = decode(str(path))
        if decoded is None:
            raise ValueError(f"{path} does not parse: {matches}")
        self.path = path
        self.raw: dict[str, Any] = decoded
        self.resources: dict[str, dict[str, Any]] = decoded["Resources"]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {name: res for name, res in self.resources.items() if res["Type"] == resource_type}

    def parameter_defaults(self) -> dict[str, str]:
        return {name: str(p.get("Default", "")) for name, p in self.raw.get("Parameters", {}).items()}

    def functions(self) -> list[FunctionSpec]:
        global_env = self.raw.get("Globals", {}).get("Function", {}).get("Environment", {})
        specs = []
        for name, res in self.of_type("AWS::Serverless::Function").items():
            props = res["Properties"]
            env = dict(global_env.get("Variables", {}))
            env.update(props.get("Environment", {}).get("Variables", {}))
            reserved = _int_or_none(props.get("ReservedConcurrentExecutions"))
            specs.append(FunctionSpec(name, self.path.parent / props["CodeUri"], props["Handler"], env, reserved))
        return specs

    def function(self, logical_id: str) -> FunctionSpec:
        return next(spec for spec in self.functions() if spec.logical_id == logical_id)

    def _events(self, event_type: str) -> list[tuple[str, dict[str, Any]]]:
        return [
            (name, event["Properties"])
            for name, res in self.of_type("AWS::Serverless::Function").items()
            for event in res["Properties"].get("Events", {}).values()
            if event["Type"] == event_type
        ]

    def http_routes(self) -> list[HttpRoute]:
        return [HttpRoute(p["Method"].upper(), p["Path"], fn) for fn, p in self._events("HttpApi")]

    def queue_sources(self) -> list[QueueSource]:
        return [
            QueueSource(
                queue_id=p["Queue"]["Fn::GetAtt"][0],
                function_id=fn,
                batch_size=int(p.get("BatchSize", 10)),
                reports_batch_item_failures="ReportBatchItemFailures" in p.get("FunctionResponseTypes", []),
                maximum_concurrency=_int_or_none(p.get("ScalingConfig", {}).get("MaximumConcurrency")),
            )
            for fn, p in self._events("SQS")
        ]

    def schedules(self) -> list[Schedule]:
        return [Schedule(fn, p["Schedule"]) for fn, p in self._events("Schedule")]

    def bus_rules(self) -> list[BusRule]:
        return [
            BusRule(fn, p.get("EventBusName", "default"), p["Pattern"]) for fn, p in self._events("EventBridgeRule")
        ]


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


class Resolver:
    """Resolves the few intrinsics our template uses (Ref, Sub, GetAtt) to local values.

    Written by hand because no library resolves CloudFormation intrinsics outside CloudFormation;
    the set is small and a missing case fails loudly.
    """

    def __init__(self, parameters: dict[str, str], pseudo: dict[str, str]) -> None:
        self.parameters = parameters
        self.pseudo = pseudo  # AWS::Region, AWS::AccountId, AWS::Partition, AWS::URLSuffix
        self.refs: dict[str, str] = {}
        self.attributes: dict[tuple[str, str], str] = {}

    def resolve(self, value: Any) -> Any:
        if isinstance(value, str | int | float | bool):
            return value
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            raise ValueError(f"Cannot resolve {value!r}")
        if "Ref" in value:
            return self._ref(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            resource, attribute = target if isinstance(target, list) else target.split(".", 1)
            return self.attributes[(resource, attribute)]
        if "Fn::Sub" in value:
            return re.sub(r"\$\{([^}]+)\}", lambda m: str(self._ref(m[1])), value["Fn::Sub"])
        return {k: self.resolve(v) for k, v in value.items()}

    def _ref(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.refs:
            return self.refs[name]
        raise KeyError(f"{name} is not created locally yet (or is not a known parameter)")
