"""The QRIS payload: EMVCo structure and CRC, checked without a server."""
import re

import pytest

from checkout.simulator import parse_qris, signature_key, verify_qris_crc
from checkout.simulator.qris import build_payload, crc16_ccitt, png, with_crc

PAYLOAD = build_payload(
    amount=150000, order_id="order-101", transaction_id="0d8178e1-c6c7-4ab4-81a6-893be9d924ab",
    acquirer="gopay", merchant_name="Toko Contoh", merchant_city="Jakarta", merchant_id="G123456789",
)


def test_crc16_ccitt_false_check_value():
    # The catalogued check value of CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF).
    assert crc16_ccitt(b"123456789") == 0x29B1


def test_payload_has_the_qris_fields():
    fields = parse_qris(PAYLOAD)
    assert list(fields)[:2] == ["00", "01"] and list(fields)[-1] == "63"
    assert fields["00"] == "01"
    assert fields["01"] == "12"  # dynamic: the amount is in the code
    assert parse_qris(fields["26"])["00"] == "COM.GO-JEK.WWW"
    assert parse_qris(fields["51"])["00"] == "ID.CO.QRIS.WWW"
    assert re.fullmatch(r"\d{4}", fields["52"])
    assert fields["53"] == "360"
    assert fields["54"] == "150000"
    assert fields["58"] == "ID"
    assert fields["59"] == "Toko Contoh"
    assert fields["60"] == "Jakarta"
    assert parse_qris(fields["62"])["01"] == "order-101"
    assert re.fullmatch(r"[0-9A-F]{4}", fields["63"])


def test_crc_covers_everything_including_its_own_tag():
    assert PAYLOAD[-8:-4] == "6304"
    assert int(PAYLOAD[-4:], 16) == crc16_ccitt(PAYLOAD[:-4].encode())
    assert verify_qris_crc(PAYLOAD)


@pytest.mark.parametrize("tamper", [
    lambda p: p.replace("150000", "150001"),        # amount changed after signing
    lambda p: p[:-4] + p[-4:].lower(),              # lowercase hex is not the standard's
    lambda p: p[:-1],                               # truncated
    lambda p: p[:-8],                               # no CRC field at all
])
def test_verify_crc_rejects_altered_payloads(tamper):
    assert not verify_qris_crc(tamper(PAYLOAD))


def test_shopee_acquirer_guid_and_long_order_ids_fit_the_field_limits():
    payload = build_payload(
        amount=1, order_id="x" * 50, transaction_id="0d8178e1-c6c7-4ab4-81a6-893be9d924ab",
        acquirer="airpay shopee", merchant_name="A very long merchant name indeed", merchant_city="Kota Yogyakarta Hadiningrat",
        merchant_id="G123456789",
    )
    fields = parse_qris(payload)
    assert parse_qris(fields["26"])["00"] == "ID.CO.SHOPEE.WWW"
    assert len(parse_qris(fields["62"])["01"]) == 25
    assert len(fields["59"]) <= 25 and len(fields["60"]) <= 15
    assert verify_qris_crc(payload)


def test_with_crc_and_png():
    assert verify_qris_crc(with_crc("000201"))
    assert png(PAYLOAD).startswith(b"\x89PNG\r\n\x1a\n")


def test_signature_key_matches_the_contract_vector():
    assert signature_key("order-101", "200", "10000.00", "SB-Mid-server-TESTKEY123") == (
        "d8c791ae12ab1c5339a7911eed4b9327ebc99ddc4c6065becd29dde4365d66017b2f1c64ef70df001b0c2bbd018464e209e366b3fe8ef9902358f5ce8d849b72"
    )
