"""The app as gunicorn serves it in the cross-worker throttle test.

``create_app`` reads its config from the environment; this adds the per-test rate-limit
key prefix (so parallel tests never share counters in Redis), optional sign-in limits, and answers with the
worker's pid in a header, so the test can see which process served each request.
"""
from __future__ import annotations

import os

from checkout import create_app


def create():
    overrides = {"RATELIMIT_KEY_PREFIX": os.environ["TEST_RATELIMIT_PREFIX"]}
    for name in ("ADMIN_LOGIN_ACCOUNT_ADDRESS_LIMIT", "ADMIN_LOGIN_ACCOUNT_LIMIT"):
        if os.environ.get(f"TEST_{name}"):
            overrides[name] = os.environ[f"TEST_{name}"]
    app = create_app(overrides)
    inner = app.wsgi_app

    def with_worker_pid(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, ("X-Worker-Pid", str(os.getpid()))], exc_info)

        return inner(environ, start)

    app.wsgi_app = with_worker_pid
    return app
