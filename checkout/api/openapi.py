"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Kept next to the routes and checked against them by a schemathesis test, so the two
cannot drift apart unnoticed.
"""
from __future__ import annotations

from copy import deepcopy

from checkout.alerts.kinds import KINDS as ALERT_KINDS
from checkout.api_keys import READ, REFUND, SCOPES, WRITE
from checkout.outbox.events import EVENT_TYPES
from checkout.payments.states import OrderStatus

NULLABLE_STRING = {"type": ["string", "null"]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR = _ref("Error")
ERRORS = {
    "400": _json(ERROR, "Malformed JSON or an invalid Idempotency-Key."),
    "401": _json(ERROR, "Missing, unknown, revoked or expired API key (`api_key_expired` for the last)."),
    "413": _json(ERROR, "The body is larger than the API accepts."),
    "429": _json(ERROR, "Too many requests for this key; see Retry-After."),
}
SESSION_ID = {"name": "session_id", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1},
              "description": "The session id (`id` in a session)."}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
    "description": "Makes the POST safe to retry: the same key with the same body replays the first answer "
                   "(status and body) for at least 24 hours; with a different body it is a 409.",
}
SCHEMAS: dict = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable."},
                "message": {"type": "string", "description": "For people; may change."},
                "fields": {"type": "object", "additionalProperties": {"type": "string"},
                           "description": "Field path -> what is wrong with it."},
            },
        }},
    },
    "ItemInput": {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "unit_price"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 50},
            "unit_price": {"type": "integer", "description": "Integer rupiah; may be negative for a discount."},
            "quantity": {"type": "integer", "minimum": 1, "default": 1},
            "sku": {"type": ["string", "null"], "maxLength": 50},
        },
    },
    "CustomerInput": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"type": ["string", "null"], "maxLength": 120},
            "email": {"type": ["string", "null"], "maxLength": 254},
            "phone": {"type": ["string", "null"], "maxLength": 32},
        },
    },
    "CheckoutSessionCreate": {
        "type": "object",
        "additionalProperties": False,
        "required": ["items", "total"],
        "properties": {
            "reference": {"type": "string", "pattern": "^[A-Za-z0-9\\-_~.]{1,40}$",
                          "description": "Your order reference; unique. Generated when absent."},
            "description": {"type": "string", "maxLength": 200},
            "items": {"type": "array", "minItems": 1, "maxItems": 100, "items": _ref("ItemInput")},
            "total": {"type": "integer", "minimum": 1, "maximum": 100_000_000,
                      "description": "Integer rupiah; must equal the sum of unit_price x quantity (else 422)."},
            "currency": {"type": "string", "enum": ["IDR"], "default": "IDR"},
            "customer": _ref("CustomerInput"),
            "allowed_methods": {"type": "array", "minItems": 1, "uniqueItems": True,
                                "items": {"type": "string", "enum": ["qris", "snap"]},
                                "description": "Default: every method enabled in the shop."},
            "expires_in_minutes": {"type": "integer", "minimum": 1, "maximum": 43200,
                                   "description": "Default: the shop's order expiry."},
            "success_url": {"type": "string", "format": "uri", "maxLength": 2000,
                            "description": "Where the customer goes after paying (with ?session_id=). "
                                           "Must be under a return-URL prefix allowlisted by the shop (else 422)."},
            "cancel_url": {"type": "string", "format": "uri", "maxLength": 2000,
                           "description": "Where the customer goes when the session ends unpaid (with ?session_id=)."},
            "metadata": {"type": "object", "maxProperties": 50,
                         "description": "Free JSON echoed back; at most 4096 bytes, keys of at most 40 characters."},
        },
    },
    "Item": {
        "type": "object",
        "required": ["sku", "name", "unit_price", "quantity"],
        "properties": {"sku": NULLABLE_STRING, "name": {"type": "string"}, "unit_price": {"type": "integer"},
                       "quantity": {"type": "integer"}},
    },
    "Payment": {
        "type": ["object", "null"],
        "required": ["method", "payment_type", "transaction_id", "paid_at"],
        "properties": {"method": {"type": "string", "enum": ["qris", "snap"]}, "payment_type": NULLABLE_STRING,
                       "transaction_id": NULLABLE_STRING, "paid_at": {"type": ["string", "null"], "format": "date-time"}},
    },
    "CheckoutSession": {
        "type": "object",
        "required": ["id", "object", "reference", "status", "currency", "amount_total", "amount_paid",
                     "amount_refunded", "description", "items", "customer", "allowed_methods", "metadata",
                     "success_url", "cancel_url", "url", "payment", "created_at", "expires_at", "paid_at"],
        "properties": {
            "id": {"type": "string", "description": "Unguessable; also the path of the checkout page."},
            "object": {"const": "checkout.session"},
            "reference": {"type": "string"},
            "status": {"type": "string", "enum": [s.value for s in OrderStatus]},
            "currency": {"const": "IDR"},
            "amount_total": {"type": "integer"},
            "amount_paid": {"type": "integer"},
            "amount_refunded": {"type": "integer"},
            "description": {"type": "string"},
            "items": {"type": "array", "items": _ref("Item")},
            "customer": {"type": "object", "required": ["name", "email", "phone"],
                         "properties": {"name": NULLABLE_STRING, "email": NULLABLE_STRING, "phone": NULLABLE_STRING}},
            "allowed_methods": {"type": ["array", "null"], "items": {"type": "string", "enum": ["qris", "snap"]}},
            "metadata": {"type": "object"},
            "success_url": NULLABLE_STRING,
            "cancel_url": NULLABLE_STRING,
            "url": {"type": "string", "description": "Send the customer here to pay."},
            "payment": _ref("Payment"),
            "created_at": {"type": "string", "format": "date-time"},
            "expires_at": {"type": "string", "format": "date-time"},
            "paid_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "CheckoutSessionList": {
        "type": "object",
        "required": ["object", "data", "has_more"],
        "properties": {"object": {"const": "list"}, "data": {"type": "array", "items": _ref("CheckoutSession")},
                       "has_more": {"type": "boolean"}},
    },
    "CancelInput": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"reason": {"type": "string", "maxLength": 255}},
    },
    "RefundInput": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "amount": {"type": "integer", "minimum": 1, "description": "Default: everything not yet refunded."},
            "reason": {"type": "string", "maxLength": 255},
        },
    },
    "Refund": {
        "type": "object",
        "required": ["object", "amount", "refund_key", "session"],
        "properties": {"object": {"const": "refund"}, "amount": {"type": "integer"},
                       "refund_key": {"type": ["string", "null"]}, "session": _ref("CheckoutSession")},
    },
    "WebhookEvent": {
        "type": "object",
        "required": ["id", "type", "timestamp", "data"],
        "description": "The body of a webhook sent to the shop (not an API response). `data` is the checkout "
                       "session, or the alert for checkout.alert.opened.",
        "properties": {"id": {"type": "string"}, "type": {"type": "string", "enum": list(EVENT_TYPES)},
                       "timestamp": {"type": "string", "format": "date-time"},
                       "data": {"oneOf": [_ref("CheckoutSession"), _ref("Alert")]}},
    },
    "Alert": {
        "type": "object",
        "description": "An owner alert (checkout.alert.opened): something the shop owner should look at.",
        "required": ["object", "id", "kind", "subject", "status", "title", "message", "details", "occurrences",
                     "opened_at"],
        "properties": {"object": {"const": "alert"}, "id": {"type": "integer"},
                       "kind": {"type": "string", "enum": list(ALERT_KINDS)},
                       "subject": {"type": "string"}, "status": {"type": "string", "enum": ["open", "resolved"]},
                       "title": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"},
                       "occurrences": {"type": "integer"}, "opened_at": {"type": "string", "format": "date-time"}},
    },
}

DESCRIPTION = """\
Create checkout sessions from the shop's backend and follow them to payment.

