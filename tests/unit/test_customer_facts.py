"""Facts read from Midtrans's answers for the customer: the QRIS merchant, payment
instructions; and the shop contact's parsing."""
import pytest

from checkout.payments import pay_instructions, qris_merchant
from checkout.shop_contact import parse_contact


def tlv(tag, value):
    return f"{tag}{len(value):02d}{value}"


def test_merchant_name_and_nmid_from_a_qris_payload():
    payload = (tlv("00", "01") + tlv("01", "12") + tlv("51", tlv("00", "ID.CO.QRIS.WWW") + tlv("02", "ID1020021181745"))
               + tlv("58", "ID") + tlv("59", "Toko Kopi Kenangan") + tlv("60", "Jakarta") + "6304ABCD")
    assert qris_merchant.merchant(payload) == ("Toko Kopi Kenangan", "ID1020021181745")


@pytest.mark.parametrize("payload", [None, "", "garbage", "0002", "00020159"])
def test_a_malformed_payload_names_nobody(payload):
    assert qris_merchant.merchant(payload).name is None


def test_the_simulators_qr_names_its_merchant():
    from checkout.simulator.qris import build_payload

    payload = build_payload(amount=150000, order_id="ORD-1", transaction_id="abc-123", acquirer="gopay",
                            merchant_name="Midtrans Simulator", merchant_city="Jakarta", merchant_id="G123456789")
    found = qris_merchant.merchant(payload)
    assert found.name == "Midtrans Simulator" and found.nmid.startswith("ID10")


@pytest.mark.parametrize("payload,expected", [
    ({"va_numbers": [{"bank": "BCA", "va_number": "12345"}]}, {"kind": "va", "bank": "bca", "number": "12345"}),
    ({"permata_va_number": "8562"}, {"kind": "va", "bank": "permata", "number": "8562"}),
    ({"bill_key": "99", "biller_code": "70012"}, {"kind": "bill", "bank": "mandiri", "biller_code": "70012", "number": "99"}),
    ({"payment_code": "777", "store": "alfamart"}, {"kind": "store", "store": "alfamart", "number": "777"}),
    ({"transaction_status": "pending", "payment_type": "credit_card"}, None),
    ({"va_numbers": [{"bank": "bca", "va_number": ""}]}, None),
    (None, None),
])
def test_payment_instructions(payload, expected):
    assert pay_instructions.from_payload(payload) == expected


@pytest.mark.parametrize("value,kind,href", [
    ("0812 3456 7890", "whatsapp", "https://wa.me/6281234567890"),
    ("+62 812-3456-7890", "whatsapp", "https://wa.me/6281234567890"),
    ("6281234567890", "whatsapp", "https://wa.me/6281234567890"),
    ("toko@example.co.id", "email", "mailto:toko@example.co.id"),
])
def test_contacts(value, kind, href):
    contact = parse_contact(value)
    assert contact.kind == kind and contact.href == href


@pytest.mark.parametrize("value", ["", None, "call us", "12345", "+1 415 555 0100", "a@b", "<x>@y.com"])
def test_not_contacts(value):
    assert parse_contact(value) is None
