"""`flask admin ...`."""
from flask.cli import AppGroup

cli = AppGroup("admin", help="admin commands")
