"""Mounted under a prefix in another WSGI app, every emitted URL follows the mount point."""
import pytest
import requests
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Response

from .conftest import order
from .forms import submit

PREFIX = "/midtrans-simulator"


def mounted(app):
    main = Response("the main app")
    return DispatcherMiddleware(main, {PREFIX: app})


@pytest.fixture
def sim_mounted(make_sim):
    sim = make_sim(wsgi=mounted)
    sim.url += PREFIX
    return sim


def test_api_urls_carry_the_prefix(sim_mounted):
    sim = sim_mounted
    qris = sim.charged(order("qris"))
    assert qris["actions"][0]["url"] == f"{sim.url}/v2/qris/{qris['transaction_id']}/qr-code"
    assert requests.get(qris["actions"][0]["url"], timeout=5).content.startswith(b"\x89PNG")
    gopay = sim.charged(order("gopay"))
    assert all(action["url"].startswith(sim.url + "/") for action in gopay["actions"])
    card = sim.charge(order("credit_card", credit_card={"token_id": sim.card_token(), "authentication": True})).json()
    assert card["redirect_url"].startswith(f"{sim.url}/v2/3ds/")


def test_snap_journey_under_the_prefix(sim_mounted):
    sim = sim_mounted
    body = order(None, enabled_payments=["credit_card"], callbacks={"finish": "https://shop.example/done"})
    created = sim.snap(body).json()
    assert created["redirect_url"] == f"{sim.url}/snap/v2/vtweb/{created['token']}"
    page = requests.get(created["redirect_url"], timeout=5)
    three_ds = submit(page, "Pay with card", follow=True)
    assert three_ds.url.startswith(f"{sim.url}/v2/3ds/")
    back = submit(three_ds, "Submit", otp="112233")
    assert back.status_code == 303 and back.headers["Location"].startswith("https://shop.example/done?")


def test_control_page_forms_stay_under_the_prefix(sim_mounted):
    sim = sim_mounted
    answer = sim.charged(order("qris"))
    page = requests.get(f"{sim.url}/simulator/", timeout=5)
    after = submit(page, "Pay", follow=True)
    assert after.url == f"{sim.url}/simulator/"
    assert sim.status(answer["order_id"])["transaction_status"] == "settlement"


def test_public_url_overrides_the_request_host(make_sim):
    public = "https://sandbox.shop.example/midtrans-simulator"
    sim = make_sim(wsgi=mounted, SIMULATOR_PUBLIC_URL=public)
    sim.url += PREFIX
    qris = sim.charged(order("qris"))
    assert qris["actions"][0]["url"] == f"{public}/v2/qris/{qris['transaction_id']}/qr-code"
    created = sim.snap(order(None)).json()
    assert created["redirect_url"] == f"{public}/snap/v2/vtweb/{created['token']}"
