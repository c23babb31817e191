"""How long each function's handler module takes to import in a fresh interpreter (its cold start).

`python -m local.bench.cold_imports [--runs 5]` imports every function of `template.yaml` the way
Lambda's Python runtime does (the handler file from its CodeUri, the core layer on the path, the
function's environment as the template gives it), once per fresh subprocess, and prints per function
the best and the median wall time of `--runs` imports, and the best CPU time, against the 300 ms
target. Only the import is timed, not the interpreter's own start-up (Lambda's runtime is up before
it imports the handler), and without `-X importtime`, whose bookkeeping slows every import down.
The verdict goes by CPU time: on a machine shared with other work, wall time also measures the
neighbours (a Lambda container has its CPU to itself), while the CPU an import burns stays put.

The environment's resource names are resolved from the template (tables, queue URLs, the KMS alias)
without creating anything: no handler may call AWS while it is imported. Figures depend on the
machine and on its load; never part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from typing import Any

from local.runtime.resources import ACCOUNT_ID, REGION, local_parameters
from local.runtime.template import ROOT, Resolver, Template

TARGET_MS = 300.0

# Runs in the fresh interpreter: imports the handler module as Lambda does and prints milliseconds.
_IMPORT_ONCE = """
import importlib.util, sys, time
layer, path, name = sys.argv[1:4]
sys.path.insert(0, layer)
began, cpu = time.perf_counter(), time.process_time()
spec = importlib.util.spec_from_file_location(name, path)
module = importlib.util.module_from_spec(spec)
sys.modules[name] = module
spec.loader.exec_module(module)
print((time.perf_counter() - began) * 1000, (time.process_time() - cpu) * 1000)
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.bench.cold_imports", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh interpreters per function (best of them counts)")
    args = parser.parse_args(argv)
    template = Template()
    resolver = placeholder_resolver(template)
    print(f"cold import of each handler module, best and median of {args.runs} fresh interpreters")
    print(f"{'function':28} {'wall ms':>8} {'median':>8} {'cpu ms':>8}  target ≤ {TARGET_MS:.0f} ms (cpu)")
    for spec in template.functions():
        environment = {key: str(resolver.resolve(value)) for key, value in spec.environment.items()}
        runs = [import_once(spec.code_uri / handler_file(spec.handler), environment) for _ in range(args.runs)]
        wall, cpu = min(run[0] for run in runs), min(run[1] for run in runs)
        median = statistics.median(run[0] for run in runs)
        verdict = "ok" if cpu <= TARGET_MS else "over"
        print(f"{spec.logical_id:28} {wall:8.0f} {median:8.0f} {cpu:8.0f}  {verdict}")


def handler_file(handler: str) -> str:
    """`app.lambda_handler` → `app.py`, as Lambda finds the module of a handler string."""
    return handler.rsplit(".", 1)[0].replace(".", "/") + ".py"


def import_once(path: os.PathLike[str] | str, environment: dict[str, str]) -> tuple[float, float]:
    """(wall ms, CPU ms) of one import in a fresh interpreter."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),  # the bench's own package is not on Lambda's path; only the layer is added
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        **environment,
    }
    command = [sys.executable, "-c", _IMPORT_ONCE, str(ROOT / "shared"), str(path), "app"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"importing {path} failed:\n{done.stderr}")
    wall, cpu = done.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def placeholder_resolver(template: Template) -> Resolver:
    """Resolves `!Ref`s to the names a deploy would give (no resources are created)."""
    parameters = local_parameters(template, "bench", "http://127.0.0.1:9")
    pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT_ID, "AWS::Partition": "aws"}
    resolver = Resolver(parameters, pseudo | {"AWS::URLSuffix": "amazonaws.com"})
    for logical_id, resource in template.resources.items():
        resolver.refs[logical_id] = _reference(resource, resolver) or logical_id
    return resolver


def _reference(resource: dict[str, Any], resolver: Resolver) -> str | None:
    properties = resource.get("Properties", {})
    if resource["Type"] == "AWS::SQS::Queue" and "QueueName" in properties:
        return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{resolver.resolve(properties['QueueName'])}"
    for name in ("TableName", "AliasName", "Name"):
        if name in properties:
            return str(resolver.resolve(properties[name]))
    return None


if __name__ == "__main__":
    main()
