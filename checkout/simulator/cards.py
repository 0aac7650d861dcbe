"""Card tokens the way Midtrans's sandbox issues them, and what each test card does.

Only the simulator ever sees a card number, and it keeps none: a token row holds the
masked number and the outcome the card stands for. The sandbox's published test cards
behave as documented; any other number that passes the Luhn check is accepted.

=======================  ==========================================
4811 1111 1111 1114      accepted (3DS passes with OTP 112233)
4911 1111 1111 1113      denied by the bank
5510 1111 1111 1115      accepted by the bank, challenged by fraud detection
=======================  ==========================================
"""
from __future__ import annotations

import re
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime

from . import clock
from .store import write

OTP = "112233"
TEST_CARDS = {
    "4811111111111114": "accept",
    "4911111111111113": "deny",
    "5510111111111115": "challenge",
}
BANK = "bni"
DENY_MESSAGE = f"Deny by Bank [{BANK.upper()}] with code [05] and message [Do not honour]"
CHALLENGE_MESSAGE = "Challenge by FDS"
CAPTURE_MESSAGE = "Success, Credit Card transaction is successful"
PENDING_MESSAGE = "Credit Card transaction is pending"
THREE_DS_DENIED = "3DS Authentication Denied"


@dataclass(frozen=True)
class CardToken:
    token: str
    masked_card: str
    outcome: str
    bank: str
    card_type: str
    reusable: bool


def luhn_ok(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def check_card(args, *, need_cvv: bool, now: float) -> tuple[str, list[str]]:
    """Validate the card query parameters; returns (digits, messages)."""
    messages = []
    number = re.sub(r"[\s-]", "", args.get("card_number", ""))
    if not number:
        messages.append("card_number is required")
    elif not number.isdigit() or not 12 <= len(number) <= 19 or not luhn_ok(number):
        messages.append("card_number is invalid")
    month, year = args.get("card_exp_month", ""), args.get("card_exp_year", "")
    month_ok = month.isdigit() and 1 <= int(month) <= 12
    year_ok = year.isdigit() and len(year) in (2, 4)
    if not month_ok:
        messages.append("card_exp_month is invalid")
    if not year_ok:
        messages.append("card_exp_year is invalid")
    if month_ok and year_ok:
        full_year = int(year) + (2000 if len(year) == 2 else 0)
        today = datetime.fromtimestamp(now, clock.JAKARTA)
        if (full_year, int(month)) < (today.year, today.month):
            messages.append("card_exp_month and card_exp_year describe an expired card")
    cvv = args.get("card_cvv", "")
    if need_cvv and not (cvv.isdigit() and len(cvv) in (3, 4)):
        messages.append("card_cvv is invalid")
    return number, messages


def issue(conn: sqlite3.Connection, client_key: str, number: str, *, reusable: bool, now: float) -> CardToken:
    """A token for a validated card number: one-time, or saved (``saved_token_id``)."""
    if reusable:
        token = f"{number[:6]}{uuid.uuid4().hex[:20]}{number[-4:]}"
    else:
        token = f"{number[:6]}-{number[-4:]}-{uuid.uuid4()}"
    card = CardToken(token, f"{number[:8]}-{number[-4:]}", TEST_CARDS.get(number, "accept"), BANK, "credit", reusable)
    _save(conn, card, client_key, now)
    return card


def issue_from_saved(conn: sqlite3.Connection, client_key: str, saved_token: str, *, now: float) -> CardToken | None:
    """A one-time token for a saved card (two-click payments); None if it is not saved."""
    row = conn.execute("SELECT * FROM card_tokens WHERE token = ? AND reusable = 1", (saved_token,)).fetchone()
    if row is None:
        return None
    saved = _from_row(row)
    card = CardToken(f"{saved_token[:6]}-{saved_token[-4:]}-{uuid.uuid4()}", saved.masked_card, saved.outcome,
                     saved.bank, saved.card_type, reusable=False)
    _save(conn, card, client_key, now)
    return card


def redeem(conn: sqlite3.Connection, token: str, now: float) -> CardToken | None:
    """Use a token for one charge. One-time tokens work once; saved tokens always.

    The update is conditional, so even two concurrent charges cannot spend one token twice.
    """
    cursor = conn.execute(
        "UPDATE card_tokens SET used_at = ? WHERE token = ? AND (reusable = 1 OR used_at IS NULL)", (now, token)
    )
    if cursor.rowcount != 1:
        return None
    return _from_row(conn.execute("SELECT * FROM card_tokens WHERE token = ?", (token,)).fetchone())


def _save(conn: sqlite3.Connection, card: CardToken, client_key: str, now: float) -> None:
    with write(conn):
        conn.execute(
            """INSERT INTO card_tokens (token, client_key, masked_card, outcome, bank, card_type,
                   reusable, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (card.token, client_key, card.masked_card, card.outcome, card.bank, card.card_type,
             int(card.reusable), now),
        )


def _from_row(row: sqlite3.Row) -> CardToken:
    return CardToken(row["token"], row["masked_card"], row["outcome"], row["bank"], row["card_type"],
                     bool(row["reusable"]))
