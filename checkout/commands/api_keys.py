"""`flask api-keys ...`."""
from flask.cli import AppGroup

cli = AppGroup("api-keys", help="api-keys commands")
