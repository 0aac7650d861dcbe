"""Which methods an order is offered, and why not."""
from dataclasses import dataclass, field

from checkout.payments.method_rules import QRIS_LIMITS, offer_for


@dataclass
class Settings:
    qris_enabled: bool = True
    snap_enabled: bool = True
    snap_methods: tuple = ("credit_card", "gopay", "bca_va", "indomaret")


@dataclass
class Order:
    total_amount: int
    allowed_methods: list | None = field(default=None)


def test_everything_enabled_within_limits(ctx):
    offer = offer_for(Order(150_000), Settings())
    assert offer.qris and offer.snap
    assert offer.snap_methods == ("credit_card", "gopay", "bca_va", "indomaret")


def test_qris_upper_limit_is_inclusive(ctx):
    assert offer_for(Order(QRIS_LIMITS[1]), Settings()).qris
    over = offer_for(Order(QRIS_LIMITS[1] + 1), Settings())
    assert not over.qris
    assert "Rp 10.000.000" in over.qris_reason


def test_snap_methods_are_filtered_by_their_limits(ctx):
    small = offer_for(Order(5_000), Settings())
    assert small.snap_methods == ("gopay",)  # cards, BCA VA and Indomaret start at Rp 10.000
    large = offer_for(Order(6_000_000), Settings())
    assert "indomaret" not in large.snap_methods and "credit_card" in large.snap_methods


def test_no_snap_method_fits_says_why(ctx):
    offer = offer_for(Order(5_000), Settings(snap_methods=("credit_card", "bca_va")))
    assert not offer.snap and offer.snap_reason


def test_settings_switch_methods_off(ctx):
    offer = offer_for(Order(150_000), Settings(qris_enabled=False, snap_enabled=False))
    assert not offer.anything
    assert offer.qris_reason is None and offer.snap_reason is None


def test_allowed_methods_narrow_the_settings(ctx):
    assert not offer_for(Order(150_000, ["snap"]), Settings()).qris
    assert offer_for(Order(150_000, ["qris"]), Settings()).snap_methods == ()
    only_gopay = offer_for(Order(150_000, ["gopay"]), Settings())
    assert only_gopay.snap_methods == ("gopay",) and not only_gopay.qris
