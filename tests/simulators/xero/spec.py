"""Xero's OpenAPI file as a validator of simulator replies (see ../shared/specs/README.md).

The file is large (25,000 lines): it is parsed once per test process with libyaml, timestamps kept
as strings, and schemas are checked with openapi-schema-validator's OpenAPI 3.0 rules (which know
`nullable`, unlike plain Draft 4).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource, Specification
from referencing.jsonschema import DRAFT4, DRAFT202012

SPECS = Path(__file__).resolve().parents[3].parent / "shared" / "specs" / "xero"


class _StringTimestamps(yaml.CSafeLoader):
    """PyYAML would turn ISO dates in examples into datetime objects; keep them as text."""


_StringTimestamps.yaml_implicit_resolvers = {
    first: [resolver for resolver in resolvers if resolver[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


class SpecValidator:
    def __init__(
        self,
        document: dict[str, Any],
        urn: str,
        dialect: Specification[Any] = DRAFT4,
        validator_class: type[Validator] = OAS30Validator,
    ) -> None:
        self.document = document
        self.urn = urn
        self._registry = Registry().with_resource(urn, Resource.from_contents(document, default_specification=dialect))
        self._validator_class = validator_class
        self._validators: dict[str, Validator] = {}

    def errors(self, schema_name: str, body: Any) -> list[str]:
        validator = self._validators.get(schema_name)
        if validator is None:
            ref = {"$ref": f"{self.urn}#/components/schemas/{schema_name}"}
            validator = self._validators[schema_name] = self._validator_class(ref, registry=self._registry)
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]

    def assert_valid(self, schema_name: str, body: Any) -> None:
        problems = self.errors(schema_name, body)
        assert not problems, f"{schema_name} does not match the spec: {problems[:5]}"


def _load(name: str) -> dict[str, Any]:
    with (SPECS / name).open() as handle:
        return yaml.load(handle, Loader=_StringTimestamps)


def load_validator() -> SpecValidator:
    return SpecValidator(_load("xero_accounting.yaml"), "urn:xero-accounting")


def load_identity_validator() -> SpecValidator:
    return SpecValidator(_load("xero-identity.yaml"), "urn:xero-identity")


def load_webhooks_validator() -> SpecValidator:
    """OpenAPI 3.1: its schemas are JSON Schema 2020-12."""
    return SpecValidator(_load("xero-webhooks.yaml"), "urn:xero-webhooks", DRAFT202012, Draft202012Validator)
