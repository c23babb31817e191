"""`python -m local.runtime`: the whole local stack in one command; Ctrl-C (or SIGTERM) stops it."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path
from types import FrameType

from local.runtime.stack import DEFAULT_VISIBILITY_SCALE, running_stack
from local.runtime.summary import describe
from local.runtime.template import TEMPLATE_PATH


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)-5s %(message)s")
    logging.getLogger("local").setLevel(logging.INFO)

    stopping = threading.Event()

    def stop(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("local.runtime").info("%s: stopping", signal.Signals(signum).name)
        stopping.set()

    # Installed before start-up, so a Ctrl-C during it also ends in a clean stop, not a traceback.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    with running_stack(
        args.template,
        stage=args.stage,
        api_port=args.port,
        moto_port=args.moto_port,
        saas_url=args.saas_url,
        visibility_scale=args.visibility_scale,
        schedule_scale=None if args.schedule_scale == 0 else args.schedule_scale,
    ) as running:
        print(describe(running), flush=True)
        print("Ready. Ctrl-C stops everything.", flush=True)
        stopping.wait()
    print("Stopped.", flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local.runtime", description=__doc__)
    parser.add_argument("--template", type=Path, default=TEMPLATE_PATH, help="SAM template to run")
    parser.add_argument("--port", type=int, default=3000, help="HTTP API port on 127.0.0.1 (0: any free)")
    parser.add_argument("--moto-port", type=int, default=5000, help="moto server port on 127.0.0.1 (0: any)")
    parser.add_argument("--stage", default="local", help="value of the template's Stage parameter")
    parser.add_argument("--saas-url", help="SaasApiBaseUrl, e.g. the reference SaaS app's URL")
    parser.add_argument(
        "--visibility-scale",
        type=float,
        default=DEFAULT_VISIBILITY_SCALE,
        help="multiplies visibility timeouts before a failed message is retried (default %(default)s)",
    )
    parser.add_argument(
        "--schedule-scale",
        type=float,
        default=1.0,
        help="multiplies schedule intervals; 0 fires schedules never on their own (default %(default)s)",
    )
    return parser


if __name__ == "__main__":
    main()
