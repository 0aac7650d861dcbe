"""`flask orders create` prints the checkout URL as its last line."""
from sqlalchemy import select

from checkout.models import Order


def test_creates_an_order_and_prints_its_link(runner, ctx):
    result = runner.invoke(args=["orders", "create", "--amount", "150000", "--description", "Kaos Batik"])
    assert result.exit_code == 0, result.output
    order = ctx.extensions["sqlalchemy"].session.scalar(select(Order))
    last = result.output.strip().splitlines()[-1]
    assert last == f"http://checkout.test/pay/{order.public_id}"
    assert order.total_amount == 150_000 and order.description == "Kaos Batik"
    assert [(i.name, i.unit_price, i.quantity) for i in order.items] == [("Kaos Batik", 150_000, 1)]
    assert "Rp 150.000" in result.output


def test_reference_and_expiry(runner, ctx):
    result = runner.invoke(args=["orders", "create", "--amount", "20000", "--description", "Es teh",
                                 "--reference", "INV-42", "--expires-in", "30"])
    assert result.exit_code == 0, result.output
    order = ctx.extensions["sqlalchemy"].session.scalar(select(Order))
    assert order.reference == "INV-42"
    assert 29 * 60 <= (order.expires_at - order.created_at).total_seconds() <= 30 * 60
    assert result.output.strip().splitlines()[-1].endswith(order.public_id)


def test_long_descriptions_make_a_valid_item_name(runner, ctx):
    result = runner.invoke(args=["orders", "create", "--amount", "1000", "--description", "x" * 120])
    assert result.exit_code == 0, result.output


def test_refuses_bad_input_clearly(runner, ctx):
    zero = runner.invoke(args=["orders", "create", "--amount", "0", "--description", "Nothing"])
    assert zero.exit_code != 0 and "at least Rp 1" in zero.output
    bad_ref = runner.invoke(args=["orders", "create", "--amount", "1000", "--description", "x", "--reference", "a b"])
    assert bad_ref.exit_code != 0 and "reference" in bad_ref.output
    expiry = runner.invoke(args=["orders", "create", "--amount", "1000", "--description", "x", "--expires-in", "0"])
    assert expiry.exit_code != 0
