"""The QRIS picture: a PNG drawn from Midtrans's ``qr_string`` by our own code.

Pure Python (qrcode's PyPNG backend, no Pillow). Drawn once per attempt when the charge
answer is recorded and cached in ``PaymentAttempt.qr_png``, so serving it is a read.
"""
from __future__ import annotations

import io

import qrcode
from qrcode.image.pure import PyPNGImage

# 4 px modules and the standard 4-module quiet zone: a QRIS payload (version 9-11) comes
# out 240-280 px, about the size the card shows it at; CSS scales it up crisply
# (image-rendering: pixelated) on dense screens. Pure-Python PNG packing costs grow with
# the pixel count, so a bigger box would only make the customer wait longer.
BOX_SIZE = 4
BORDER = 4


def render_png(qr_string: str) -> bytes:
    """PNG bytes of the QR code for ``qr_string`` (error correction M, as QRIS apps expect)."""
    if not qr_string:
        raise ValueError("an empty QR payload cannot be drawn")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=BOX_SIZE, border=BORDER,
                         image_factory=PyPNGImage)
    code.add_data(qr_string)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return buffer.getvalue()

