"""Midtrans HTTP client: one requests.Session, explicit timeouts, careful retries.

Midtrans answers in two layers: the HTTP status and a ``status_code`` string in the
body, which for 404/406/412/414 arrives with HTTP 200. ``_interpret`` reads both and
turns them into a plain dict (success) or one of ``checkout.midtrans.errors``.

Retries happen only where repeating is harmless: status reads, and charges, which
always carry the same Idempotency-Key. The server key never appears in a log line or an
exception message: it lives only inside the session's auth.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote

import requests

from checkout import json_bodies
from checkout.midtrans.errors import (
    GatewayAuthError,
    GatewayError,
    GatewayInFlight,
    GatewayRejected,
    GatewayUnavailable,
)
from checkout.observability import metrics

log = logging.getLogger(__name__)

# The outcome label of checkout_midtrans_requests_total for each way a call can fail.
OUTCOMES = {GatewayAuthError: "auth_refused", GatewayInFlight: "in_flight", GatewayUnavailable: "unavailable",
            GatewayRejected: "rejected"}
# Calls that move money or a payment's state: each request and each answer is logged.
MONEY_OPERATIONS = frozenset({"charge", "snap_create", "refund", "refund_direct", "cancel", "expire", "approve",
                              "deny"})
SUCCESS_CODES = {"200", "201", "202", "407"}  # 202 deny and 407 expire are answers, not errors
UNAVAILABLE_CODES = {"429", "500", "502", "503", "504", "505"}
MAX_ANSWER_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Endpoints:
    api_base_url: str  # e.g. https://api.sandbox.midtrans.com
    snap_base_url: str  # e.g. https://app.sandbox.midtrans.com/snap/v1


class MidtransClient:
    def __init__(self, server_key: str, endpoints: Endpoints, *, notification_url: str | None = None,
                 connect_timeout: float = 3.05, read_timeout: float = 10.0, retries: int = 2,
                 backoff: float = 0.2, session: requests.Session | None = None,
                 on_auth_refused: Callable[[], None] | None = None):
        self._endpoints = endpoints
        self._timeout = (connect_timeout, read_timeout)
        self._retries = retries
        self._backoff = backoff
        self._notification_url = notification_url
        self._on_auth_refused = on_auth_refused  # told of a 401 (owner alert); must not raise
        self._session = session or requests.Session()
        self._session.auth = (server_key, "")
        self._session.headers.update({"Accept": "application/json", "Content-Type": "application/json",
                                      "User-Agent": "checkout-midtrans/1"})

    def __repr__(self) -> str:  # never show the key
        return f"MidtransClient({self._endpoints.api_base_url!r})"

    # --- Core API -------------------------------------------------------------------

    def charge(self, payload: dict, *, idempotency_key: str) -> dict:
        headers = {"Idempotency-Key": idempotency_key, **self._notification_headers()}
        return self._call("POST", self._api("/v2/charge"), json=payload, headers=headers, retry=True,
                          operation="charge")

    def status(self, order_or_transaction_id: str) -> dict | None:
        """The transaction's status, or None when Midtrans does not know it (404)."""
        try:
            return self._call("GET", self._api(f"/v2/{_id(order_or_transaction_id)}/status"), retry=True,
                              operation="status")
        except GatewayRejected as exc:
            if exc.code == "404":
                return None
            raise

    def cancel(self, order_or_transaction_id: str) -> dict:
        return self._call("POST", self._api(f"/v2/{_id(order_or_transaction_id)}/cancel"), operation="cancel")

    def expire(self, order_or_transaction_id: str) -> dict:
        return self._call("POST", self._api(f"/v2/{_id(order_or_transaction_id)}/expire"), operation="expire")

    def approve(self, order_or_transaction_id: str) -> dict:
        return self._call("POST", self._api(f"/v2/{_id(order_or_transaction_id)}/approve"), operation="approve")

    def deny(self, order_or_transaction_id: str) -> dict:
        return self._call("POST", self._api(f"/v2/{_id(order_or_transaction_id)}/deny"), operation="deny")

    def refund(self, order_or_transaction_id: str, *, refund_key: str, amount: int, reason: str = "",
               direct: bool = False) -> dict:
        path = "/refund/online/direct" if direct else "/refund"
        body = {"refund_key": refund_key, "amount": int(amount), "reason": reason[:255]}
        return self._call("POST", self._api(f"/v2/{_id(order_or_transaction_id)}{path}"), json=body,
                          operation="refund_direct" if direct else "refund")

    # --- Snap -----------------------------------------------------------------------

    def create_snap(self, payload: dict) -> dict:
        """Answers {"token", "redirect_url"}; Snap errors come as error_messages."""
        url = self._endpoints.snap_base_url.rstrip("/") + "/transactions"
        return self._call("POST", url, json=payload, headers=self._notification_headers(), operation="snap_create")

    # --- plumbing -------------------------------------------------------------------

    def _api(self, path: str) -> str:
        return self._endpoints.api_base_url.rstrip("/") + path

    def _notification_headers(self) -> dict:
        return {"X-Override-Notification": self._notification_url} if self._notification_url else {}

    def _call(self, method: str, url: str, *, operation: str, json: Any = None, headers: dict | None = None,
              retry: bool = False) -> dict:
        attempts = 1 + (self._retries if retry else 0)
        for attempt in range(attempts):
            try:
                return self._once(method, url, json, headers, operation)
            except GatewayUnavailable as exc:
                if attempt + 1 >= attempts:
                    raise
                log.warning("midtrans %s %s unavailable (%s); retrying", method, _path(url), exc.message)
                time.sleep(self._backoff * (3 ** attempt))
        raise AssertionError("unreachable")

    def _once(self, method: str, url: str, json: Any, headers: dict | None, operation: str) -> dict:
        """One HTTP exchange, counted and timed by operation and outcome (each retry too)."""
        money = operation in MONEY_OPERATIONS
        if money:
            log.info("midtrans %s requested (%s)%s", operation, _path(url), _amount(json))
        started = time.monotonic()
        outcome, detail = "ok", "-"
        try:
            response = self._session.request(method, url, json=json, headers=headers, timeout=self._timeout,
                                             allow_redirects=False)
            log.debug("midtrans %s %s -> %s in %.0f ms", method, _path(url), response.status_code,
                      (time.monotonic() - started) * 1000)
            answer = _interpret(response)
            detail = str(answer.get("transaction_status") or answer.get("status_code") or "-")
            return answer
        except requests.Timeout:
            outcome = "timeout"
            raise GatewayUnavailable("Midtrans did not answer in time", code="timeout") from None
        except requests.RequestException:
            outcome = "connection_error"
            raise GatewayUnavailable("Midtrans could not be reached", code="connection") from None
        except GatewayError as exc:
            outcome, detail = _outcome(exc), f"code {exc.code}"
            if isinstance(exc, GatewayAuthError) and self._on_auth_refused is not None:
                self._on_auth_refused()
            raise
        finally:
            elapsed = time.monotonic() - started
            metrics.gateway_request(operation, outcome, elapsed)
            if money:
                log.info("midtrans %s answered: %s (%s) in %.0f ms", operation, outcome, detail, elapsed * 1000)


