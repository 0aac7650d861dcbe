"""A charge the customer watches uses the short timeout and one retry (about 10 s at
most before "Midtrans has not answered"); background calls keep the patient defaults."""
from checkout import shop_settings


def test_customer_charges_use_the_short_timeout(make_app):
    app = make_app(MIDTRANS_READ_TIMEOUT=10.0, MIDTRANS_RETRIES=2, MIDTRANS_CUSTOMER_READ_TIMEOUT=4.0,
                   MIDTRANS_CUSTOMER_RETRIES=1)
    with app.test_request_context():
        patient = shop_settings.gateway()
        waiting = shop_settings.gateway(customer_waiting=True)
        assert patient is not waiting
        assert patient._timeout[1] == 10.0 and patient._retries == 2
        assert waiting._timeout[1] == 4.0 and waiting._retries == 1
        connect = app.config["MIDTRANS_CONNECT_TIMEOUT"]
        # Worst case: two connects or two reads, plus the backoff, stays near 10 s.
        assert 2 * max(connect, waiting._timeout[1]) + waiting._backoff <= 10.5
