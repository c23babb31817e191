"""`make bench`: every benchmark, one after the other, each bounded in count and time."""

from __future__ import annotations

from local.bench import cold_imports, pull_speed, qbo_simulator, sync_speed


def main() -> None:
    print("== QuickBooks Online simulator")
    qbo_simulator.main()
    print("\n== Sync speed (local stack)")
    sync_speed.main([])
    print("\n== Pull latency (QuickBooks change → SaaS, through webhooks on the local stack)")
    pull_speed.main([])
    print("\n== Cold imports (one fresh interpreter per import)")
    cold_imports.main([])


if __name__ == "__main__":
    main()
