"""template.yaml is the one list of functions, routes and variables: the code must agree with it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from fieldbooks.providers.quickbooks_online.package import QboSettings
from fieldbooks.settings import Settings
from local.runtime.handlers import load_handler, load_module
from tests.conftest import ROOT, TEMPLATE

# Variables Lambda sets itself (AWS Lambda developer guide, "Defined runtime environment variables")
LAMBDA_PROVIDED = {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME", "_X_AMZN_TRACE_ID"}
READS = re.compile(r"""os\.(?:environ\.get|getenv)\(\s*["']([A-Z0-9_]+)["']|os\.environ\[\s*["']([A-Z0-9_]+)["']\]""")


def test_cfn_lint_finds_nothing_in_the_template() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), str(ROOT / "template.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("spec", TEMPLATE.functions(), ids=lambda spec: spec.logical_id)
def test_every_function_handler_imports(spec) -> None:  # noqa: ANN001
    assert callable(load_handler(spec))


def test_every_environment_variable_the_code_reads_is_declared() -> None:
    sources = [*Path(ROOT, "shared").rglob("*.py"), *Path(ROOT, "functions").rglob("*.py")]
    read = {name for path in sources for match in READS.finditer(path.read_text()) for name in match.groups() if name}
    read |= {field.upper() for field in Settings.model_fields}
    read |= set(QboSettings.variables().values())  # a package reads its own section
    for spec in TEMPLATE.functions():
        undeclared = read - set(spec.environment) - LAMBDA_PROVIDED
        assert not undeclared, f"{spec.logical_id} lacks {sorted(undeclared)} in template.yaml"


@pytest.mark.parametrize("function_id", sorted({route.function_id for route in TEMPLATE.http_routes()}))
def test_the_http_routes_in_the_template_are_the_routes_each_function_serves(function_id: str) -> None:
    declared = {(route.method, route.path) for route in TEMPLATE.http_routes() if route.function_id == function_id}
    app = load_module(TEMPLATE.function(function_id)).app
    served = {
        (method.upper(), path) for path, item in app.get_openapi_schema().paths.items() for method in _methods(item)
    }
    assert served == declared


def _methods(path_item: object) -> list[str]:
    return [m for m in ("get", "put", "post", "delete", "patch") if getattr(path_item, m, None) is not None]


# checkov accepts a skip without any reason; these two hold every skip to one (issue 17).
CHECK_ID = re.compile(r"CKV2?_AWS_\d+")


@pytest.mark.parametrize(
    ("resource_id", "skip"),
    [
        (name, skip)
        for name, res in TEMPLATE.resources.items()
        for skip in res.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ],
    ids=lambda value: value if isinstance(value, str) else value.get("id"),
)
def test_every_checkov_skip_on_a_resource_names_a_check_and_says_why(resource_id: str, skip: dict) -> None:
    assert CHECK_ID.fullmatch(str(skip.get("id", ""))), f"{resource_id}: {skip!r} names no checkov check"
    assert str(skip.get("comment", "")).strip(), f"{resource_id} skips {skip['id']} without a reason"


def test_every_check_the_checkov_config_skips_has_its_reason_just_above() -> None:
    lines = (ROOT / ".checkov.yaml").read_text().splitlines()
    skipped = [(index, line.strip()[2:]) for index, line in enumerate(lines) if line.strip().startswith("- CKV")]
    for index, check in skipped:
        assert CHECK_ID.fullmatch(check), f"{check!r} is not a checkov check id"
        assert lines[index - 1].strip().startswith("#"), f".checkov.yaml skips {check} without a comment above it"
