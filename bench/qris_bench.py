"""Starting a QRIS charge: from the customer's press to a visible QR.

Each run opens a fresh checkout link, POSTs "Pay with QRIS" as htmx does and fetches the
QR picture the fragment points at. Midtrans is the simulator mounted in the same server,
so this measures our own work plus one in-process gateway round trip.
"""
from __future__ import annotations

import re
import statistics
import sys
import time

import requests

from bench.bench_app import app
from checkout.payments.orders import NewItem, create_order


def main(base_url: str, runs: int) -> None:
    with app.app_context():
        ids = [create_order(items=[NewItem("Kain Songket", 150_000, 1)], description="bench", actor="bench").public_id
               for _ in range(runs + 3)]
    http = requests.Session()
    timings = []
    for index, public_id in enumerate(ids):
        # The page the customer has open (not timed): it carries the CSRF token htmx sends.
        page = http.get(f"{base_url}/pay/{public_id}", timeout=30).text
        token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
        started = time.perf_counter()
        answer = http.post(f"{base_url}/pay/{public_id}/qris", headers={"HX-Request": "true", "X-CSRFToken": token},
                           timeout=30)
        src = re.search(r'<img class="qr__image" src="([^"]+)"', answer.text)
        if answer.status_code != 200 or src is None:
            raise SystemExit(f"charge failed: HTTP {answer.status_code}")
        picture = http.get(base_url + src.group(1), timeout=30)
        if picture.status_code != 200 or not picture.content.startswith(b"\x89PNG"):
            raise SystemExit("the QR picture did not load")
        elapsed = (time.perf_counter() - started) * 1000
        if index >= 3:  # the first runs warm up connections and caches
            timings.append(elapsed)
    timings.sort()
    p90 = timings[max(0, int(len(timings) * 0.9) - 1)]
    print(f"qris_charge_runs={len(timings)}")
    print(f"qris_charge_median_ms={statistics.median(timings):.1f}")
    print(f"qris_charge_p90_ms={p90:.1f}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30)
