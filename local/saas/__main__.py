"""`python -m local.saas --port 8700 --db PATH`: the reference SaaS app, standalone.

EventBridge is reached through boto3's environment (`AWS_ENDPOINT_URL` for the local moto server).
"""

import argparse
import dataclasses
import logging

import uvicorn

from local.saas.config import SaasAppConfig
from local.saas.publisher import EventBridgeSink, OutboxPublisher
from local.saas.server import create_app
from local.saas.store import SaasStore


def main() -> None:
    defaults = SaasAppConfig.from_environment()
    parser = argparse.ArgumentParser(prog="python -m local.saas", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--db", default=defaults.db_path, help="SQLite file, or :memory:")
    parser.add_argument("--bus", default=defaults.event_bus_name, help="EventBridge bus name")
    args = parser.parse_args()
    config = dataclasses.replace(defaults, db_path=args.db, event_bus_name=args.bus)

    logging.basicConfig(level=logging.INFO)
    store = SaasStore(config.db_path)
    publisher = OutboxPublisher(store, EventBridgeSink(config.event_bus_name))
    publisher.start()
    try:
        uvicorn.run(create_app(config, store), host=args.host, port=args.port)
    finally:
        publisher.stop()
        store.close()


if __name__ == "__main__":
    main()
