"""Real Midtrans-side transactions on the simulator, for tests that need Midtrans's own answers."""
from __future__ import annotations

import requests
from sqlalchemy import update

from checkout.extensions import db
from checkout.midtrans.client import Endpoints, MidtransClient
from checkout.models import PaymentAttempt
from checkout.timeutil import utcnow


def client_for(api_base_url: str, server_key: str, *, notification_url: str | None = None) -> MidtransClient:
    return MidtransClient(server_key, Endpoints(api_base_url, api_base_url + "/snap/v1"),
                          notification_url=notification_url, retries=0, read_timeout=5)


def charge_qris(client: MidtransClient, attempt: PaymentAttempt) -> dict:
    """Charge the attempt as QRIS and record the answer on it, as the checkout would. Commits."""
    answer = client.charge({
        "payment_type": "qris",
        "transaction_details": {"order_id": attempt.midtrans_order_id, "gross_amount": attempt.gross_amount},
        "qris": {"acquirer": "gopay"},
    }, idempotency_key=attempt.idempotency_key)
    db.session.execute(update(PaymentAttempt).where(PaymentAttempt.id == attempt.id).values(
        transaction_id=answer["transaction_id"], gateway_status=answer["transaction_status"],
        qr_string=answer.get("qr_string"), gateway_answered_at=utcnow()))
    db.session.commit()
    return answer


def control(simulator_base: str, ident: str, action: str, **body) -> dict:
    """Drive the simulator like a tester: settle, deny, expire, cancel, approve, refund."""
    response = requests.post(f"{simulator_base}/simulator/transactions/{ident}/{action}", json=body or None,
                             timeout=10)
    response.raise_for_status()
    return response.json()


def set_faults(simulator_base: str, **switches) -> dict:
    response = requests.post(f"{simulator_base}/simulator/faults", json=switches, timeout=10)
    response.raise_for_status()
    return response.json()
