"""Create the benchmark database and checkout links whose QR is live.

Prints one poll path per line (what htmx asks every 3 s: the status fragment with the
key of what the page shows), for the load generator. Notifications are marked as
arriving and the status API as just asked (with the bench app's long check interval), so
polls read the database and never call Midtrans: this measures the unchanged-state lane.
"""
from __future__ import annotations

import sys
from datetime import timedelta

from bench.bench_app import app
from checkout.extensions import db
from checkout.models import PaymentAttempt
from checkout.storefront import checkout_status
from checkout.payments.orders import NewItem, create_order
from checkout.timeutil import utcnow


def main(count: int) -> None:
    with app.app_context():
        db.create_all()
        now = utcnow()
        # Answered a while ago: the page already shows its calm "still checking" note (which
        # appears 20 s after the QR), so the state the load generator holds stays current.
        answered = now - timedelta(minutes=5)
        for index in range(count):
            order = create_order(items=[NewItem("Kopi Susu", 25_000, 2), NewItem("Roti Bakar", 20_000, 1)],
                                 description=f"bench {index}", actor="bench")
            db.session.add(PaymentAttempt(
                order_id=order.id, number=1, midtrans_order_id=f"{order.reference}-1", method="qris",
                environment="simulator", gross_amount=order.total_amount, created_at=now,
                expires_at=now + timedelta(hours=2), gateway_answered_at=answered, last_notification_at=now, last_checked_at=now,
                transaction_id=f"bench-{index}", qr_string="00020101021226BENCH6304ABCD",
            ))
            db.session.commit()
            key = checkout_status.current(order.public_id, check=False).key
            print(f"/pay/{order.public_id}/status?have={key}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
