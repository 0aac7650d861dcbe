"""The app as the benchmarks serve it: the embedded default (simulator mounted), with its
database, instance folder and simulator store in BENCH_DIR, never in the project's own."""
from __future__ import annotations

import os

from checkout import create_app

BENCH_DIR = os.environ["BENCH_DIR"]

app = create_app({
    "APP_ENV": "development",  # the embedded default; unset would mean production
    "INSTANCE_PATH": BENCH_DIR,
    "SQLALCHEMY_DATABASE_URI": os.environ.get("BENCH_DATABASE_URI") or f"sqlite:///{BENCH_DIR}/checkout.sqlite3",
    "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key-not-for-production-0000",
    "SIMULATOR_CONFIG": {"SIMULATOR_DATABASE": f"{BENCH_DIR}/simulator.sqlite3"},
    "RATELIMIT_ENABLED": False,  # the charge benchmark makes many charges from one IP
    # The poll benchmark measures the unchanged-state lane. A live attempt's poll also asks
    # Midtrans every 10 s (one claimed check per attempt); here "Midtrans" is the simulator
    # mounted in this same server, so under wrk those calls would queue behind the load they
    # belong to. Checks are left to the flash-sale benchmark with a standalone simulator.
    "STATUS_CHECK_INTERVAL_SECONDS": 24 * 3600,
})
