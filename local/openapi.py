"""`make openapi`: writes the tenant API's OpenAPI document, as the code states it, to docs/openapi.json."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import boto3
from moto import mock_aws

from local.runtime.handlers import load_module
from local.runtime.resources import create_resources, local_parameters
from local.runtime.template import Template

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "docs" / "openapi.json"


def rendered() -> str:
    """Imports the handler as Lambda would: its environment comes from template.yaml (on moto)."""
    template = Template()
    if "STAGE" not in os.environ:  # run on its own, not inside the test suite's prepared environment
        loopback = "http://127.0.0.1:9"
        parameters = local_parameters(
            template,
            stage="openapi",
            saas_api_base_url=loopback,
            quickbooks_base_url=loopback,
            public_api_base_url=loopback,
            console_return_url=loopback,
        )
        with mock_aws():
            os.environ.update(create_resources(template, parameters, boto3.Session()).all_environments())
    api = load_module(template.function("TenantApiFunction"))
    return json.dumps(api.openapi_document(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DOCUMENT)
    args = parser.parse_args()
    args.out.write_text(rendered())
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
