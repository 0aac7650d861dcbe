"""QRIS payloads (EMVCo merchant-presented mode), their CRC, and their PNG image.

A payload is a flat run of TLV fields: two-digit ID, two-digit length, value. The last
field is always ID "63", length "04", and the CRC16-CCITT (polynomial 0x1021, initial
value 0xFFFF, no reflection, no final XOR) of everything before it *including* the
"6304" itself, written as four uppercase hex digits. A wallet refuses a QR whose CRC
does not match, so the app's tests check it with :func:`verify_crc`.

The fields follow the QRIS national standard: a dynamic QR (point of initiation "12")
carries the amount; merchant account information sits in tag 26 (the acquirer's GUID)
and tag 51 (the QRIS national GUID ``ID.CO.QRIS.WWW`` with a national merchant ID).
"""
from __future__ import annotations

import io

import qrcode
from qrcode.image.pure import PyPNGImage

QRIS_GUID = "ID.CO.QRIS.WWW"
ACQUIRER_GUIDS = {"gopay": "COM.GO-JEK.WWW", "airpay shopee": "ID.CO.SHOPEE.WWW"}
MERCHANT_CATEGORY = "5814"  # fast food: a plain retail MCC; the value only has to be well formed
CURRENCY_IDR = "360"


def crc16_ccitt(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def tlv(tag: str, value: str) -> str:
    if len(tag) != 2 or not 0 < len(value) <= 99:
        raise ValueError(f"field {tag} cannot hold {len(value)} characters")
    return f"{tag}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    """Append the "63" CRC field to a payload that does not have one yet."""
    head = body + "6304"
    return head + f"{crc16_ccitt(head.encode('ascii')):04X}"


def verify_crc(payload: str) -> bool:
    """True when ``payload`` ends in a "6304" CRC field that matches the rest."""
    if len(payload) < 8 or payload[-8:-4] != "6304":
        return False
    return with_crc(payload[:-8]) == payload


def parse(payload: str) -> dict[str, str]:
    """Top-level fields by ID. Raises ``ValueError`` if the TLV structure is broken."""
    fields, index = {}, 0
    while index < len(payload):
        if index + 4 > len(payload):
            raise ValueError(f"truncated field header at {index}")
        tag, length = payload[index:index + 2], payload[index + 2:index + 4]
        if not length.isdigit():
            raise ValueError(f"bad length {length!r} for field {tag}")
        end = index + 4 + int(length)
        if end > len(payload):
            raise ValueError(f"field {tag} runs past the end")
        fields[tag] = payload[index + 4:end]
        index = end
    return fields


def build_payload(
    *,
    amount: int,
    order_id: str,
    transaction_id: str,
    acquirer: str,
    merchant_name: str,
    merchant_city: str,
    merchant_id: str,
) -> str:
    """A dynamic QRIS payload for one transaction."""
    digits = "".join(ch for ch in transaction_id if ch.isdigit())[:10].ljust(10, "0")
    acquirer_info = (
        tlv("00", ACQUIRER_GUIDS.get(acquirer, ACQUIRER_GUIDS["gopay"]))
        + tlv("01", "93600914" + digits)          # merchant PAN: acquirer prefix + digits
        + tlv("02", merchant_id[:15])
        + tlv("03", "UMI")
    )
    national_info = tlv("00", QRIS_GUID) + tlv("02", ("ID10" + digits + "0")[:15]) + tlv("03", "UMI")
    additional = tlv("01", order_id[:25]) + tlv("05", transaction_id.replace("-", "")[:25])
    body = (
        tlv("00", "01")
        + tlv("01", "12")
        + tlv("26", acquirer_info)
        + tlv("51", national_info)
        + tlv("52", MERCHANT_CATEGORY)
        + tlv("53", CURRENCY_IDR)
        + tlv("54", str(amount))
        + tlv("58", "ID")
        + tlv("59", merchant_name[:25] or "Merchant")
        + tlv("60", merchant_city[:15] or "Jakarta")
        + tlv("62", additional)
    )
    return with_crc(body)


def png(payload: str) -> bytes:
    """The payload as a QR code PNG, rendered in pure Python (no Pillow)."""
    code = qrcode.QRCode(image_factory=PyPNGImage, box_size=8, border=4,
                         error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return buffer.getvalue()
