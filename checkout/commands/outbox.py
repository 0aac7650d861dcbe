"""`flask outbox ...`."""
from flask.cli import AppGroup

cli = AppGroup("outbox", help="outbox commands")
