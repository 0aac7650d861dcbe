"""The transactions list (filters, totals, pagination, live rows), the detail, CSV export."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta

import pytest

from checkout import audit
from checkout.admin.csv_export import HEADER
from checkout.extensions import db
from checkout.models import Notification
from checkout.payments.states import OrderStatus, PaymentStatus
from checkout.timeutil import utcnow
from tests.admin.helpers import HX
from tests.factories import make_attempt, make_order


def _paid(app, *, amount_items=None, payment_type="qris", flag=None, method="qris", status=PaymentStatus.PAID,
          **order_fields):
    with app.app_context():
        order = make_order(items=amount_items or [("Kopi", 50_000, 1)], status=OrderStatus.PAID, **order_fields)
        order.paid_amount = order.total_amount
        order.paid_at = utcnow()
        db.session.commit()
        attempt = make_attempt(order, method=method, status=status, paid_amount=order.total_amount,
                               payment_type=payment_type, flag=flag, paid_at=utcnow(),
                               transaction_id=f"tx-{order.reference.lower()}")
        return order.reference, order.id, attempt.midtrans_order_id


def _pending(app, **order_fields):
    with app.app_context():
        order = make_order(items=[("Roti", 20_000, 1)], **order_fields)
        attempt = make_attempt(order, status=PaymentStatus.PENDING)
        return order.reference, order.id, attempt.midtrans_order_id


def _rows(body: bytes) -> list[str]:
    return re.findall(r'<tr id="txn-(\d+)"', body.decode())


def test_list_page_and_fragment_with_totals(admin, app):
    _paid(app)
    _paid(app, amount_items=[("Kopi", 25_000, 3)])
    _pending(app)
    page = admin.get("/admin/transactions")
    assert page.status_code == 200 and b"<html" in page.data
    assert len(_rows(page.data)) == 3
    assert b"3 transactions" in page.data
    assert "Rp 125.000" in page.data.decode()  # 50.000 + 75.000 paid; the pending one adds nothing
    fragment = admin.get("/admin/transactions", headers=HX)
    assert fragment.data.lstrip().startswith(b'<section id="transactions"') and b"<html" not in fragment.data
    assert len(_rows(fragment.data)) == 3


def test_filters(admin, app):
    paid_ref, _, paid_mid = _paid(app, payment_type="gopay", method="snap", customer_email="ani@example.com")
    late_ref, _, _ = _paid(app, flag="paid_late")
    mismatch_ref, _, _ = _paid(app, flag="amount_mismatch")
    pending_ref, _, _ = _pending(app)
    with app.app_context():
        order = make_order(status=OrderStatus.OPEN)
        make_attempt(order, method="snap", status=PaymentStatus.CHALLENGED, payment_type="credit_card")
        challenged_ref = order.reference

    def refs(**args):
        body = admin.get("/admin/transactions", query_string=args, headers=HX).data.decode()
        return set(re.findall(r'<a href="/admin/transactions/([^"]+)">', body))

    assert refs(status="open") == {pending_ref, challenged_ref}
    assert refs(method="snap") == {paid_ref, challenged_ref}
    assert refs(method="gopay") == {paid_ref}
    assert refs(method="qris") == {late_ref, mismatch_ref, pending_ref}
    assert refs(flag="paid_late") == {late_ref}
    assert refs(flag="attention") == {late_ref, mismatch_ref}
    assert refs(flag="challenged") == {challenged_ref}
    assert refs(q=paid_ref.lower()) == {paid_ref}
    assert refs(q=paid_mid) == {paid_ref}
    assert refs(q=f"tx-{late_ref.lower()}") == {late_ref}
    assert refs(q="ani@example") == {paid_ref}
    assert refs(q="%") == set()  # LIKE wildcards are searched literally


def test_flags_stand_out_in_the_list(admin, app):
    _paid(app, flag="paid_late")
    _paid(app, flag="amount_mismatch")
    body = admin.get("/admin/transactions").data.decode()
    assert "paid late" in body and "amount mismatch" in body
    assert body.count("row--flagged") == 2


def test_date_range_uses_jakarta_days(admin, app):
    # 23:30 WIB on 10 March is 16:30 UTC: it belongs to 10 March in Jakarta.
    late_evening = datetime(2026, 3, 10, 16, 30)
    next_morning = datetime(2026, 3, 10, 17, 30)  # 00:30 WIB on 11 March
    with app.app_context():
        first = make_order(created_at=late_evening).reference
        second = make_order(created_at=next_morning).reference
    body = admin.get("/admin/transactions", query_string={"date_from": "2026-03-10", "date_to": "2026-03-10"}).data.decode()
    assert first in body and second not in body
    body = admin.get("/admin/transactions", query_string={"date_from": "2026-03-11"}).data.decode()
    assert second in body and first not in body


@pytest.mark.parametrize("args", [{"date_from": "2026-03-10", "date_to": "2026-03-01"}, {"status": "bogus"},
                                  {"date_from": "not-a-date"}])
def test_invalid_filters_are_a_422_with_a_message(admin, args):
    fragment = admin.get("/admin/transactions", query_string=args, headers=HX)
    assert fragment.status_code == 422 and b"Some filters are not valid" in fragment.data
    assert fragment.data.lstrip().startswith(b'<section id="transactions"')
    page = admin.get("/admin/transactions", query_string=args)
    assert page.status_code == 422 and b"<html" in page.data


def test_pagination_links_are_real_links_with_htmx(admin, app):
    with app.app_context():
        for _ in range(30):
            make_order(status=OrderStatus.CANCELLED)
    first = admin.get("/admin/transactions", query_string={"status": "cancelled"})
    assert len(_rows(first.data)) == 25
    body = first.data.decode()
    link = re.search(r'<a class="pager__link" href="([^"]+)" hx-get="([^"]+)"[^>]*hx-push-url="true" rel="next"', body)
    assert link and link.group(1) == link.group(2)
    href = link.group(1).replace("&amp;", "&")
    assert "status=cancelled" in href and "page=2" in href
    second = admin.get(href, headers=HX)
    assert len(_rows(second.data)) == 5 and b"Page 2 of 2" in second.data
    assert len(_rows(admin.get(href).data)) == 5


def test_pending_rows_poll_and_final_rows_do_not(admin, app):
    _, pending_id, _ = _pending(app)
    _, paid_id, _ = _paid(app)
    body = admin.get("/admin/transactions").data.decode()
    pending_row = re.search(rf'<tr id="txn-{pending_id}"[^>]*>', body, re.S).group(0)
    paid_row = re.search(rf'<tr id="txn-{paid_id}"[^>]*>', body, re.S).group(0)
    assert 'hx-trigger="every 5s"' in pending_row and "hx-get=" in pending_row
    assert "hx-trigger" not in paid_row


def test_row_poll_answers_204_until_something_changes(admin, app):
    _, order_id, _ = _pending(app)
    body = admin.get("/admin/transactions").data.decode()
    url = re.search(rf'<tr id="txn-{order_id}"[^>]*hx-get="([^"]+)"', body, re.S).group(1).replace("&amp;", "&")
    assert admin.get(url, headers=HX).status_code == 204
    with app.app_context():
        from checkout.models import PaymentAttempt
        from checkout.payments.transitions import GatewayReport, apply_gateway_status

        attempt = db.session.scalar(db.select(PaymentAttempt).where(PaymentAttempt.order_id == order_id))
        apply_gateway_status(attempt.id, GatewayReport(transaction_status="settlement", gross_amount=20_000),
                             actor="midtrans:notification")
    changed = admin.get(url, headers=HX)
    assert changed.status_code == 200
    assert changed.data.lstrip().startswith(f'<tr id="txn-{order_id}"'.encode())
    assert b"paid" in changed.data and b"hx-trigger" not in changed.data  # final: polling stops


def test_row_endpoint_as_a_full_page_goes_to_the_detail(admin, app):
    reference, order_id, _ = _pending(app)
    response = admin.get(f"/admin/transactions/rows/{order_id}")
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/transactions/{reference}"
    assert admin.get("/admin/transactions/rows/999999", headers=HX).status_code == 404


def test_detail_by_reference_midtrans_order_id_or_id(admin, app):
    reference, order_id, midtrans_id = _paid(app, customer_name="Ani", customer_email="ani@example.com")
    for key in (reference, midtrans_id, str(order_id)):
        page = admin.get(f"/admin/transactions/{key}")
        assert page.status_code == 200 and b"<html" in page.data
        assert reference.encode() in page.data and b"ani@example.com" in page.data and b"Kopi" in page.data
    fragment = admin.get(f"/admin/transactions/{reference}", headers=HX)
    assert fragment.data.lstrip().startswith(b'<section id="transaction"') and b"<html" not in fragment.data
    assert admin.get("/admin/transactions/NOPE-1").status_code == 404


def test_detail_timeline_has_notifications_and_state_changes_in_time_order(admin, app):
    reference, _, midtrans_id = _pending(app)
    with app.app_context():
        from checkout.models import PaymentAttempt
        from checkout.payments.transitions import GatewayReport, apply_gateway_status

        attempt = db.session.scalar(db.select(PaymentAttempt).where(PaymentAttempt.midtrans_order_id == midtrans_id))
        raw = {"order_id": midtrans_id, "transaction_status": "settlement", "gross_amount": "20000.00",
               "note": "<script>x</script>"}
        db.session.add(Notification(raw_body=json.dumps(raw), midtrans_order_id=midtrans_id, attempt_id=attempt.id,
                                    transaction_status="settlement", outcome="applied",
                                    received_at=utcnow() + timedelta(seconds=1)))
        db.session.commit()
        apply_gateway_status(attempt.id, GatewayReport.from_payload(raw), actor="midtrans:notification")
        audit.record("admin:owner@example.com", "payment.recheck", subject_type="payment_attempt", subject_id=midtrans_id)
        db.session.commit()
    body = admin.get(f"/admin/transactions/{reference}").data.decode()
    timeline = body[body.index('id="timeline"'):]
    titles = re.findall(r'<p class="small mono">([a-z_]+\.[a-z_.]+)', timeline)  # codes, under "Technical details"
    assert titles[0] == "order.created" and titles[1] == "attempt.created"
    assert "notification.received" in titles and "payment.transition" in titles and "order.transition" in titles
    assert "<details" in timeline and "&#34;transaction_status&#34;: &#34;settlement&#34;" in timeline
    assert "<script>x</script>" not in timeline  # raw JSON is escaped
    assert "pending → paid" in timeline and "midtrans:notification" in timeline
    assert "admin:owner@example.com" in timeline


def test_csv_export_streams_integers_and_defuses_formulas(admin, app):
    _paid(app, customer_name="=HYPERLINK(\"http://evil\")", amount_items=[("Kopi", 150_000, 1)])
    _paid(app, customer_name="+62 811", description="-minus")
    _paid(app, customer_name="@cmd")
    _pending(app)
    response = admin.get("/admin/transactions.csv", query_string={"status": "paid"})
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="transactions-')
    header, *lines = csv.reader(io.StringIO(response.get_data(as_text=True)))
    assert header[:3] == ["Reference", "Status", "Created (WIB)"]  # column titles in the owner's language
    rows = [dict(zip(HEADER, line)) for line in lines]
    assert len(rows) == 3
    by_name = {row["customer_name"]: row for row in rows}
    assert set(by_name) == {"'=HYPERLINK(\"http://evil\")", "'+62 811", "'@cmd"}
    assert by_name["'=HYPERLINK(\"http://evil\")"]["paid_amount"] == "150000"
    assert by_name["'+62 811"]["description"] == "'-minus"
    assert all(re.fullmatch(r"\d+", row["total_amount"]) for row in rows)


def test_csv_link_keeps_the_filters(admin, app):
    _paid(app)
    body = admin.get("/admin/transactions", query_string={"status": "paid", "q": "ORD"}).data.decode()
    link = re.search(r'href="(/admin/transactions\.csv[^"]*)"', body).group(1)
    assert "status=paid" in link and "q=ORD" in link


def test_csv_export_defuses_formulas_hidden_after_a_separator(admin, app):
    _paid(app, customer_name="Budi;=cmd|' /C calc'!A0", description="Kopi, +1+1")
    _paid(app, customer_name="Sari\t@SUM(A1)", description="ok; - fine")
    _paid(app, customer_name="Ani, Jl. Merdeka 5-7", description="plain")
    response = admin.get("/admin/transactions.csv", query_string={"status": "paid"})
    _, *lines = csv.reader(io.StringIO(response.get_data(as_text=True)))
    rows = [dict(zip(HEADER, line)) for line in lines]
    names = {row["customer_name"] for row in rows}
    descriptions = {row["description"] for row in rows}
    assert names == {"Budi;'=cmd|' /C calc'!A0", "Sari\t'@SUM(A1)", "Ani, Jl. Merdeka 5-7"}
    assert descriptions == {"Kopi, '+1+1", "ok; '- fine", "plain"}
    # Split on any separator, no piece starts with a formula trigger.
    for value in names | descriptions:
        for piece in re.split(r"[;,\t\r\n]", value):
            assert not piece.lstrip(" ").startswith(("=", "+", "-", "@"))
