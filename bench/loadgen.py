"""A small HTTP/1.1 keep-alive load generator, for machines where wrk cannot be installed.

asyncio, one connection per task, fixed duration; prints wrk-like "Requests/sec" and a
99th percentile latency line so run.sh parses both the same way. Slower than wrk, so
ratios measured with it understate the server (the generator shares the CPU).
"""
from __future__ import annotations

import argparse
import asyncio
import random
import time
from urllib.parse import urlsplit


async def worker(host, port, paths, headers, deadline, latencies, errors):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < deadline:
            path = random.choice(paths)
            request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{headers}\r\n".encode()
            started = time.monotonic()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            status = int(head.split(b" ", 2)[1])
            if status >= 400:
                errors.append(status)
            latencies.append(time.monotonic() - started)
    finally:
        writer.close()


async def run(url, paths, connections, seconds, headers):
    parts = urlsplit(url)
    deadline = time.monotonic() + seconds
    latencies, errors = [], []
    header_text = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    started = time.monotonic()
    await asyncio.gather(*(worker(parts.hostname, parts.port, paths, header_text, deadline, latencies, errors)
                           for _ in range(connections)), return_exceptions=True)
    elapsed = time.monotonic() - started
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else 0
    print(f"Requests/sec: {len(latencies) / elapsed:.2f}")
    print(f"     99%   {p99 * 1000:.2f}ms")
    print(f"Non-2xx or 3xx responses: {len(errors)}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--paths", help="file with one path per line (default: the URL's path)")
    parser.add_argument("-c", type=int, default=200)
    parser.add_argument("-d", type=float, default=10)
    parser.add_argument("--htmx", action="store_true")
    args = parser.parse_args()
    paths = [urlsplit(args.url).path or "/"]
    if args.paths:
        paths = [line.strip() for line in open(args.paths) if line.strip()]
    headers = {"HX-Request": "true"} if args.htmx else {}
    asyncio.run(run(args.url, paths, args.c, args.d, headers))


if __name__ == "__main__":
    main()
