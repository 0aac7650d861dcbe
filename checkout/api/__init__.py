"""The checkout-session API for the shop's backend (/api/v1).

JSON only, authenticated by API key (so exempt from CSRF, which protects cookie sessions),
rate limited per key, every call written to the audit trail under ``api:<key name>``.
"""
from flask import Blueprint

from checkout.extensions import csrf, limiter

bp = Blueprint("api", __name__)
csrf.exempt(bp)

from checkout.api import auth, calls, errors  # noqa: E402

errors.init_blueprint(bp)
bp.before_request(auth.require_key)
bp.before_request(calls.speak_the_callers_language)
bp.after_request(calls.record_call)
bp.teardown_request(calls.forget_language)
limiter.shared_limit(auth.rate_limit_value, scope="api", key_func=auth.rate_limit_key)(bp)

from checkout.api import routes  # noqa: E402,F401
