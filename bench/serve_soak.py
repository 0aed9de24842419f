#!/usr/bin/env python3
"""Soak of `proact serve`: many keep-alive clients plus slow clients, with a
health probe every 200 ms that must answer within 1 s for the whole run.

Starts `proact serve --rules rules/` (dry-run, WARN logs) on a free loopback
port, opens CONNECTIONS keep-alive HTTP/1.1 connections that each POST a
CloudTrail event in a loop, SLOW connections that trickle request headers one
byte every second, and probes GET /healthz on a fresh connection every 200 ms.
Bounded: runs SECONDS seconds, then stops everything. Prints requests/s,
request latency percentiles, and the probes' worst latency and misses.
Clients are asyncio coroutines on the same 2 cores as the server.

  bench/serve_soak.py [--proact build/release/proact] [--connections 1000] [--slow 8] [--seconds 30]
"""
import argparse
import asyncio
import json
import os
import socket
import time

from serve_bench import start_serve

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVENT = os.path.join(ROOT, "tests/data/corpus/aws/eventbridge.cloudtrail-s3-createBucket.custodian.json")


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return status


async def keepalive_client(port, request, stop, latencies, statuses):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        statuses["connect_failed"] = statuses.get("connect_failed", 0) + 1
        return
    try:
        while not stop.is_set():
            t0 = time.perf_counter()
            writer.write(request)
            status = await read_response(reader)
            latencies.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1
    except (OSError, asyncio.IncompleteReadError):
        statuses["reset"] = statuses.get("reset", 0) + 1
    finally:
        writer.close()


async def slow_client(port, stop):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = b"POST / HTTP/1.1\r\nHost: soak\r\nX-Slow: " + b"a" * 100000
    i = 0
    while not stop.is_set() and i < len(head):
        try:
            writer.write(head[i:i + 1])
            await writer.drain()
        except OSError:
            break
        i += 1
        await asyncio.sleep(1.0)
    writer.close()


def probe_process(port, seconds, out):
    """Runs in its own process, so the busy client loop cannot delay it."""
    probes = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0) as c:
                c.settimeout(max(0.01, 1.0 - (time.perf_counter() - t0)))
                c.sendall(b"GET /healthz HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n")
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = c.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            status = int(data.split(b" ", 2)[1]) if data else 0
            probes.append((time.perf_counter() - t0, status))
        except (OSError, ValueError, IndexError):
            probes.append((None, 0))
        time.sleep(0.2)
    out.put(probes)


async def run(port, args):
    body = open(EVENT, "rb").read()
    request = (b"POST / HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\n"
               b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    stop = asyncio.Event()
    latencies, statuses = [], {}
    tasks = [asyncio.create_task(slow_client(port, stop)) for _ in range(args.slow)]
    for _ in range(args.connections):
        tasks.append(asyncio.create_task(keepalive_client(port, request, stop, latencies, statuses)))
    start = time.perf_counter()
    await asyncio.sleep(args.seconds)
    stop.set()
    elapsed = time.perf_counter() - start
    await asyncio.wait(tasks, timeout=10)
    for t in tasks:
        t.cancel()
    return elapsed, latencies, statuses


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proact", default=os.path.join(ROOT, "build/release/proact"))
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--slow", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--threads", type=int, default=8)
    args = ap.parse_args()
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    server, port = start_serve(args.proact, args.threads)
    try:
        import multiprocessing
        queue = multiprocessing.Queue()
        prober = multiprocessing.Process(target=probe_process, args=(port, args.seconds, queue))
        prober.start()
        elapsed, lat, statuses = asyncio.run(run(port, args))
        probes = queue.get(timeout=60)
        prober.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    answered = [p for p, status in probes if p is not None and status == 200]
    within = [p for p in answered if p <= 1.0]
    print(json.dumps({
        "connections": args.connections, "slow_clients": args.slow, "seconds": round(elapsed, 1),
        "requests": len(lat), "requests_per_second": round(len(lat) / elapsed),
        "latency_ms_p50": round(pct(lat, 0.5) * 1000, 2), "latency_ms_p99": round(pct(lat, 0.99) * 1000, 2),
        "latency_ms_max": round(max(lat) * 1000, 1) if lat else None,
        "statuses": {str(k): v for k, v in statuses.items()},
        "healthz_probes": len(probes), "healthz_answered_within_1s": len(within),
        "healthz_ms_max": round(max(answered) * 1000, 1) if answered else None,
    }, indent=1))


if __name__ == "__main__":
    main()
