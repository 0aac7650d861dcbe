"""The admin's forms (Flask-WTF). They check shape only; services check meaning.

Every state-changing form is posted with the CSRF token (CSRFProtect guards every POST;
templates add ``csrf_token()`` as a hidden field and htmx sends it as X-CSRFToken).
Filter forms are GETs and carry no token.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice as C
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from checkout.config import ENVIRONMENTS, GATEWAY_ENVIRONMENTS
from checkout.form_messages import TranslatedForm, TranslatedSubform
from checkout.money import parse_rupiah_input
from checkout.payments.labels import STATUS_LABELS, lazy_label
from checkout.payments.states import OrderStatus

# The Snap ``enabled_payments`` the owner may switch on (Midtrans's own names).
SNAP_METHOD_CHOICES = [C(code, lazy_label("method", code)) for code in (
    "credit_card", "gopay", "shopeepay", "other_qris", "bca_va", "bni_va", "bri_va", "permata_va", "echannel",
    "indomaret", "alfamart", "akulaku", "kredivo")]
# E-wallet apps a phone customer can pay in directly (Core API charge + deeplink).
APP_PAYMENT_CHOICES = [
    C("gopay", _l("Pay in the GoPay app")),
    C("shopeepay", _l("Pay in the ShopeePay app")),
]
ENVIRONMENT_LABELS = {
    "simulator": _l("Simulator (no real money)"),
    "sandbox": _l("Sandbox (Midtrans test account)"),
    "production": _l("Production (real money)"),
}
KEY_ENVIRONMENTS = ("sandbox", "production")


def offered_environments() -> tuple[str, ...]:
    """The Midtrans environments the owner may choose: no simulator in production."""
    if current_app.config.get("APP_ENV") == "production":
        return GATEWAY_ENVIRONMENTS
    return ENVIRONMENTS


KEY_PREFIXES = {
    ("sandbox", "server"): "SB-Mid-server-",
    ("sandbox", "client"): "SB-Mid-client-",
    ("production", "server"): "Mid-server-",
    ("production", "client"): "Mid-client-",
}
KEY_BODY = re.compile(r"^[A-Za-z0-9_\-]{8,80}$")
MERCHANT_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
MAX_ORDER_EXPIRY_MINUTES = 30 * 24 * 60
RUPIAH_TEXT = re.compile(r"^(?:Rp\s?)?(?:\d+|\d{1,3}(?:\.\d{3})+)$")

FLAG_CHOICES = [
    C("", _l("Any")),
    C("attention", _l("Needs attention (any flag)")),
    *(C(code, lazy_label("flag", code)) for code in ("paid_late", "amount_mismatch", "duplicate_payment", "reversed")),
    C("challenged", _l("Card challenged (review)")),
]
METHOD_CHOICES = [
    C("", _l("Any")),
    *(C(code, lazy_label("method", code)) for code in ("qris", "snap", "credit_card", "gopay", "shopeepay",
                                                       "bank_transfer", "echannel", "cstore")),
]


class _NoCsrf(TranslatedForm):
    class Meta:
        csrf = False  # GET filters change nothing


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RupiahField(StringField):
    """Whole rupiah typed by a person ('150000', '150.000', 'Rp 150.000'). ``data`` is an
    int, or None when empty or not a whole positive number (with an error kept for that)."""

    raw = ""  # what was typed; a row built without form data has typed nothing

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        # Dots only as thousands separators: "12.5" is a typo, not Rp 125.
        self.data = parse_rupiah_input(self.raw) if RUPIAH_TEXT.match(self.raw) else None
        if self.raw and self.data is None:
            raise ValueError(_l("Enter a whole number of rupiah, like 150000 or 150.000."))

    def _value(self):
        return getattr(self, "raw", None) or ("" if self.data is None else str(self.data))


class LoginForm(TranslatedForm):
    class Meta:
        csrf = False  # CSRFProtect already checks every POST; one check is enough

    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


def _key_validator(environment: str, kind: str):
    prefix = KEY_PREFIXES[(environment, kind)]

    def check(form, field):
        value = (field.data or "").strip()
        field.data = value
        if not value:
            return
        # Never echo the value: the message names the expected shape only.
        if not value.startswith(prefix) or not KEY_BODY.match(value[len(prefix):]):
            raise ValidationError(_l("This does not look like a %(env)s %(kind)s key (it should start with %(prefix)s).",
                                     env=environment, kind=kind, prefix=prefix))
    return check


def _merchant_validator(form, field):
    value = (field.data or "").strip()
    field.data = value
    if value and not MERCHANT_ID.match(value):
        raise ValidationError(_l("A merchant id has letters and digits only, like G123456789."))


def _contact_validator(form, field):
    from checkout.shop_contact import parse_contact

    value = (field.data or "").strip()
    field.data = value
    if value and parse_contact(value) is None:
        raise ValidationError(_l("Enter a WhatsApp number (e.g. 0812 3456 7890 or +62 812 3456 7890) or an e-mail address."))


class SettingsForm(TranslatedForm):
    class Meta:
        csrf = False

    environment = SelectField(_l("Environment"), choices=[C(e, ENVIRONMENT_LABELS[e]) for e in ENVIRONMENTS])
    shop_name = StringField(_l("Shop name"), validators=[DataRequired(), Length(max=80)])
    logo_text = StringField(_l("Logo text"), validators=[DataRequired(), Length(max=8)])
    shop_contact = StringField(_l("Contact for customers"), validators=[Length(max=120), _contact_validator])
    qris_enabled = BooleanField(_l("QRIS on our own page"))
    snap_enabled = BooleanField(_l("Midtrans Snap (cards, virtual accounts, e-wallets, stores)"))
    snap_methods = MultiCheckboxField(_l("Methods offered in Snap"), choices=SNAP_METHOD_CHOICES)
    app_payments = MultiCheckboxField(_l("App buttons on phones"), choices=APP_PAYMENT_CHOICES)
    qris_expiry_minutes = IntegerField(_l("QRIS expiry (minutes)"), validators=[NumberRange(min=1, max=120)])
    order_expiry_minutes = IntegerField(_l("Payment link expiry (minutes)"),
                                        validators=[NumberRange(min=1, max=MAX_ORDER_EXPIRY_MINUTES)])
    return_url_allowlist = TextAreaField(_l("Allowed return URLs (one prefix per line)"))
    verify_with_status_api = SelectField(_l("Re-check notifications with the status API"),
                                         choices=[C("default", _l("Default (on except in the simulator)")),
                                                  C("on", _l("On")), C("off", _l("Off"))])

    daily_summary = BooleanField(_l("Show a daily summary of yesterday's payments"))

    sandbox_merchant_id = StringField(_l("Merchant id"), validators=[Length(max=32), _merchant_validator])
    sandbox_client_key = StringField(_l("Client key"), validators=[Length(max=100), _key_validator("sandbox", "client")])
    sandbox_server_key = PasswordField(_l("Server key"), validators=[Length(max=100), _key_validator("sandbox", "server")])
    sandbox_forget_server_key = BooleanField(_l("Remove the saved server key"))
    production_merchant_id = StringField(_l("Merchant id"), validators=[Length(max=32), _merchant_validator])
    production_client_key = StringField(_l("Client key"),
                                        validators=[Length(max=100), _key_validator("production", "client")])
    production_server_key = PasswordField(_l("Server key"),
                                          validators=[Length(max=100), _key_validator("production", "server")])
    production_forget_server_key = BooleanField(_l("Remove the saved server key"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Production never offers the simulator (it would let anyone mark orders paid).
        self.environment.choices = [C(e, ENVIRONMENT_LABELS[e]) for e in offered_environments()]

    def validate_snap_methods(self, field):
        unknown = set(field.data or ()) - {choice.value for choice in SNAP_METHOD_CHOICES}
        if unknown:
            raise ValidationError(_l("Unknown method."))

    def validate_app_payments(self, field):
        if set(field.data or ()) - {choice.value for choice in APP_PAYMENT_CHOICES}:
            raise ValidationError(_l("Unknown method."))

    def validate_return_url_allowlist(self, field):
        field.data = "\n".join(line.strip() for line in (field.data or "").splitlines() if line.strip())
        strict = self.environment.data == "production" and current_app.config.get("APP_ENV") != "development"
        for line in field.data.splitlines():
            parts = urlsplit(line)
            if parts.scheme not in ("http", "https") or not parts.netloc or len(line) > 300:
                raise ValidationError(_l("Each line must be a web address starting with http:// or https:// (%(line)s).",
                                         line=line[:80]))
            if strict and parts.scheme != "https":
                raise ValidationError(_l("Production payments may only return to https:// addresses (%(line)s).",
                                         line=line[:80]))

    def allowlist(self) -> tuple[str, ...]:
        return tuple(self.return_url_allowlist.data.splitlines()) if self.return_url_allowlist.data else ()

    def verify_choice(self) -> bool | None:
        return {"on": True, "off": False}.get(self.verify_with_status_api.data)

    def key_fields(self, environment: str) -> dict:
        return {name: getattr(self, f"{environment}_{name}")
                for name in ("merchant_id", "client_key", "server_key", "forget_server_key")}


class RefundForm(TranslatedForm):
    class Meta:
        csrf = False

    amount = RupiahField(_l("Amount to refund"), validators=[InputRequired(message=_l("Enter an amount."))])
    reason = StringField(_l("Reason (sent to Midtrans)"), validators=[Length(max=255)])
    refund_key = HiddenField(validators=[DataRequired(), Length(max=64)])

    def validate_refund_key(self, field):
        if not re.fullmatch(r"rf-[0-9a-f]{8,40}", field.data or ""):
            raise ValidationError(_l("This form is stale. Reload the page and try again."))


class ItemRowForm(TranslatedSubform):
    """One item of a payment link: a row of three fields. An empty row is skipped."""

    name = StringField(_l("Name"), validators=[Optional(), Length(max=50, message=_l("At most 50 characters."))])
    price = RupiahField(_l("Price"))
    quantity = StringField(_l("Quantity"), default="1")

    def is_empty(self) -> bool:
        return not ((self.name.data or "").strip() or self.price.raw or (self.quantity.data or "").strip() not in ("", "1"))

    def check(self) -> tuple[str, int, int] | None:
        """The row as (name, price, quantity), or None with the errors put on its fields."""
        name = (self.name.data or "").strip()
        quantity = (self.quantity.data or "").strip() or "1"
        ok = not (self.name.errors or self.price.errors)
        if not name:
            self.name.errors = [*self.name.errors, _l("Name the item.")]
            ok = False
        if self.price.data is None and not self.price.errors:
            self.price.errors = [*self.price.errors, _l("Enter the price.")]
            ok = False
        elif self.price.data is not None and self.price.data < 1:
            self.price.errors = [*self.price.errors, _l("The price must be at least Rp 1.")]
            ok = False
        if not quantity.isdigit() or not 1 <= int(quantity) <= 999:
            self.quantity.errors = [*self.quantity.errors, _l("A whole number from 1 to 999.")]
            ok = False
        return (name, self.price.data, int(quantity)) if ok else None


class PaymentLinkForm(TranslatedForm):
    class Meta:
        csrf = False

    MAX_ITEMS = 30

    amount = RupiahField(_l("Amount"))
    description = StringField(_l("What is it for?"), validators=[DataRequired(), Length(max=200)])
    items = FieldList(FormField(ItemRowForm), min_entries=1, max_entries=MAX_ITEMS)
    expires_in_minutes = IntegerField(_l("Expires after (minutes, optional)"),
                                      validators=[Optional(), NumberRange(min=1, max=MAX_ORDER_EXPIRY_MINUTES)])
    reference = StringField(_l("Your reference (optional)"), validators=[Optional(), Length(max=40)])
    customer_name = StringField(_l("Customer name (optional)"), validators=[Optional(), Length(max=120)])
    customer_email = StringField(_l("Customer email (optional)"), validators=[Optional(), Length(max=254)])

    def add_row(self) -> None:
        """One more empty item row (the "Add item" button without JavaScript)."""
        if len(self.items.entries) < self.MAX_ITEMS:
            self.items.append_entry()

    def remove_row(self, index: str) -> None:
        """Drop the row whose field index is ``index``; an empty row stays when it was the last."""
        self.items.entries = [row for row in self.items.entries if row.id != f"items-{index}"]
        if not self.items.entries:
            self.items.append_entry()

    def filled_rows(self) -> list:
        return [row.form for row in self.items.entries if not row.form.is_empty()]

    def validate_items(self, field):
        """Check every filled row; errors sit at the row's own fields."""
        self.parsed_items = []
        self.item_rows = []
        bad = False
        for row in self.filled_rows():
            item = row.check()
            if item is None:
                bad = True
            else:
                self.parsed_items.append(item)
                self.item_rows.append(row)
        if bad:
            raise ValidationError(_l("Check the marked items."))

    def validate_amount(self, field):
        items = getattr(self, "parsed_items", None)
        if field.data is None and not items:
            raise ValidationError(_l("Enter an amount, or list the items."))
        if field.data is not None and field.data < 1:
            raise ValidationError(_l("The amount must be at least Rp 1."))
        if field.data is not None and items:
            total = sum(price * quantity for _, price, quantity in items)
            if total != field.data:
                raise ValidationError(_l("The items add up to %(total)s; leave the amount empty or make them match.",
                                         total=f"{total:,}".replace(",", ".")))

    def validate(self, extra_validators=None):
        # Items are checked first, so the amount check can compare against them; the items'
        # own messages are put on their fields there and kept through the full validation.
        try:
            self.validate_items(self.items)
        except ValidationError:
            self.parsed_items = []
        kept = {id(row): (list(row.name.errors), list(row.price.errors), list(row.quantity.errors))
                for row in self.filled_rows()}
        ok = super().validate(extra_validators)
        for row in self.filled_rows():
            name, price, quantity = kept.get(id(row), ([], [], []))
            row.name.errors = list(dict.fromkeys([*row.name.errors, *name]))
            row.price.errors = list(dict.fromkeys([*row.price.errors, *price]))
            row.quantity.errors = list(dict.fromkeys([*row.quantity.errors, *quantity]))
        return ok and not any(row.name.errors or row.price.errors or row.quantity.errors for row in self.filled_rows())


class TransactionFilterForm(_NoCsrf):
    status = SelectField(_l("Status"), choices=[C("", _l("Any"))] + [C(s.value, STATUS_LABELS[s.value]) for s in OrderStatus],
                         default="")
    method = SelectField(_l("Method"), choices=METHOD_CHOICES, default="")
    flag = SelectField(_l("Attention"), choices=FLAG_CHOICES, default="")
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))


class AuditFilterForm(_NoCsrf):
    actor = StringField(_l("Actor"), validators=[Optional(), Length(max=120)])
    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    subject = StringField(_l("Subject"), validators=[Optional(), Length(max=64)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))
