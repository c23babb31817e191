"""`python -m local.simulators.quickbooks_desktop --port 8603 [--qwc app.qwc --password pw] [--config sim.json]`.

Serves the admin API (`/_sim/`). With `--qwc`, it also plays the Web Connector: one session at
start, then every `Scheduler/RunEveryNMinutes` of the `.qwc` (or `--every` minutes) until Ctrl-C,
printing each session's outcome.
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

import uvicorn

from local.simulators.quickbooks_desktop.config import SimulatorConfig
from local.simulators.quickbooks_desktop.desktop import QuickBooksDesktop
from local.simulators.quickbooks_desktop.qwc import parse_qwc
from local.simulators.quickbooks_desktop.server import build_app
from local.simulators.quickbooks_desktop.web_connector import WebConnector


def main() -> None:
    parser = argparse.ArgumentParser(description="QuickBooks Desktop and Web Connector simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8603)
    parser.add_argument("--config", type=Path, help="JSON file with SimulatorConfig fields")
    parser.add_argument("--qwc", type=Path, help="a .qwc file: run the Web Connector against its AppURL")
    parser.add_argument("--password", default="", help="the Web Connector password for the .qwc's UserName")
    parser.add_argument("--every", type=float, help="minutes between sessions (default: the .qwc's scheduler)")
    args = parser.parse_args()
    config = SimulatorConfig.model_validate_json(args.config.read_text()) if args.config else SimulatorConfig()
    desktop = QuickBooksDesktop(config)
    stop = threading.Event()
    if args.qwc:
        qwc = parse_qwc(args.qwc.read_bytes())
        minutes = args.every or qwc.run_every_minutes or 60
        threading.Thread(
            target=_autorun, args=(WebConnector(desktop, qwc, args.password), minutes, stop), daemon=True
        ).start()
    try:
        uvicorn.run(build_app(desktop), host=args.host, port=args.port, log_level="warning", access_log=False)
    finally:
        stop.set()


def _autorun(connector: WebConnector, minutes: float, stop: threading.Event) -> None:
    while not stop.is_set():
        report = connector.run_session()
        print(
            f"Web Connector session: {report.outcome}; {len(report.exchanges)} exchanges; {report.messages}", flush=True
        )
        stop.wait(connector.desktop.config.scaled(minutes * 60))


if __name__ == "__main__":
    main()
