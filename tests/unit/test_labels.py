from flask_babel import force_locale

from checkout.payments.labels import STATUS_LABELS, status_label
from checkout.payments.states import OrderStatus, PaymentStatus


def test_every_status_has_a_label():
    assert {s.value for s in PaymentStatus} | {s.value for s in OrderStatus} <= set(STATUS_LABELS)


def test_labels_are_translated(ctx):
    with force_locale("id"):
        assert status_label("paid") == "dibayar"
        assert status_label("partially_refunded") == "dikembalikan sebagian"
    with force_locale("en"):
        assert status_label("challenged") == "under review"
    assert status_label("something_new") == "something new"
