"""The official python client (``midtransclient``) works against the simulator unchanged."""
import time

import midtransclient
import pytest
from midtransclient.error_midtrans import MidtransAPIError

from .conftest import CLIENT_KEY, SERVER_KEY, new_order_id


@pytest.fixture
def sim(thrifty_sim):
    """Tests here share one simulator: they use their own order ids and no notifications."""
    return thrifty_sim


@pytest.fixture
def core(sim):
    api = midtransclient.CoreApi(is_production=False, server_key=SERVER_KEY, client_key=CLIENT_KEY)
    api.api_config.get_core_api_base_url = lambda: sim.url  # the only change an app needs
    return api


@pytest.fixture
def snap(sim):
    api = midtransclient.Snap(is_production=False, server_key=SERVER_KEY, client_key=CLIENT_KEY)
    api.api_config.get_snap_base_url = lambda: f"{sim.url}/snap/v1"
    return api


def charge_body(payment_type="bank_transfer", **extra):
    return {"payment_type": payment_type,
            "transaction_details": {"order_id": new_order_id("client"), "gross_amount": 44000},
            "bank_transfer": {"bank": "bca"}, **extra}


def test_charge_status_cancel(core):
    charged = core.charge(charge_body())
    assert charged["status_code"] == "201" and charged["va_numbers"][0]["bank"] == "bca"
    status = core.transactions.status(charged["order_id"])
    assert status["transaction_status"] == "pending"
    cancelled = core.transactions.cancel(charged["transaction_id"])
    assert cancelled["transaction_status"] == "cancel"


def test_expire_is_a_normal_answer_for_the_client(core):
    charged = core.charge(charge_body("qris"))
    expired = core.transactions.expire(charged["order_id"])
    assert expired["status_code"] == "407" and expired["transaction_status"] == "expire"


def test_refund_after_settlement(core, sim):
    charged = core.charge(charge_body("gopay"))
    sim.settle(charged["order_id"])
    refunded = core.transactions.refund(charged["order_id"], {"refund_key": "k1", "amount": 4000, "reason": "r"})
    assert refunded["transaction_status"] == "partial_refund"
    direct = core.transactions.refundDirect(charged["order_id"], {"refund_key": "k2", "amount": 40000})
    assert direct["transaction_status"] == "refund"
    assert core.transactions.status(charged["order_id"])["refund_amount"] == "44000.00"


def test_card_token_charge_and_notification_lookup(core):
    token = core.card_token({"card_number": "5510111111111115", "card_exp_month": "12",
                             "card_exp_year": str(time.gmtime().tm_year + 2), "card_cvv": "123",
                             "client_key": CLIENT_KEY})
    charged = core.charge({"payment_type": "credit_card",
                           "transaction_details": {"order_id": new_order_id("card"), "gross_amount": 20000},
                           "credit_card": {"token_id": token["token_id"]}})
    assert (charged["transaction_status"], charged["fraud_status"]) == ("capture", "challenge")
    approved = core.transactions.approve(charged["transaction_id"])
    assert approved["fraud_status"] == "accept"
    # What the official libraries do with a notification: fetch the status by transaction_id.
    assert core.transactions.notification({"transaction_id": charged["transaction_id"]})["fraud_status"] == "accept"


def test_refusals_raise_the_clients_error(core):
    body = charge_body()
    core.charge(body)
    with pytest.raises(MidtransAPIError) as duplicate:
        core.charge(body)
    assert duplicate.value.api_response_dict["status_code"] == "406"
    core.api_config.server_key = "SB-Mid-server-"
    with pytest.raises(MidtransAPIError) as unauthorized:
        core.charge(charge_body())
    assert unauthorized.value.http_status_code == 401


def test_snap_create_twice_with_one_order_id(snap):
    params = {"transaction_details": {"order_id": new_order_id("snap"), "gross_amount": 200000},
              "credit_card": {"secure": True}}
    first = snap.create_transaction(params)
    second = snap.create_transaction(params)
    assert first["token"] != second["token"]
    assert snap.create_transaction_redirect_url(params).startswith("http://127.0.0.1")
