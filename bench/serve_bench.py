#!/usr/bin/env python3
"""Requests per second and latency of `proact serve` over loopback.

Starts `proact serve --rules rules/` (dry-run, WARN logs) on a free port,
runs CLIENTS keep-alive HTTP/1.1 clients each POSTing REQUESTS events, and
prints throughput and latency for a matching and a non-matching event.
The clients are Python threads on the same machine: on 2 cores the figure
is bounded by the clients as much as by the server.

  bench/serve_bench.py [--proact build/release/proact] [--clients 4] [--requests 3000]
"""
import argparse
import http.client
import socket
import os
import subprocess
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_serve(proact, threads):
    """Starts `proact serve` on the shipped pack (dry-run, WARN logs) on a free
    loopback port; returns (process, port) once it accepts connections."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    env = dict(os.environ, PROACT_DRY_RUN="true", PROACT_LOG_LEVEL="WARN")
    server = subprocess.Popen(
        [proact, "serve", "--rules", os.path.join(ROOT, "rules"), "--host", "127.0.0.1",
         "--port", str(port), "--threads", str(threads)],
        env=env, stdout=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.02)
    return server, port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proact", default=os.path.join(ROOT, "build/release/proact"))
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()
    server, port = start_serve(args.proact, args.threads)
    events = [
        ("CloudTrail StopLogging (matches, dry-run)",
         open(os.path.join(ROOT, "rules/fixtures/aws/cloudtrail-records.stopLogging.stratus.json"), "rb").read()),
        ("EventBridge CreateBucket (no match)",
         open(os.path.join(ROOT, "examples/quickstart/events.jsonl"), "rb").read().splitlines()[0]),
    ]
    try:
        for name, payload in events:
            latencies = []
            lock = threading.Lock()

            def client():
                conn = http.client.HTTPConnection("127.0.0.1", port)
                mine = []
                for _ in range(args.requests):
                    t = time.perf_counter()
                    conn.request("POST", "/", payload, {"Content-Type": "application/json"})
                    r = conn.getresponse()
                    r.read()
                    if r.status != 200:
                        raise SystemExit(f"HTTP {r.status}")
                    mine.append(time.perf_counter() - t)
                with lock:
                    latencies.extend(mine)

            threads = [threading.Thread(target=client) for _ in range(args.clients)]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - start
            latencies.sort()
            print(f"{name}: {len(latencies) / elapsed:,.0f} req/s, "
                  f"p50 {latencies[len(latencies) // 2] * 1e3:.2f} ms, "
                  f"p99 {latencies[int(len(latencies) * 0.99)] * 1e3:.2f} ms "
                  f"({args.clients} clients x {args.requests}, {len(payload)} bytes)")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
