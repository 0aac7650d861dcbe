"""The one parser for strangers' JSON: limits checked before parsing, one exception out."""
import pytest

from checkout.json_bodies import UnreadableBody, nesting_depth, parse, parse_object


@pytest.mark.parametrize("raw, reason", [
    (b"[" * 60_000, "nested deeper"),
    (b'{"a":' * 40 + b"1" + b"}" * 40, "nested deeper"),
    (b'{"a": 1, "a": 2}', "duplicate key"),
    (b'"\\ud800"', "surrogate"),
    (b"\xff\xfe{}", "not valid JSON"),
    (b'{"a": "caf\xe9"}', "not valid JSON"),
    (b"NaN", "NaN"),
    (b"[Infinity]", "Infinity"),
    (b"1e999", "out of range"),
    (b"9" * 5_000, "not valid JSON"),
    (b'{"a": [1, 2', "not valid JSON"),
    (b'["' + b"[" * 60_000, "not valid JSON"),
    (b"", "not valid JSON"),
])
def test_hostile_input_is_one_exception(raw, reason):
    with pytest.raises(UnreadableBody, match=reason):
        parse(raw, max_bytes=1_000_000)


def test_size_is_checked_before_parsing():
    with pytest.raises(UnreadableBody) as caught:
        parse(b"[" + b"1," * 100 + b"1]", max_bytes=100)
    assert caught.value.too_large


def test_brackets_inside_strings_do_not_count_as_nesting():
    raw = b'{"a": {"b": ["[[[[", "\\"]]]", {"c": "{{{{"}]}}'
    assert nesting_depth(raw, stop_after=32) == 4
    assert parse(raw, max_bytes=1000, max_depth=4)["a"]["b"][0] == "[[[["
    with pytest.raises(UnreadableBody):
        parse(raw, max_bytes=1000, max_depth=3)


def test_ordinary_json_is_parsed_exactly():
    raw = '{"order_id": "INV-1-1", "gross_amount": "150000.00", "n": 12345678901234567890, "emoji": "\\ud83d\\ude00"}'
    assert parse(raw, max_bytes=1000) == {"order_id": "INV-1-1", "gross_amount": "150000.00",
                                          "n": 12345678901234567890, "emoji": "\U0001F600"}


def test_parse_object_wants_an_object():
    with pytest.raises(UnreadableBody, match="object"):
        parse_object(b"[1]", max_bytes=100)


def test_a_hostile_gateway_answer_is_unavailable_not_a_crash():
    import requests

    from checkout.midtrans.client import _interpret
    from checkout.midtrans.errors import GatewayUnavailable

    response = requests.Response()
    response.status_code = 200
    response._content = b"[" * 60_000
    with pytest.raises(GatewayUnavailable, match="empty body"):
        _interpret(response)
