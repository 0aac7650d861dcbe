from checkout.midtrans.signature import signature_for, verify

VECTOR = ("d8c791ae12ab1c5339a7911eed4b9327ebc99ddc4c6065becd29dde4365d66017b2f1c64ef70df001b0c2bbd018464e209e366b3fe8"
          "ef9902358f5ce8d849b72")
KEY = "SB-Mid-server-TESTKEY123"


def test_signature_matches_the_published_vector():
    assert signature_for("order-101", "200", "10000.00", KEY) == VECTOR


def test_verify_accepts_the_vector_and_rejects_tampering():
    payload = {"order_id": "order-101", "status_code": "200", "gross_amount": "10000.00", "signature_key": VECTOR}
    assert verify(payload, KEY)
    assert not verify({**payload, "gross_amount": "10000.0"}, KEY)  # exact strings, two decimals
    assert not verify({**payload, "status_code": "201"}, KEY)
    assert not verify(payload, "SB-Mid-server-OTHER")
    assert not verify({k: v for k, v in payload.items() if k != "signature_key"}, KEY)
    assert not verify({**payload, "gross_amount": 10000}, KEY)
