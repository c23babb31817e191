"""`python -m local.simulators.xero --port 8602 [--time-scale 0.01] [--config sim.json]`."""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from local.simulators.xero.app import build_app
from local.simulators.xero.config import SimulatorConfig


def main() -> None:
    parser = argparse.ArgumentParser(description="Xero simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8602)
    parser.add_argument("--time-scale", type=float, default=None)
    parser.add_argument("--no-limits", action="store_true", help="switch the published limits off")
    parser.add_argument("--config", type=Path, help="JSON file with SimulatorConfig fields")
    args = parser.parse_args()
    config = SimulatorConfig.model_validate_json(args.config.read_text()) if args.config else SimulatorConfig()
    if args.time_scale is not None:
        config.time_scale = args.time_scale
    if args.no_limits:
        config.limits_enabled = False
    uvicorn.run(build_app(config), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
