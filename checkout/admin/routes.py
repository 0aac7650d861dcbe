"""Admin routes, one module per page family. Each view is thin: parse, call a service,
render; every one is guarded by ``auth.login_required``."""
from checkout.admin import (  # noqa: F401  (importing registers the views on the blueprint)
    alerts,
    audit_log,
    auth,
    dashboard,
    payment_links,
    settings,
    throttle,
    transaction_actions,
    transactions,
    webhook_health,
)
from checkout.admin import bp  # noqa: F401
