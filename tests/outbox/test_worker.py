"""The worker commands: deliver-once for cron, run until SIGTERM."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import select

from checkout.extensions import db
from checkout.models import WebhookDelivery
from checkout.outbox import delivery, endpoints

ROOT = Path(__file__).resolve().parents[2]


def test_deliver_once_command(app, runner, receiver, emit_event):
    with app.app_context():
        endpoints.add(f"{receiver.url}/hooks", actor="test")
        emit_event()
        emit_event("checkout.session.refunded")
    result = runner.invoke(args=["outbox", "deliver-once"])
    assert result.exit_code == 0, result.output
    assert "delivered=2" in result.output
    assert runner.invoke(args=["outbox", "deliver-once"]).output.startswith("delivered=0")


def test_run_loop_delivers_and_stops_when_told(app, receiver, emit_event):
    from checkout.worker.jobs import outbox_job
    from checkout.worker.supervisor import Supervisor

    with app.app_context():
        endpoints.add(f"{receiver.url}/hooks", actor="test")
    supervisor = Supervisor(app, [outbox_job(0.05)], grace=5, echo=lambda line: None)
    worker = threading.Thread(target=supervisor._loop, args=(supervisor.jobs[0],))
    worker.start()
    try:
        with app.app_context():
            emit_event()
        assert receiver.receiver.arrived.wait(10)
    finally:
        supervisor.stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
    with app.app_context():
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            db.session.expire_all()
            if db.session.scalar(select(WebhookDelivery.status)) == "delivered":
                break
            time.sleep(0.02)
        assert db.session.scalar(select(WebhookDelivery.status)) == "delivered"


def test_flask_outbox_run_exits_cleanly_on_sigterm(app):
    env = {**os.environ, "FLASK_APP": "wsgi:app", "APP_ENV": "testing",
           "SECRET_KEY": app.config["SECRET_KEY"], "SIMULATOR_MOUNTED": "0",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg", "postgresql")}
    process = subprocess.Popen([sys.executable, "-m", "flask", "outbox", "run", "--idle-seconds", "0.1"], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True)
    reader.start()
    output = []
    try:
        while True:  # wait for the worker to say it is running (its signal handlers are in place)
            line = lines.get(timeout=30)
            output.append(line)
            if "outbox worker running" in line:
                break
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0, "".join(output)
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(timeout=10)  # the pipe is closed once the process has exited
    while not lines.empty():
        output.append(lines.get())
    assert "outbox worker stopped" in "".join(output)
