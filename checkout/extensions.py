"""Extensions, created unbound and initialised in ``create_app``."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData

# Stable constraint names make migrations reviewable and identical on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
csrf = CSRFProtect()
htmx = Htmx()
babel = Babel()
mail = Mail()


def _count_refusal(request_limit) -> None:
    """Every refusal by any limit, labelled with the limit's scope (endpoint and scope name)."""
    from checkout.observability import metrics

    # The arguments are [key prefix,] client key, scope: the scope is last, the key never used.
    metrics.rate_limit_refused(request_limit.request_args[-1] if request_limit.request_args else None)


limiter = Limiter(key_func=get_remote_address, default_limits=[], on_breach=_count_refusal)
