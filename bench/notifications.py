"""How many verified Midtrans notifications per second POST /webhooks/midtrans takes.

    [BENCH_DATABASE_URL=postgresql://...] python bench/notifications.py [--count 600]
        [--seconds 20] [--clients 8] [--workers 2] [--threads 4]

The database lines run on the database the caller names: with BENCH_DATABASE_URL, a
throwaway database created on that PostgreSQL server (and dropped afterwards); without
it, a temporary SQLite file. Each line says which. It starts gunicorn on 127.0.0.1,
fills the database with attempts, and sends signed notifications from client threads
over keep-alive connections:

* settlement: one per attempt, each a real transition (record, verify, match, apply with
  audit + outbox, outcome): the expensive case;
* duplicate: the settlements that were sent, again (verified, matched, a no-op): what
  Midtrans's retries and duplicates cost. When the time limit cut the settlement line
  short, the unsent ones are not sent here either (they would be first settlements, not
  duplicates).

The run fails only when money went wrong: an attempt paid without exactly one transition
and one paid event, a settlement answered 200 that did not pay, or more payments than
settlements sent. A line cut short by its time limit is reported, not failed.

Next to them, a bare endpoint (a Flask app that reads the body and answers 200 JSON, no
database) under the same gunicorn settings shows the ceiling of this machine and client.
Each run is bounded by --count and --seconds. Everything it starts it stops. The status
API re-read is off (simulator environment), so Midtrans's latency is not measured.
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PATH = "/webhooks/midtrans"


# --- the apps gunicorn serves (imported by the worker processes) -----------------------

def bare_app():
    """The floor under everything: read the body, answer JSON."""
    from flask import Flask, jsonify, request

    app = Flask("bare")

    @app.post(PATH)
    def notification():
        request.get_data()
        return jsonify({"status": "ok", "outcome": "applied"})

    return app


def checkout_app():
    from checkout import create_app

    return create_app(json.loads(os.environ["BENCH_CHECKOUT_CONFIG"]))


# --- servers ------------------------------------------------------------------------------

@contextlib.contextmanager
def gunicorn(target: str, env: dict, workers: int, threads: int):
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    command = [sys.executable, "-m", "gunicorn", "--bind", f"fd://{sock.fileno()}", "--workers", str(workers),
               "--threads", str(threads), "--worker-class", "gthread", "--keep-alive", "30", "--no-control-socket",
               "--log-level", "warning", "--timeout", "60", "--graceful-timeout", "10", f"bench.notifications:{target}"]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, pass_fds=[sock.fileno()])
    sock.close()
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        process.send_signal(signal.SIGINT)  # quick shutdown: every answer is in by now
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    host, port = urlsplit(url).hostname, urlsplit(url).port
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection(host, port, timeout=1)
            conn.request("GET", PATH)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("gunicorn did not start in time")


# --- databases ----------------------------------------------------------------------------

@contextlib.contextmanager
def database(workdir: Path):
    """The database the caller named: yields (SQLAlchemy URL, a description without
    credentials); a throwaway PostgreSQL database is dropped afterwards."""
    server = os.environ.get("BENCH_DATABASE_URL")
    if not server:
        yield f"sqlite:///{workdir / 'bench.sqlite3'}", "sqlite (a temporary file)"
        return
    from bench import pg_database
    from checkout.config import normalise_database_url

    url = pg_database.create(server)
    where = urlsplit(url)
    try:
        yield normalise_database_url(url), f"postgresql {where.hostname}:{where.port or 5432}{where.path}"
    finally:
        pg_database.drop(url)


def prepare(config: dict, count: int) -> tuple[list[bytes], str]:
    """Create the tables and ``count`` pending attempts; the signed settlement bodies."""
    from checkout import create_app, shop_settings
    from checkout.extensions import db
    from checkout.midtrans.signature import signature_for
    from checkout.models import Order, OrderItem, PaymentAttempt
    from checkout.timeutil import utcnow

    app = create_app(config)
    bodies = []
    with app.app_context():
        db.create_all()
        key = shop_settings.current().server_key
        now = utcnow()
        run = secrets.token_hex(3)
        for number in range(count):
            reference = f"BENCH-{run}-{number:06d}"
            order = Order(reference=reference, description="bench", total_amount=150_000,
                          expires_at=now.replace(year=now.year + 1))
            order.items.append(OrderItem(position=0, name="Kopi", unit_price=150_000, quantity=1))
            order.attempts.append(PaymentAttempt(number=1, midtrans_order_id=f"{reference}-1", method="qris",
                                                 environment="simulator", gross_amount=150_000,
                                                 expires_at=now.replace(year=now.year + 1), gateway_answered_at=now))
            db.session.add(order)
            body = {"transaction_time": "2026-11-21 10:00:00", "transaction_status": "settlement",
                    "transaction_id": secrets.token_hex(16), "status_message": "midtrans payment notification",
                    "status_code": "200", "payment_type": "qris", "order_id": f"{reference}-1",
                    "merchant_id": "G812345678", "gross_amount": "150000.00", "fraud_status": "accept",
                    "currency": "IDR", "settlement_time": "2026-11-21 10:01:00", "acquirer": "gopay"}
            body["signature_key"] = signature_for(body["order_id"], "200", "150000.00", key)
            bodies.append(json.dumps(body).encode())
        db.session.commit()
        db.engine.dispose()
    return bodies, config["SQLALCHEMY_DATABASE_URI"]


def check(config: dict, settle: dict) -> tuple[dict, list[str]]:
    """What the database says after the runs (the benchmark is also a correctness check)."""
    from checkout import create_app
    from checkout.extensions import db
    from checkout.models import AuditEvent, Notification, OutboxEvent, PaymentAttempt

    app = create_app(config)
    with app.app_context():
        result = {
            "paid": PaymentAttempt.query.filter_by(status="paid").count(),
            "transitions": AuditEvent.query.filter_by(action="payment.transition").count(),
            "paid_events": OutboxEvent.query.filter_by(type="checkout.session.paid").count(),
            "notifications": Notification.query.count(),
            "not_ok": Notification.query.filter(Notification.outcome.notin_(["applied", "duplicate"])).count(),
        }
        db.engine.dispose()
    wrong = []
    if not result["paid"] == result["transitions"] == result["paid_events"]:
        wrong.append("every paid attempt needs exactly one transition and one paid event")
    if result["paid"] < settle["ok"]:
        wrong.append(f"{settle['ok'] - result['paid']} settlement(s) answered 200 did not pay")
    if result["paid"] > settle["taken"]:
        wrong.append("more payments than settlements sent")
    return result, wrong


# --- the client -----------------------------------------------------------------------------

def blast(url: str, bodies: list[bytes], clients: int, seconds: float) -> dict:
    """POST every body once (spread over ``clients`` keep-alive connections), within ``seconds``.

    A client stops taking bodies at the deadline; what it took is always answered. The
    result lists the bodies answered 200 (``sent``) and counts what was taken.
    """
    host, port = urlsplit(url).hostname, urlsplit(url).port
    lock = threading.Lock()
    queue = list(reversed(bodies))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sent: list[bytes] = []
    deadline = time.monotonic() + seconds
    headers = {"Content-Type": "application/json", "User-Agent": "Veritrans"}

    def client():
        conn = http.client.HTTPConnection(host, port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            started = time.perf_counter()
            conn.request("POST", PATH, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1
                if response.status == 200:
                    sent.append(body)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": wall,
        "rate": len(latencies) / wall if wall else 0.0,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0.0,
        "statuses": statuses,
        "sent": sent,
        "ok": len(sent),
        "taken": len(bodies) - len(queue),
        "cut_short": bool(queue),
    }


def line(label: str, result: dict) -> str:
    codes = ", ".join(f"{code}: {n}" for code, n in sorted(result["statuses"].items()))
    cut = "  (time limit reached first)" if result.get("cut_short") else ""
    return (f"{label:<44} {result['requests']:>6} in {result['seconds']:6.2f} s = {result['rate']:7.0f} /s"
            f"   p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms   [{codes}]{cut}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=600, help="notifications per scenario")
    parser.add_argument("--seconds", type=float, default=20.0, help="time limit per scenario")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client connections")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    print(f"notifications benchmark: gunicorn {args.workers} worker(s) x {args.threads} thread(s) on 127.0.0.1, "
          f"{args.clients} client connections, up to {args.count} requests or {args.seconds:g} s per line, "
          f"{os.cpu_count()} CPU(s) shared by server and client")
    with gunicorn("bare_app()", {}, args.workers, args.threads) as url:
        warm = [b'{"warm": true}'] * min(100, args.count)
        blast(url, warm, args.clients, args.seconds)
        print(line("bare endpoint (no database)", blast(url, [b'{"x": 1}'] * args.count, args.clients, args.seconds)))

    with tempfile.TemporaryDirectory() as workdir, database(Path(workdir)) as (uri, where):
        config = {"APP_ENV": "development", "SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": uri,
                  "MIDTRANS_ENV": "simulator",  # never a real Midtrans, whatever the shell says
                  "INSTANCE_PATH": str(Path(workdir) / "instance"), "SIMULATOR_MOUNTED": False,
                  "RATELIMIT_STORAGE_URI": "memory://", "PUBLIC_URL": "http://127.0.0.1"}
        print(f"database: {where}")
        kind = where.split()[0]
        bodies, _ = prepare(config, args.count)
        env = {"BENCH_CHECKOUT_CONFIG": json.dumps(config)}
        with gunicorn("checkout_app()", env, args.workers, args.threads) as url:
            settle = blast(url, bodies, args.clients, args.seconds)
            # Only what the first line delivered is a duplicate now.
            again = blast(url, settle["sent"], args.clients, args.seconds)
        print(line(f"{kind:<10} settlement (each a transition)", settle))
        print(line(f"{kind:<10} duplicate (verified no-op)", again))
        facts, wrong = check(config, settle)
        print(f"{'':<11}check: {facts['paid']} paid, {facts['transitions']} transitions, "
              f"{facts['paid_events']} paid events, {facts['notifications']} notifications stored, "
              f"{facts['not_ok']} not applied/duplicate")
        if wrong:
            print("CHECK FAILED: " + "; ".join(wrong), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
