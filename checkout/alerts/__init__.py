"""Owner alerts: the shop owner hears about trouble without opening the admin.

One ``Alert`` row per cause (kind + subject, e.g. ``payment_attention:INV-7-1:paid_late``).
``service.open_alert`` opens it (or reopens it, or counts one more occurrence) inside the
caller's transaction and, when the cause is news and outside the cool-down, queues an
e-mail (``checkout.mail``) and a ``checkout.alert.opened`` webhook (the outbox) in the same
transaction. Nothing here talks to a mail server or blocks a payment; ``flask worker``
sends later and retries.

* ``kinds``: what each kind means, in the owner's language.
* ``service``: open, resolve, list, recipients.
* ``causes``: the one-line hooks the payment core, the gateway client, the outbox and the
  reconciler call.
* ``checks``: the periodic checks the worker runs (notifications gone quiet, endpoints
  failing for an hour) and the automatic resolutions.
* ``message``: the e-mail and webhook bodies.
"""
