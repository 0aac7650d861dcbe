import pytest

from checkout.money import format_rupiah, gateway_amount, parse_gateway_amount, parse_rupiah_input


@pytest.mark.parametrize("amount, text", [(0, "Rp 0"), (1, "Rp 1"), (150_000, "Rp 150.000"),
                                          (10_000_000, "Rp 10.000.000"), (-5_000, "-Rp 5.000")])
def test_format_rupiah(amount, text):
    assert format_rupiah(amount) == text


@pytest.mark.parametrize("value", [1.5, 150000.0, "150000", None, True])
def test_format_rupiah_refuses_non_integers(value):
    with pytest.raises(TypeError):
        format_rupiah(value)


def test_gateway_amount_keeps_two_decimals():
    assert gateway_amount(150_000) == "150000.00"


@pytest.mark.parametrize("value, expected", [("150000.00", 150000), (150000, 150000), ("10000", 10000),
                                             ("150000.50", None), ("abc", None), (None, None)])
def test_parse_gateway_amount(value, expected):
    assert parse_gateway_amount(value) == expected


@pytest.mark.parametrize("text, expected", [("150000", 150000), ("150.000", 150000), ("Rp 150.000", 150000),
                                            ("-5", None), ("1,5", None), ("", None), ("12a", None)])
def test_parse_rupiah_input(text, expected):
    assert parse_rupiah_input(text) == expected