* Authenticate with `Authorization: Bearer ck_live_...` (keys are made in the admin or with
  `flask api-keys create NAME`). Every active key sees every session of the shop.
* Amounts are integer rupiah. Every error has the shape `{"error": {"code", "message", "fields"}}`.
* Send an `Idempotency-Key` with every POST to make retries safe.
* Each key has scopes: `read` (get and list sessions), `write` (create and cancel sessions)
  and `refund` (refund sessions); each operation names the one it needs under `security`.
  A key without it gets 403 `insufficient_scope`, with the scope in `fields.scope` and in
  `WWW-Authenticate`. A key may have an expiry; after it, calls get 401 `api_key_expired`.
* Calls are rate limited per key (default 120 a minute); a 429 carries `Retry-After`.
* Final states are also pushed to your webhook endpoints, signed per Standard Webhooks.
"""


def _operation(summary: str, responses: dict, *, scope: str, body: str | None = None, params: list | None = None,
               idempotent: bool = False, operation_id: str) -> dict:
    forbidden = _json(ERROR, f"The key lacks the `{scope}` scope (`insufficient_scope`; `fields.scope` names it).")
    op: dict = {"summary": summary, "operationId": operation_id, "security": [{"bearerAuth": [scope]}],
                "responses": {**responses, **ERRORS, "403": forbidden}, "parameters": list(params or [])}
    if idempotent:
        op["parameters"].append(IDEMPOTENCY_KEY)
    if body:
        op["requestBody"] = {"required": body == "CheckoutSessionCreate",
                             "content": {"application/json": {"schema": _ref(body)}}}
    if not op["parameters"]:
        del op["parameters"]
    return op


SESSION = _ref("CheckoutSession")
PATHS = {
    "/checkout-sessions": {
        "post": _operation(
            "Create a checkout session", {
                "201": _json(SESSION, "Created; send the customer to `url`."),
                "409": _json(ERROR, "The Idempotency-Key is in use or was used with another body."),
                "422": _json(ERROR, "Invalid fields, a total that is not the sum of the items, a used reference, "
                                    "or a return URL off the allowlist."),
            }, body="CheckoutSessionCreate", idempotent=True, scope=WRITE, operation_id="createCheckoutSession"),
        "get": _operation(
            "List checkout sessions, newest first", {
                "200": _json(_ref("CheckoutSessionList"), "A page of sessions."),
                "422": _json(ERROR, "Invalid query parameters."),
            }, params=[
                {"name": "reference", "in": "query", "schema": {"type": "string"}},
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": [s.value for s in OrderStatus]}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100,
                                                           "default": 20}},
                {"name": "starting_after", "in": "query", "schema": {"type": "string"},
                 "description": "A session id from the previous page: continue after it."},
            ], scope=READ, operation_id="listCheckoutSessions"),
    },
    "/checkout-sessions/{session_id}": {
        "get": _operation("Get a checkout session", {
            "200": _json(SESSION, "The session."),
            "404": _json(ERROR, "No such session."),
        }, params=[SESSION_ID], scope=READ, operation_id="getCheckoutSession"),
    },
    "/checkout-sessions/{session_id}/cancel": {
        "post": _operation("Cancel an open checkout session", {
            "200": _json(SESSION, "Cancelled (repeating the call answers the same)."),
            "404": _json(ERROR, "No such session."),
            "409": _json(ERROR, "Paid or expired sessions cannot be cancelled; or the Idempotency-Key conflicts."),
            "422": _json(ERROR, "Invalid fields."),
            "503": _json(ERROR, "Midtrans could not be reached; nothing was cancelled."),
        }, body="CancelInput", params=[SESSION_ID], idempotent=True, scope=WRITE,
            operation_id="cancelCheckoutSession"),
    },
    "/checkout-sessions/{session_id}/refunds": {
        "post": _operation("Refund a paid checkout session, fully or partly", {
            "201": _json(_ref("Refund"), "Midtrans accepted the refund."),
            "404": _json(ERROR, "No such session."),
            "409": _json(ERROR, "Not refundable (unpaid, method without refunds, nothing left), already under way, "
                                "or the Idempotency-Key conflicts."),
            "422": _json(ERROR, "Invalid amount (too large, or partial where only full refunds exist)."),
            "503": _json(ERROR, "Midtrans could not be reached; nothing was refunded."),
        }, body="RefundInput", params=[SESSION_ID], idempotent=True, scope=REFUND,
            operation_id="refundCheckoutSession"),
    },
}


def document() -> dict:
    """A fresh copy of the document (callers may not mutate the module's)."""
    return deepcopy({
        "openapi": "3.1.0",
        "info": {"title": "Checkout API", "version": "1.0.0", "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "An API key, ck_live_... Its scopes (" + ", ".join(SCOPES) + ") are the roles "
                               "each operation lists under `security`."}},
            "schemas": SCHEMAS,
        },
        "webhooks": {
            event_type: {"post": {
                "summary": f"{event_type} (signed: webhook-id, webhook-timestamp, webhook-signature)",
                "requestBody": {"content": {"application/json": {"schema": _ref("WebhookEvent")}}},
                "responses": {"2XX": {"description": "Received; anything else is retried for up to 3 days."}},
            }}
            for event_type in EVENT_TYPES
        },
    })
