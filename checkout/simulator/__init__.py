"""A Midtrans-compatible simulator: Core API, Snap, notifications, sandbox controls.

It is self-contained (it imports nothing from the rest of ``checkout``) so it can run
alone or be mounted inside the main app. See ``docs/simulator.md``.

Public API:

* :func:`create_app` - the Flask app factory.
* :func:`signature_key` - Midtrans's notification/status signature.
* :func:`verify_qris_crc`, :func:`parse_qris` - check a QRIS payload's CRC / read its fields.
"""
from .app import create_app
from .payloads import signature_key
from .qris import parse as parse_qris
from .qris import verify_crc as verify_qris_crc

__all__ = ["create_app", "signature_key", "verify_qris_crc", "parse_qris"]