def _outcome(error: GatewayError) -> str:
    if isinstance(error, GatewayRejected) and error.code == "404":
        return "not_found"  # a status read of a transaction Midtrans does not know: an answer
    return OUTCOMES.get(type(error), "error")


def _interpret(response: requests.Response) -> dict:
    http = response.status_code
    try:
        # Midtrans's answers are small; anything huge or absurdly nested is not one of them.
        body = json_bodies.parse(response.content, max_bytes=MAX_ANSWER_BYTES)
    except json_bodies.UnreadableBody:
        body = None
    if not isinstance(body, dict):
        body = {}
    code = str(body.get("status_code") or "")
    messages = _messages(body)
    if http == 401 or code == "401":
        raise GatewayAuthError("Midtrans refused the server key (check the key and the environment)",
                               code="401", http_status=http, messages=messages)
    if http == 202:
        # HTTP 202 (not the body's "202", which is a card deny) answers a repeated
        # Idempotency-Key while the first request is still being processed.
        raise GatewayInFlight("Midtrans is still processing the same request", code="202", http_status=http)
    if http == 429 or http >= 500 or code in UNAVAILABLE_CODES:
        raise GatewayUnavailable("Midtrans is temporarily unavailable", code=code or str(http),
                                 http_status=http, messages=messages)
    if http >= 400:
        raise GatewayRejected(_summary(messages, "Midtrans refused the request"), code=code or str(http),
                              http_status=http, messages=messages)
    if code and code not in SUCCESS_CODES:
        raise GatewayRejected(_summary(messages, "Midtrans refused the request"), code=code,
                              http_status=http, messages=messages)
    if not body:
        raise GatewayUnavailable("Midtrans answered with an empty body", code=str(http), http_status=http)
    return body


def _messages(body: dict) -> list[str]:
    found: list[str] = []
    for key in ("validation_messages", "error_messages"):
        value = body.get(key)
        if isinstance(value, list):
            found.extend(str(v) for v in value)
    for key in ("status_message", "message"):
        if isinstance(body.get(key), str) and not found:
            found.append(body[key])
    return found


def _summary(messages: list[str], default: str) -> str:
    return "; ".join(messages)[:300] if messages else default


def _id(value: str) -> str:
    return quote(value, safe="")


def _amount(body: Any) -> str:
    """", Rp <amount>" for a charge, Snap or refund body (no other field is ever logged)."""
    if not isinstance(body, dict):
        return ""
    details = body.get("transaction_details")
    amount = details.get("gross_amount") if isinstance(details, dict) else body.get("amount")
    return f", Rp {amount}" if isinstance(amount, int) else ""


def _path(url: str) -> str:
    """For logs: the path only (order ids are fine, hosts and keys are not needed)."""
    return url.split("://", 1)[-1].split("/", 1)[-1]


__all__ = ["Endpoints", "GatewayError", "MidtransClient"]
