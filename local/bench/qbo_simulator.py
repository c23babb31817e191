"""Start-up time and requests/second of the QuickBooks Online simulator on one core.

`python -m local.bench.qbo_simulator [--requests 5000] [--concurrency 8]`. The server runs in a
child process pinned to one CPU with limits off; the load comes from this process. Bounded in count
and time; never part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time

import httpx

from local.simulators.serving import free_port

STARTUP_DEADLINE = 10.0
LOAD_DEADLINE = 30.0
QUERY = "select%20*%20from%20Customer%20MAXRESULTS%2010"


def start_server(port: int) -> tuple[subprocess.Popen[bytes], float]:
    """Spawn the standalone server and time it from exec to its first answered request."""
    pin = ["taskset", "-c", "0"] if sys.platform.startswith("linux") and _has_taskset() else []
    command = [
        *pin,
        sys.executable,
        "-m",
        "local.simulators.quickbooks_online",
        "--port",
        str(port),
        "--no-limits",
    ]
    began = time.perf_counter()
    process = subprocess.Popen(command, cwd=os.getcwd())
    deadline = began + STARTUP_DEADLINE
    while time.perf_counter() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/.well-known/openid_configuration", timeout=0.5)
            return process, time.perf_counter() - began
        except httpx.TransportError:
            time.sleep(0.01)
    process.kill()
    raise RuntimeError("simulator did not start")


def _has_taskset() -> bool:
    return subprocess.run(["which", "taskset"], capture_output=True).returncode == 0


def connect(base_url: str) -> tuple[str, str]:
    """Run the OAuth dance once; the default app and company of `SimulatorConfig()`."""
    authorize = httpx.get(
        f"{base_url}/connect/oauth2",
        params={
            "client_id": "sim-client-id",
            "response_type": "code",
            "scope": "com.intuit.quickbooks.accounting",
            "redirect_uri": "http://localhost/callback",
            "state": "bench",
        },
    )
    query = httpx.URL(authorize.headers["location"]).params
    tokens = httpx.post(
        f"{base_url}/oauth2/v1/tokens/bearer",
        data={
            "grant_type": "authorization_code",
            "code": query["code"],
            "redirect_uri": "http://localhost/callback",
        },
        auth=("sim-client-id", "sim-client-secret"),
    ).json()
    return tokens["access_token"], query["realmId"]


async def load(port: int, token: str, realm_id: str, requests: int, concurrency: int) -> tuple[int, float]:
    """A mix of reads, queries and creates, as a sync run would send them.

    Each worker is a bare keep-alive HTTP/1.1 connection (like wrk): with two cores, an httpx client
    saturates its own core before the server's, and the figure wanted is the server's.
    """
    base = f"/v3/company/{realm_id}"
    done = 0
    began = time.perf_counter()
    deadline = began + LOAD_DEADLINE

    async def worker(number: int) -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sequence = 0
        while done < requests and time.perf_counter() < deadline:
            sequence += 1
            kind = sequence % 4
            if kind == 0:
                body = json.dumps({"DisplayName": f"Bench {number}-{sequence}"}).encode()
                status = await _call(reader, writer, "POST", f"{base}/customer", token, body)
            elif kind == 1:
                status = await _call(reader, writer, "GET", f"{base}/query?query={QUERY}", token)
            else:
                status = await _call(reader, writer, "GET", f"{base}/customer/1", token)
            if status != 200:
                raise RuntimeError(f"simulator answered {status}")
            done += 1
        writer.close()

    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return done, time.perf_counter() - began


async def _call(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    method: str,
    path: str,
    token: str,
    body: bytes = b"",
) -> int:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Accept: application/json\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    writer.write(head.encode() + body)
    headers = await reader.readuntil(b"\r\n\r\n")
    status = int(headers.split(b" ", 2)[1])
    length = next(
        int(line.split(b":", 1)[1]) for line in headers.split(b"\r\n") if line.lower().startswith(b"content-length:")
    )
    await reader.readexactly(length)
    return status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    port = free_port()
    process, startup = start_server(port)
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})  # the load generator must not steal the server's core
    try:
        token, realm_id = connect(f"http://127.0.0.1:{port}")
        httpx.post(
            f"http://127.0.0.1:{port}/v3/company/{realm_id}/customer",
            json={"DisplayName": "Bench customer"},
            headers={"Authorization": f"Bearer {token}"},
        ).raise_for_status()
        done, elapsed = asyncio.run(load(port, token, realm_id, args.requests, args.concurrency))
    finally:
        process.terminate()
        process.wait(timeout=5)
    print(f"start-up: {startup:.2f} s")
    print(f"throughput: {done / elapsed:.0f} requests/s ({done} requests in {elapsed:.2f} s, one server core)")


if __name__ == "__main__":
    main()
